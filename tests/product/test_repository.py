"""The repository's files survive every copy of it: git's ignore rules spare what git tracks.

A tracked file that an ignore pattern matches is kept by git only because it was added
before the pattern (or with ``git mv``); every fresh copy drops it: the rehearsal's source
artifact of a working tree, ``git add -A`` in a copy, a new file beside it. ``build/`` once
matched ``harness/build/`` this way and the rehearsed Build stage failed on a missing package.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]


def test_no_tracked_file_is_ignored() -> None:
    ignored = subprocess.run(
        ["git", "ls-files", "--cached", "--ignored", "--exclude-standard"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert ignored == [], f"tracked but matched by .gitignore, so lost by any copy: {ignored}"
