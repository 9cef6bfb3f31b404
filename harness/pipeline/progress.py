"""What a person watching a rehearsal sees: events as they happen, then one table.

Each stage and action start and end is a line (status, elapsed, the action's summary:
test counts as their reports arrive, the failing command). On a terminal a status line
under them shows what is running now, its build phase and its elapsed time, redrawn once
a second; elsewhere (CI logs, tests) only the event lines are written.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from harness.pipeline.record import ActionRecord, RunRecord, StageRecord


class Progress:
    """Thread-safe: actions of one RunOrder and the builds of a batch report at once."""

    def __init__(self, stream: TextIO | None = None, *, live: bool | None = None) -> None:
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty() if live is None else live
        self._lock = threading.Lock()
        self._running: dict[str, tuple[float, str]] = {}
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        if self.live:
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()

    def line(self, text: str) -> None:
        with self._lock:
            self._clear_status()
            self.stream.write(text + "\n")
            self.stream.flush()

    def stage_started(self, name: str) -> None:
        self.line(f"== {name}")

    def action_started(self, label: str) -> None:
        with self._lock:
            self._running[label] = (time.monotonic(), "")
        self.line(f"   {label} ...")

    def action_phase(self, label: str, phase: str) -> None:
        with self._lock:
            started, _ = self._running.get(label, (time.monotonic(), ""))
            self._running[label] = (started, phase)

    def action_finished(self, action: ActionRecord) -> None:
        with self._lock:
            self._running.pop(f"{action.stage}.{action.name}", None)
        detail = action.failure or action.summary
        self.line(
            f"   {action.stage}.{action.name}: {action.status} in {action.seconds:.1f} s"
            + (f" - {detail}" if detail else "")
        )

    def stage_finished(self, stage: StageRecord) -> None:
        extra = f" ({stage.rollback})" if stage.rollback else ""
        self.line(f"== {stage.name}: {stage.status} in {stage.seconds:.1f} s{extra}")

    def close(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=2)
        with self._lock:
            self._clear_status()

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            with self._lock:
                if not self._running:
                    continue
                now = time.monotonic()
                status = "  ".join(
                    f"{label}{f' [{phase}]' if phase else ''} {now - started:.0f}s"
                    for label, (started, phase) in self._running.items()
                )
                self.stream.write("\r\x1b[2K" + status[:200])
                self.stream.flush()

    def _clear_status(self) -> None:
        if self.live:
            self.stream.write("\r\x1b[2K")


def final_table(run: RunRecord) -> str:
    """Every stage and action that ran, with status and time, and the run's verdict."""
    rows = [("stage", "action", "status", "seconds", "detail")]
    for stage in run.stages:
        for action in stage.actions:
            detail = action.failure or action.summary
            rows.append(
                (stage.name, action.name, action.status, f"{action.seconds:.1f}", detail[:70])
            )
        if stage.rollback:
            rows.append((stage.name, "(rollback)", "", "", stage.rollback[:70]))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True))
        + f"  {row[4]}"
        for row in rows
    ]
    verdict = f"rehearsal {run.status} in {run.seconds:.1f} s"
    if run.stopped_reason:
        verdict += f": {run.stopped_reason}"
    return "\n".join([*lines, verdict])
