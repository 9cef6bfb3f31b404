"""Shared by the benchmarks that time whole pytest runs in fresh interpreters."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
OUTPUT_SHOWN = 40


class BenchmarkRunFailed(RuntimeError):
    """A timed command failed; the message carries the end of its output."""


def run_checked(command: list[str], env: Mapping[str, str] | None = None) -> None:
    """Run from the repository root; a failure shows what the command printed last."""
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).splitlines()[-OUTPUT_SHOWN:]
        raise BenchmarkRunFailed(
            f"{' '.join(command)} exited {result.returncode}:\n" + "\n".join(output)
        )


def wall_time(command: list[str]) -> float:
    """Seconds one successful run of ``command`` takes."""
    started = time.perf_counter()
    run_checked(command)
    return time.perf_counter() - started
