"""Wall time of the smoke gate as ``tox -e smoke`` runs it, embedded deploy included.

A fresh interpreter each time, because a gate in CodeBuild pays for its imports, the
deploy and the workers' cold starts too; the figure is what the pipeline waits for.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as scratch:
        command = [
            sys.executable, "-m", "pytest", "suites/smoke", "-q", "-p", "no:cacheprovider",
            f"--junitxml={Path(scratch) / 'smoke.xml'}",
        ]  # fmt: skip
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        elapsed = time.perf_counter() - started
    return {"smoke_suite_s": elapsed}
