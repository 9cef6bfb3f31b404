"""Directories that name the process owning them, and a sweep of those whose owner died.

A harness killed with SIGKILL (or a CI job cancelled) runs no cleanup, so its work dir
and any half-built cache entry stay behind. Age says nothing about whether their owner
still runs (a ``harness up`` may serve for days), so each such directory carries its
owner's PID in its *name*, written atomically with its creation (a file inside would
race the sweep, and a staging dir becomes a build whose files ship as the function's
code), and a sweep at start removes those whose owner is no longer alive. A PID reused
by an unrelated process only makes the sweep keep a directory: it never removes a live
owner's.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import tempfile
from pathlib import Path

_MARK = "owner-"
_OWNED = re.compile(rf".*{_MARK}(?P<pid>\d+)-[a-z0-9_]+")


def owned_tempdir(prefix: str, directory: Path | None = None) -> Path:
    """``mkdtemp`` whose name ends in ``owner-<this pid>-<random>``."""
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{_MARK}{os.getpid()}-", dir=directory))


def sweep_dead_owners(directory: Path, prefix: str) -> list[Path]:
    """Remove the owned dirs under ``directory`` starting with ``prefix`` whose owner died."""
    removed = []
    for name in glob.glob(f"{glob.escape(prefix)}*{_MARK}*", root_dir=directory):
        match = _OWNED.fullmatch(name)
        if match is None or process_alive(int(match["pid"])):
            continue
        path = directory / name
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def process_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie has finished; another user's process counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")
