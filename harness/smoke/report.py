"""The gate's report: where its JUnit goes, what it records, and the one-screen verdict.

CodeBuild shows the JUnit file (suite properties included) in its report group and the
build log shows the verdict; both must say, without scrolling, whether the gate passed,
which check failed, and what was tested (target, stack, region, commit).
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

UNKNOWN_COMMIT = "unknown"
_OUTCOME_ORDER = {"passed": 0, "skipped": 1, "failed": 2}


def junit_path(rootdir: Path, stage: str) -> Path:
    """``reports/smoke-<stage>.xml``, the name the smoke buildspec's report group picks up."""
    return rootdir / "reports" / f"smoke-{stage}.xml"


def commit_id(environ: Mapping[str, str], rootdir: Path) -> str:
    """The commit under test: CodeBuild's resolved source version, else git's HEAD."""
    resolved = environ.get("CODEBUILD_RESOLVED_SOURCE_VERSION")
    if resolved:
        return resolved
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=rootdir,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return UNKNOWN_COMMIT
    return head.stdout.strip() or UNKNOWN_COMMIT


@dataclass
class Check:
    """One smoke test as the verdict shows it: worst outcome of its phases, total time."""

    name: str
    outcome: str = "passed"
    seconds: float = 0.0
    detail: str = ""

    def add_phase(self, outcome: str, seconds: float, detail: str) -> None:
        self.seconds += seconds
        if _OUTCOME_ORDER.get(outcome, 2) > _OUTCOME_ORDER.get(self.outcome, 2):
            self.outcome = outcome
            self.detail = detail


@dataclass
class GateReport:
    """Everything the verdict prints; filled in by the smoke fixtures and hooks."""

    checks: dict[str, Check] = field(default_factory=dict)
    facts: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    aborted: str | None = None

    def record_phase(self, name: str, outcome: str, seconds: float, detail: str = "") -> None:
        self.checks.setdefault(name, Check(name)).add_phase(outcome, seconds, detail)

    @property
    def passed(self) -> bool:
        """No check failed, the session was not aborted, and at least one check passed."""
        outcomes = [check.outcome for check in self.checks.values()]
        return self.aborted is None and "failed" not in outcomes and "passed" in outcomes

    def render(self) -> list[str]:
        """The verdict block: facts, each check with its time, notes, then PASS or FAIL."""
        lines = [f"{key}: {value}" for key, value in self.facts.items()]
        lines += [
            f"{check.outcome.upper():<8}{check.seconds:>7.2f}s  {check.name}"
            + (f"  -- {check.detail}" if check.detail else "")
            for check in self.checks.values()
        ]
        if self.aborted:
            lines.append(f"ABORTED  {self.aborted}")
        lines += [f"note: {note}" for note in self.notes]
        lines.append(f"smoke gate verdict: {'PASS' if self.passed else 'FAIL'}")
        return lines
