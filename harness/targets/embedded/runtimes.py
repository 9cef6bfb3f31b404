"""Map a Lambda ``Runtime`` (``python3.12``) to a local interpreter that can play it.

Running a function on the interpreter its template names catches the bugs that
only show on that version (syntax, removed stdlib modules, wheels without a
build for it). pyenv installs are preferred because they are real, complete
interpreters; its *shims* are skipped since they refuse to run outside a pyenv
shell. When no matching interpreter exists we fall back to the current one and
say so (``exact=False``) instead of failing the whole target.
"""

from __future__ import annotations

import functools
import os
import platform
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

_PYTHON_RUNTIME = re.compile(r"python(?P<major>3)\.(?P<minor>\d+)")


class UnsupportedRuntimeError(ValueError):
    """The template asks for a runtime the embedded target cannot run (node, java, ...)."""


@dataclass(frozen=True)
class Interpreter:
    """An interpreter chosen for a runtime; ``exact`` is False for the fallback."""

    path: Path
    version: str
    exact: bool


@functools.cache
def find_interpreter(runtime: str) -> Interpreter:
    """Return the interpreter for ``runtime``: pyenv install, then PATH, then ourselves.

    Cached: the answer cannot change within a session and the PATH probe spawns
    a process.
    """
    match = _PYTHON_RUNTIME.fullmatch(runtime)
    if match is None:
        raise UnsupportedRuntimeError(
            f"Lambda runtime {runtime!r} is not supported by the embedded target: "
            "it runs python3.X functions only"
        )
    minor = int(match["minor"])
    found = _from_pyenv(minor) or _from_path(minor)
    if found is not None:
        return found
    return Interpreter(Path(sys.executable), platform.python_version(), exact=False)


def _pyenv_roots() -> list[Path]:
    """Candidate pyenv roots, most explicit first, without duplicates."""
    candidates: list[Path] = []
    if root := os.environ.get("PYENV_ROOT"):
        candidates.append(Path(root))
    if pyenv := shutil.which("pyenv"):
        try:
            answer = subprocess.run(
                [pyenv, "root"], capture_output=True, text=True, timeout=10, check=True
            )
        except (OSError, subprocess.SubprocessError):
            pass
        else:
            candidates.append(Path(answer.stdout.strip()))
    candidates.append(Path.home() / ".pyenv")
    return list(dict.fromkeys(path for path in candidates if path.is_dir()))


def _from_pyenv(minor: int) -> Interpreter | None:
    """Newest patch release of ``3.minor`` installed under any pyenv root."""
    version_dir = re.compile(rf"3\.{minor}\.(\d+)")
    best: tuple[int, Path, str] | None = None
    for root in _pyenv_roots():
        for entry in (root / "versions").glob(f"3.{minor}.*"):
            found = version_dir.fullmatch(entry.name)
            binary = entry / "bin" / f"python3.{minor}"
            if found and binary.is_file() and (best is None or int(found[1]) > best[0]):
                best = (int(found[1]), binary, entry.name)
    if best is None:
        return None
    return Interpreter(best[1], best[2], exact=True)


def _from_path(minor: int) -> Interpreter | None:
    """``python3.minor`` on PATH, unless it is a pyenv shim or does not run."""
    name = f"python3.{minor}"
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        binary = Path(directory) / name
        if directory.rstrip("/").endswith("shims") or not os.access(binary, os.X_OK):
            continue
        try:
            answer = subprocess.run(
                [binary, "-c", "import platform; print(platform.python_version())"],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            )
        except (OSError, subprocess.SubprocessError):
            continue
        return Interpreter(binary, answer.stdout.strip(), exact=True)
    return None
