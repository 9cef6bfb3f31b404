"""Build Lambda functions the way ``sam build`` does, without Docker, with a cache.

A build directory holds the function's code plus its ``requirements.txt``
dependencies installed *for the function's runtime interpreter* (wheels differ
between 3.11 and 3.12). Installing is the slow part, so dependency sets are
cached by (sha256 of requirements.txt, runtime, interpreter version); the build
directory itself is addressed by a digest of the code plus that dependency set,
so an unchanged function is not rebuilt at all and a code-only change costs a
copy of the code plus hard links to the cached dependencies (no data copied).

Every cache entry is filled in a private staging directory and renamed into
place, so two pytest-xdist workers building at once never see half an entry:
the loser of the rename race discards its copy and uses the winner's. A staging
dir names its owner's PID (:mod:`ownership`), so :func:`sweep_staging` removes
those a killed harness left behind. Installers run under :func:`run_guarded`:
they die with the harness, even when it is killed.
"""

from __future__ import annotations

import fnmatch
import hashlib
import importlib.metadata
import io
import os
import shutil
import subprocess
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from harness.targets.embedded.guarded import run_guarded
from harness.targets.embedded.ownership import owned_tempdir, sweep_dead_owners
from harness.targets.embedded.runtimes import Interpreter, find_interpreter

_IGNORED = ("__pycache__", "*.pyc", "*.pyo", ".pytest_cache", ".ruff_cache", ".mypy_cache")
_INSTALL_TIMEOUT_S = 600
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_CACHE_AREAS = ("deps", "builds", "layers")


class PackagingError(RuntimeError):
    """A function could not be built; the message names its code dir or requirements file."""


def build_function(code_dir: Path, runtime: str, cache_dir: Path) -> Path:
    """Return a build dir with ``code_dir``'s code and its dependencies for ``runtime``.

    The returned directory is shared and must be treated as read-only.
    """
    code_dir, cache_dir = code_dir.resolve(), cache_dir.resolve()
    if not code_dir.is_dir():
        raise PackagingError(f"function code dir {code_dir} does not exist")
    interpreter = find_interpreter(runtime)
    requirements = code_dir / "requirements.txt"
    deps = (
        _cached_install(
            ["-r", str(requirements)],
            requirements.read_bytes(),
            source=str(requirements),
            interpreter=interpreter,
            runtime=runtime,
            entries=cache_dir / "deps",
            cwd=code_dir,
        )
        if requirements.is_file()
        else None
    )
    digest = hashlib.sha256(_tree_digest(code_dir))
    digest.update(deps.name.encode() if deps else b"no-deps")
    build = cache_dir / "builds" / f"{code_dir.name}-{digest.hexdigest()[:16]}"

    def fill(staging: Path) -> None:
        shutil.copytree(
            code_dir, staging, ignore=shutil.ignore_patterns(*_IGNORED), dirs_exist_ok=True
        )
        if deps is not None:
            shutil.copytree(deps, staging, copy_function=_link_unless_present, dirs_exist_ok=True)

    return _publish(build, fill)


def runtime_layer(runtime: str, cache_dir: Path) -> Path:
    """Return a dir with boto3 installed for ``runtime``'s interpreter.

    The real Lambda Python runtime ships boto3, so functions do not list it;
    workers put this dir last on ``sys.path`` the way the runtime does. It is
    pinned to the harness's own boto3 so emulated and unit layers agree.
    """
    cache_dir = cache_dir.resolve()
    try:
        requirement = f"boto3=={importlib.metadata.version('boto3')}"
    except importlib.metadata.PackageNotFoundError:
        requirement = "boto3"
    return _cached_install(
        [requirement],
        requirement.encode(),
        source=f"the runtime layer ({requirement})",
        interpreter=find_interpreter(runtime),
        runtime=runtime,
        entries=cache_dir / "layers",
        cwd=cache_dir,
    )


def zip_build(paths: Iterable[Path]) -> bytes:
    """Zip the given dirs into one archive whose bytes depend only on file names and contents.

    Deterministic (sorted entries, fixed timestamps, no bytecode) so the same
    code uploads as the same S3 object and CloudFormation sees no change. When
    two dirs hold the same relative path, the first wins, as on ``sys.path``.
    """
    buffer = io.BytesIO()
    seen: set[str] = set()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for root in paths:
            for file in _files(root):
                name = file.relative_to(root).as_posix()
                if name in seen:
                    continue
                seen.add(name)
                entry = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
                mode = 0o755 if os.access(file, os.X_OK) else 0o644
                entry.external_attr = (0o100000 | mode) << 16
                entry.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(entry, file.read_bytes())
    return buffer.getvalue()


def _cached_install(
    requirement_args: Sequence[str],
    key_material: bytes,
    *,
    source: str,
    interpreter: Interpreter,
    runtime: str,
    entries: Path,
    cwd: Path,
) -> Path:
    """Install requirements into a cache entry keyed by their text and the interpreter."""
    digest = hashlib.sha256(key_material).hexdigest()[:16]
    entry = entries / f"{runtime}-{interpreter.version}-{digest}"
    return _publish(
        entry, lambda staging: _install(requirement_args, staging, interpreter, cwd, source)
    )


def _install(
    requirement_args: Sequence[str], target: Path, interpreter: Interpreter, cwd: Path, source: str
) -> None:
    """Install with uv when available (fast, shares its wheel cache), else with pip."""
    try:
        from uv import find_uv_bin

        command = [find_uv_bin(), "pip", "install", "--python", str(interpreter.path)]
    except (ImportError, FileNotFoundError):
        command = [str(interpreter.path), "-m", "pip", "install", "--disable-pip-version-check"]
    command += ["--target", str(target), *requirement_args]
    try:
        run_guarded(command, cwd=cwd, timeout_s=_INSTALL_TIMEOUT_S)
    except subprocess.CalledProcessError as error:
        raise PackagingError(
            f"installing {source} for {interpreter.path} failed (exit {error.returncode}):\n"
            f"{error.stderr.strip() or error.stdout.strip()}"
        ) from error
    except (OSError, subprocess.TimeoutExpired) as error:
        raise PackagingError(
            f"installing {source} for {interpreter.path} failed: {error}"
        ) from error


def _publish(entry: Path, fill: Callable[[Path], None]) -> Path:
    """Return ``entry``, filling it first through a staging dir and an atomic rename."""
    if entry.is_dir():
        return entry
    entry.parent.mkdir(parents=True, exist_ok=True)
    staging = owned_tempdir(f".{entry.name}.", entry.parent)
    try:
        fill(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        staging.rename(entry)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not entry.is_dir():
            raise
    return entry


def sweep_staging(cache_dir: Path) -> list[Path]:
    """Remove half-built entries of harness processes that died while building."""
    return [
        removed
        for area in _CACHE_AREAS
        if (cache_dir / area).is_dir()
        for removed in sweep_dead_owners(cache_dir / area, ".")
    ]


def _link_unless_present(source: str, destination: str) -> None:
    """Hard-link a cached dependency file; the function's own file wins on a clash.

    Never writes through an existing name: that file may itself be a link
    into the shared cache.
    """
    if os.path.lexists(destination):
        return
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def _files(root: Path) -> list[Path]:
    """Regular files under ``root`` in a stable order, bytecode and tool caches left out."""
    found: list[Path] = []
    for directory, subdirs, names in os.walk(root, followlinks=True):
        subdirs[:] = sorted(d for d in subdirs if not _is_ignored(d))
        found.extend(Path(directory, name) for name in sorted(names) if not _is_ignored(name))
    return found


def _is_ignored(name: str) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in _IGNORED)


def _tree_digest(root: Path) -> bytes:
    """Digest of every file's relative path and contents: the build's identity."""
    digest = hashlib.sha256()
    for file in _files(root):
        digest.update(file.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.digest()
