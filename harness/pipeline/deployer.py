"""Where the rehearsal's CloudFormation actions deploy: a narrow interface, one implementation.

The actions need four things of a target: create or update a stack from a template and
parameters, delete it, read its outputs, and know what it did not emulate.
:class:`StackDeployer` is that; :class:`EmbeddedStackDeployer` implements it on one
long-lived :class:`~harness.targets.embedded.target.EmbeddedTarget`, for every execution
of one rehearsal (a ``--baseline`` execution and the one after it share it, so the second
finds the stacks the first deployed).

A stack that does not exist is created (``CREATE_COMPLETE``); one that exists is updated
through the target's release (:meth:`EmbeddedTarget.update`, :mod:`releases`): the
changed functions get new versions, each alias's ``DeploymentPreference`` runs its
CodeDeploy deployment, and the update ends ``UPDATE_COMPLETE``, ``UPDATE_ROLLBACK_COMPLETE``
(a deployment failed or an alarm stopped it: the stack, code and aliases are back as they
were) or ``NO_UPDATES`` (template and parameters as deployed). The result is a
:class:`StackDeployment`; what an action makes of it is the action's business
(:mod:`harness.pipeline.actions`). The failed resource and its reason are read with
``DescribeStackEvents``, as CodePipeline builds its error message (CodePipeline user
guide, "AWS CloudFormation deploy action reference": "the details about the first failed
resource will be included in the CodePipeline error message").

Every deploy and delete publishes the target in ``harness up``'s state-file format
(:mod:`~harness.targets.embedded.up_state`), so the test actions' ``--target aws``
sessions at this endpoint know its capabilities (the smoke gate's release checks run)
and its gaps, and anything else (a test playing the users, a person with the AWS CLI)
finds the stacks' outputs while the rehearsal runs.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from harness.targets.base import Gap
from harness.targets.embedded.release.deployments import DeploymentRecord
from harness.targets.embedded.releases import UPDATE_ROLLBACK_COMPLETE
from harness.targets.embedded.target import EmbeddedTarget
from harness.targets.embedded.up_state import RunningStack, UpState, remove_state, write_state

CREATE_COMPLETE = "CREATE_COMPLETE"


@dataclass(frozen=True)
class StackDeployment:
    """How one deploy of a stack ended, in CloudFormation's and CodeDeploy's words."""

    stack_name: str
    status: str
    """``CREATE_COMPLETE``, ``UPDATE_COMPLETE``, ``UPDATE_ROLLBACK_COMPLETE`` or ``NO_UPDATES``."""
    reason: str = ""
    failed_resource: str = ""
    """Logical id of the resource whose update failed (from ``DescribeStackEvents``)."""
    deployments: tuple[dict[str, Any], ...] = ()
    """The CodeDeploy deployments the update ran (id, alias, status, shifts, error)."""

    @property
    def rolled_back(self) -> bool:
        return self.status == UPDATE_ROLLBACK_COMPLETE


class StackDeployer(Protocol):
    """Stacks on some target, by name."""

    state_file: Path
    """Where the target is described for the test actions' sessions (``HARNESS_STATE_FILE``)."""

    def deploy(
        self, stack_name: str, template: Path, parameters: Mapping[str, str]
    ) -> StackDeployment:
        """Create the stack, or update it when it exists; how that ended."""

    def delete(self, stack_name: str) -> bool:
        """Delete the stack; False when there was none."""

    def outputs(self, stack_name: str) -> dict[str, str]:
        """The stack's outputs (``KeyError`` when there is no such stack)."""

    def gaps(self, stack_name: str) -> list[Gap]:
        """What the target did not emulate of the stack."""


class EmbeddedStackDeployer:
    """:class:`StackDeployer` on an embedded target (see the module doc)."""

    def __init__(self, target: EmbeddedTarget, state_file: Path) -> None:
        self.target = target
        self.state_file = state_file
        self._lock = threading.Lock()
        self._deployed: set[str] = set()

    def _publish(self) -> None:
        stacks = {}
        for name in sorted(self._deployed):
            stack = self.target.stack(name)
            stacks[name] = RunningStack(
                name, dict(stack.outputs), dict(stack.api_urls), tuple(stack.emulation_gaps)
            )
        write_state(
            self.state_file,
            UpState(
                pid=os.getpid(),
                endpoint=self.target.endpoint,
                capabilities=self.target.capabilities,
                stacks=stacks,
                log_dir=str(self.target.workdir),
            ),
        )

    def deploy(
        self, stack_name: str, template: Path, parameters: Mapping[str, str]
    ) -> StackDeployment:
        with self._lock:
            exists = stack_name in self._deployed
        if exists:
            result = self.target.update(stack_name, template, dict(parameters))
            deployment = StackDeployment(
                stack_name,
                result.status,
                result.reason,
                self._failed_resource(stack_name) if result.rolled_back else "",
                tuple(_described(record) for record in result.deployments),
            )
        else:
            self.target.deploy(template, stack_name, dict(parameters))
            deployment = StackDeployment(stack_name, CREATE_COMPLETE)
        with self._lock:
            self._deployed.add(stack_name)
            self._publish()
        return deployment

    def _failed_resource(self, stack_name: str) -> str:
        """The newest ``UPDATE_FAILED`` resource event: the resource this update failed on."""
        cloudformation = self.target.stack(stack_name).client("cloudformation")
        for page in cloudformation.get_paginator("describe_stack_events").paginate(
            StackName=stack_name
        ):
            for event in page["StackEvents"]:  # newest first
                if event.get("ResourceStatus") == "UPDATE_FAILED":
                    return str(event["LogicalResourceId"])
        return ""

    def delete(self, stack_name: str) -> bool:
        with self._lock:
            if stack_name not in self._deployed:
                return False
            self._deployed.discard(stack_name)
        self.target.delete(stack_name)
        with self._lock:
            self._publish()
        return True

    def outputs(self, stack_name: str) -> dict[str, str]:
        with self._lock:
            if stack_name not in self._deployed:
                raise KeyError(stack_name)
        return dict(self.target.stack(stack_name).outputs)

    def gaps(self, stack_name: str) -> list[Gap]:
        return list(self.target.stack(stack_name).emulation_gaps)

    def close(self) -> None:
        """Tear the target down and withdraw its state file."""
        try:
            self.target.teardown()
        finally:
            remove_state(self.state_file, os.getpid())


def _described(record: DeploymentRecord) -> dict[str, Any]:
    """What the run's record keeps of one CodeDeploy deployment."""
    return {
        "deployment_id": record.deployment_id,
        "application": record.application,
        "group": record.group,
        "target": record.target_id,
        "from_version": record.current_version,
        "to_version": record.target_version,
        "config": record.config.name,
        "status": record.status,
        "shifts": list(record.shifts),
        "alarms": list(record.alarms),
        "error": dict(record.error or {}),
        "rollback": dict(record.rollback),
    }
