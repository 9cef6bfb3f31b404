"""Wall time of the smoke gate as ``tox -e smoke`` runs it, embedded deploy included.

A fresh interpreter each time, because a gate in CodeBuild pays for its imports, the
deploy and the workers' cold starts too; the figure is what the pipeline waits for.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.timing import PYTEST, wall_time


def run() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as scratch:
        junit = Path(scratch) / "smoke.xml"
        # The command of tox's smoke environment (tox.ini), with a JUnit file of its own.
        command = [*PYTEST, "suites/smoke", "-p", "no:hypothesispytest", f"--junitxml={junit}"]
        return {"smoke_suite_s": wall_time(command)}
