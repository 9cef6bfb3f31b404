"""Shared by the benchmarks that time a whole pytest run in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]


def wall_time(command: list[str]) -> float:
    """Seconds one command takes from the repository root; it must succeed."""
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started
