"""Map a Lambda ``Runtime`` (``python3.12``) to a local interpreter that can play it.

Running a function on the interpreter its template names catches the bugs that
only show on that version (syntax, removed stdlib modules, wheels without a
build for it). pyenv installs are preferred because they are real, complete
interpreters; its *shims* are skipped since they refuse to run outside a pyenv
shell. When no matching interpreter exists we fall back to the current one and
say so (``exact=False``, with how to install the real one) instead of failing the whole
target.
"""

from __future__ import annotations

import functools
import os
import platform
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

_PYTHON_RUNTIME = re.compile(r"python(?P<major>3)\.(?P<minor>\d+)")


class UnsupportedRuntimeError(ValueError):
    """The template asks for a runtime the embedded target cannot run (node, java, ...)."""


@dataclass(frozen=True)
class Interpreter:
    """An interpreter chosen for a runtime; ``exact`` is False for the fallback.

    ``install_hint`` says, for the fallback, how to get the interpreter the runtime asks for.
    """

    path: Path
    version: str
    exact: bool
    install_hint: str = ""


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
    return Interpreter(
        Path(sys.executable),
        platform.python_version(),
        exact=False,
        install_hint=f"install it with `pyenv install 3.{minor}`",
    )


def _pyenv_roots() -> list[Path]:
    """The pyenv root, decided as pyenv decides it: ``$PYENV_ROOT`` when set, else ``~/.pyenv``.

    pyenv's own entry script (``libexec/pyenv``) sets ``PYENV_ROOT="${HOME}/.pyenv"`` only
    when the variable is empty, so ``pyenv root`` never answers anything else and a set
    ``PYENV_ROOT`` hides ``~/.pyenv`` (how a machine without pyenv is simulated on one with it).
    """
    root = os.environ.get("PYENV_ROOT")
    path = Path(root) if root else Path.home() / ".pyenv"
    return [path] if path.is_dir() else []


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
