"""The record of one rehearsal: what ran, how long, what it produced, and why it stopped.

Written as JSON (``reports/rehearsal.json``) for tools and tests; the progress view
prints the same facts for people. Statuses are CodePipeline's words: ``Succeeded``,
``Failed``, ``Stopped`` (at an approval), and the rehearsal's ``NotRun`` for a change the
trigger filters out; actions and stages never reached are simply absent.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SUCCEEDED = "Succeeded"
FAILED = "Failed"
STOPPED = "Stopped"
NOT_RUN = "NotRun"


@dataclass
class ActionRecord:
    stage: str
    name: str
    provider: str
    status: str = SUCCEEDED
    seconds: float = 0.0
    summary: str = ""
    failure: str | None = None
    failed_tests: list[str] = field(default_factory=list)
    builds: list[dict[str, Any]] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    artifacts: dict[str, str] = field(default_factory=dict)
    gaps: list[str] = field(default_factory=list)
    deployments: list[dict[str, Any]] = field(default_factory=list)
    """The CodeDeploy deployments a CloudFormation action's stack update ran."""


@dataclass
class StageRecord:
    name: str
    status: str = SUCCEEDED
    seconds: float = 0.0
    actions: list[ActionRecord] = field(default_factory=list)
    rollback: str | None = None


@dataclass
class RunRecord:
    execution_id: str
    pipeline: str
    template: str
    source: dict[str, Any]
    status: str = SUCCEEDED
    stopped_reason: str | None = None
    seconds: float = 0.0
    stages: list[StageRecord] = field(default_factory=list)
    variables: dict[str, dict[str, str]] = field(default_factory=dict)
    baseline: dict[str, Any] | None = None
    """The ``--baseline`` execution run first: its ref, id, status, seconds and record file."""

    def stage(self, name: str) -> StageRecord | None:
        return next((stage for stage in self.stages if stage.name == name), None)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=False) + "\n"

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> RunRecord:
        data = json.loads(path.read_text(encoding="utf-8"))
        stages = [
            StageRecord(
                **{**stage, "actions": [ActionRecord(**action) for action in stage["actions"]]}
            )
            for stage in data.pop("stages")
        ]
        return cls(**data, stages=stages)
