"""``--target embedded --stack-name NAME`` when a running ``harness up`` serves NAME.

Nothing is deployed: the stack is discovered on that ``harness up``'s endpoint, as the aws
target discovers one in an account (``describe_stacks``, with the dummy credentials its
state file names), so the smoke gate and the integration suite run against the very stack
a developer is poking at with curl and the AWS CLI. Its emulation gaps come from the state
file; deploying is the one capability it does not have.

A failing test's report still carries the Lambda log lines written while it ran
(:class:`RunningUpStack`): that ``harness up`` stamps every line it writes to its log
directory, so the lines between the test's start and its report are the ones it caused
(or that arrived meanwhile, since the other process may serve other clients too).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from harness.targets.aws import AwsTarget
from harness.targets.base import Stack
from harness.targets.embedded.up_state import UpState
from harness.targets.registry import capabilities_for


@dataclass
class RunningUpStack(Stack):
    """A stack a running ``harness up`` serves, its logs read from that process's log files."""

    log_dir: Path = Path()
    functions: Mapping[str, str] = field(default_factory=dict)
    """Each function's physical name by logical id, as the state file names them."""

    def log_mark(self) -> int:
        """Now, in epoch milliseconds: the log lines are stamped by the time they were read."""
        return time.time_ns() // 1_000_000

    def failure_logs(self, since: int) -> str:
        """Every function's log lines stamped since ``since``, as ``harness logs`` shows them."""
        from harness.logs.events import format_event
        from harness.logs.files import StackLogFiles

        files = StackLogFiles(self.log_dir, self.name, self.functions)
        reader = files.reader(files.function_ids(), (), "")
        return "\n".join(
            format_event(event, colour=False) for event in reader.read(since / 1000, None)
        )

    def logs_command(self, start: float, stop: float) -> str | None:
        from harness.cli.logs import command_line

        return command_line(self.name, self.log_dir, start, stop)


class AttachedTarget(AwsTarget):
    """The embedded target of another process, reached through its endpoint."""

    name = "embedded"

    def __init__(self, running_up: UpState) -> None:
        super().__init__(running_up.endpoint.region, running_up=running_up)
        self.endpoint = running_up.endpoint
        self.capabilities = capabilities_for("embedded", running_up)

    def deploy(self, template_path: Path, stack_name: str, parameters: Mapping[str, str]) -> Stack:
        raise NotImplementedError(
            f"attached to a running harness up: it serves {stack_name!r} already "
            f"(asked to deploy {template_path})"
        )
