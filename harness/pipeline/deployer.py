"""Where the rehearsal's CloudFormation actions deploy: a narrow interface, one implementation.

The actions need four things of a target: create or update a stack from a template and
parameters, delete it, read its outputs, and know whether it exists. :class:`StackDeployer`
is that; :class:`EmbeddedStackDeployer` implements it on one long-lived
:class:`~harness.targets.embedded.target.EmbeddedTarget`.

Stack updates: the embedded target has no update of its own yet, so an update is the
stack deleted and deployed again with the new template (outputs, workers and API are new;
the stack's data is not kept). When the embedded target gains an update method (the
release work: versions, aliases, CodeDeploy shifting), :meth:`EmbeddedStackDeployer.deploy`
calls it for a stack that exists, and nothing else changes.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from harness.targets.base import Gap
from harness.targets.embedded.target import EmbeddedTarget
from harness.targets.embedded.up_state import RunningStack, UpState, write_state


class StackDeployer(Protocol):
    """Stacks on some target, by name."""

    def deploy(self, stack_name: str, template: Path, parameters: Mapping[str, str]) -> str:
        """Create the stack, or update it when it exists; return ``CREATE`` or ``UPDATE``."""

    def delete(self, stack_name: str) -> bool:
        """Delete the stack; False when there was none."""

    def outputs(self, stack_name: str) -> dict[str, str]:
        """The stack's outputs (``KeyError`` when there is no such stack)."""

    def gaps(self, stack_name: str) -> list[Gap]:
        """What the target did not emulate of the stack."""


class EmbeddedStackDeployer:
    """:class:`StackDeployer` on an embedded target (see module doc for updates)."""

    def __init__(self, target: EmbeddedTarget, state_file: Path) -> None:
        self.target = target
        self.state_file = state_file
        self._lock = threading.Lock()
        self._deployed: set[str] = set()

    def _publish(self) -> None:
        """Describe the target as ``harness up`` does (:mod:`up_state`), so the test actions'
        ``--target aws`` sessions at this endpoint keep only its capabilities and report its
        gaps (the release checks skip with the reason instead of failing)."""
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

    def deploy(self, stack_name: str, template: Path, parameters: Mapping[str, str]) -> str:
        with self._lock:
            exists = stack_name in self._deployed
        if exists:
            # The seam for the embedded target's own update (see module doc).
            self.target.delete(stack_name)
        self.target.deploy(template, stack_name, dict(parameters))
        with self._lock:
            self._deployed.add(stack_name)
            self._publish()
        return "UPDATE" if exists else "CREATE"

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
