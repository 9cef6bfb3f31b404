"""``--target embedded --stack-name NAME`` when a running ``harness up`` serves NAME.

Nothing is deployed: the stack is discovered on that ``harness up``'s endpoint, as the aws
target discovers one in an account (``describe_stacks``, with the dummy credentials its
state file names), so the smoke gate and the integration suite run against the very stack
a developer is poking at with curl and the AWS CLI. Its emulation gaps come from the state
file; deploying is the one capability it does not have.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from harness.targets.aws import AwsTarget
from harness.targets.base import Stack
from harness.targets.embedded.up_state import UpState
from harness.targets.registry import capabilities_for


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
