"""The whole pipeline rehearsed with warm caches, and the time of each stage.

``rehearsal_s`` is one ``python -m harness rehearse --approve`` of this repository (goal:
at most 180 s on the 2-core CI machine, against 20 minutes and more on CodePipeline); a
first rehearsal fills the caches a CodeBuild host keeps (pip, uv, the SAM CLI, ``sam
build --cached``), so the measured one is the second. ``rehearsal_<Stage>_s`` come from
its record. A rehearsal that does not succeed fails the benchmark.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench.timing import run_checked, wall_time
from harness.pipeline.record import SUCCEEDED, RunRecord


def run() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as scratch:
        record_path = Path(scratch) / "rehearsal.json"
        command = [
            sys.executable,
            "-m",
            "harness",
            "rehearse",
            "--approve",
            "--record",
            str(record_path),
        ]
        run_checked(command)  # warms the caches
        seconds = wall_time(command)
        record = RunRecord.read(record_path)
    if record.status != SUCCEEDED:
        raise RuntimeError(f"the rehearsal did not succeed: {record.stopped_reason}")
    figures = {"rehearsal_s": round(seconds, 1)}
    figures |= {f"rehearsal_{stage.name}_s": stage.seconds for stage in record.stages}
    return figures
