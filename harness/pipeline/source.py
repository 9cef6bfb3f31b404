"""The Source stage from a git checkout: the artifact, its variables, and the trigger's filters.

The artifact is the working tree as git sees it (tracked and untracked files that are not
ignored, as a push of the current state would carry them) or, with a ref, that commit's
tree (``git archive``). The variables are what the CodeStar connection and CodeCommit
source actions publish (``CommitId``, ``CommitMessage``, ``AuthorDate``, ``BranchName``,
``FullRepositoryName`` or ``RepositoryName``, ``ConnectionArn``).

The trigger's ``FilePaths`` are matched against the files the change touches, with the
glob rules of the CodePipeline user guide ("Working with glob patterns in syntax"): ``*``
stays inside one path component, ``**`` crosses directories, ``?`` is one character,
``[...]`` a set, ``{a,b}`` alternatives and ``\\`` escapes. These are Java's ``PathMatcher``
globs, so ``**/*.md`` needs a ``/`` and does not match a ``README.md`` at the root.
A push starts the pipeline when some changed file is not excluded and, with includes,
is included.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from harness.pipeline.definition import Trigger


class SourceError(RuntimeError):
    """git could not produce the source; names the repository and the ref."""


@dataclass(frozen=True)
class Change:
    """What the rehearsal releases: a ref (``None``: the working tree) and what it touches."""

    ref: str | None
    base: str | None
    files: tuple[str, ...]


def git(repo: Path, *arguments: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), *arguments], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SourceError(f"{repo}: git {' '.join(arguments)}: {result.stderr.strip()}")
    return result.stdout


def repository_root(path: Path) -> Path:
    return Path(git(path, "rev-parse", "--show-toplevel").strip())


def export_source(repo: Path, ref: str | None, destination: Path) -> None:
    """Write the source artifact's files into ``destination`` (created)."""
    destination.mkdir(parents=True)
    if ref is not None:
        archive = destination.parent / f".{destination.name}.tar"
        try:
            git(repo, "archive", "--format=tar", f"--output={archive}", ref)
            with tarfile.open(archive) as tar:
                if hasattr(tarfile, "data_filter"):
                    tar.extractall(destination, filter="data")
                else:  # Python before 3.11.4 (Debian 12's 3.11.2) has no extraction filters;
                    # the archive is git's own, of this repository's tree, so it is trusted.
                    tar.extractall(destination)
        finally:
            archive.unlink(missing_ok=True)
        return
    listed = git(repo, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        origin = repo / name
        if not origin.is_file() and not origin.is_symlink():
            continue  # deleted in the working tree
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(origin, target, follow_symlinks=False)


def source_variables(
    repo: Path, ref: str | None, provider: str, configuration: dict[str, str]
) -> dict[str, str]:
    """The source action's output variables for this commit."""
    commit = git(repo, "rev-parse", ref or "HEAD").strip()
    message, author_date, committer_date = git(
        repo, "show", "-s", "--format=%B%x00%aI%x00%cI", commit
    ).split("\0")
    values = {
        "CommitId": commit,
        "CommitMessage": message.strip(),
        "AuthorDate": author_date.strip(),
        "BranchName": configuration.get("BranchName", ""),
    }
    if provider == "CodeCommit":
        values |= {
            "RepositoryName": configuration.get("RepositoryName", ""),
            "CommitterDate": committer_date.strip(),
        }
    else:
        values |= {
            "FullRepositoryName": configuration.get("FullRepositoryId", ""),
            "ConnectionArn": configuration.get("ConnectionArn", ""),
        }
    return values


def find_change(repo: Path, ref: str | None, since: str | None, branch: str) -> Change:
    """The files a release of ``ref`` (or of the working tree) changes since ``since``.

    ``since`` defaults to where the release branch and the released commit meet (their
    merge base), as a push of this work onto the branch would carry; with no such branch
    locally, there is no base and no filter applies (a manual release).
    """
    head = ref or "HEAD"
    base = since
    if base is None:
        try:
            base = git(repo, "merge-base", branch, head).strip()
        except SourceError:
            return Change(ref, None, ())
    if ref is not None:
        files = git(repo, "diff", "--name-only", base, ref, "--").split()
    else:
        tracked = git(repo, "diff", "--name-only", base, "--").split()
        untracked = git(repo, "ls-files", "--others", "--exclude-standard").split()
        files = sorted({*tracked, *untracked})
    return Change(ref, base, tuple(files))


def trigger_verdict(trigger: Trigger, files: Sequence[str]) -> str | None:
    """Why this change starts no execution, or ``None`` when it starts one."""
    if not files or not (trigger.file_includes or trigger.file_excludes):
        return None
    considered = [
        name
        for name in files
        if not _matches_any(trigger.file_excludes, name)
        and (not trigger.file_includes or _matches_any(trigger.file_includes, name))
    ]
    if considered:
        return None
    return (
        f"every changed file ({', '.join(files)}) is filtered out by the trigger of "
        f"{trigger.source_action} (excludes {list(trigger.file_excludes)}, "
        f"includes {list(trigger.file_includes) or 'all'})"
    )


def _matches_any(patterns: Iterable[str], name: str) -> bool:
    return any(glob_regex(pattern).fullmatch(name) for pattern in patterns)


@cache
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A Java-style glob (see module doc) as a regular expression over ``/`` paths."""
    out, index, in_group = [], 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            out.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        if char == "*":
            double = pattern.startswith("**", index)
            out.append(".*" if double else "[^/]*")
            index += 2 if double else 1
            continue
        if char == "[":
            end = pattern.find("]", index + 1)
            if end > index:
                body = pattern[index + 1 : end].replace("\\", "\\\\")
                out.append("[^" + body[1:] + "]" if body.startswith("!") else "[" + body + "]")
                index = end + 1
                continue
        translated = {"?": "[^/]", "{": "(?:", "}": ")", ",": "|" if in_group else ","}
        if char in translated and (char != "," or in_group):
            in_group = {"{": True, "}": False}.get(char, in_group)
            out.append(translated[char])
        else:
            out.append(re.escape(char))
        index += 1
    return re.compile("".join(out))
