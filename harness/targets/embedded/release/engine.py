"""One release engine per embedded target: metrics, alarm evaluation, deployments, the API.

moto's backends are shared by every target in a process, so the engine evaluates only
the alarms that belong to it: those of the stacks its target deployed, and those created
through its endpoint's ``PutMetricAlarm``. Deployments it starts run until they end or the
engine closes; hooks are invoked through the target's Lambda Invoke API (``hooks``), so a
hook function runs on its workers like any other invocation.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends
from moto.sns.models import sns_backends

from harness.targets.embedded.release.alarms import AlarmEvaluator
from harness.targets.embedded.release.api import release_front
from harness.targets.embedded.release.clock import ReleaseClock
from harness.targets.embedded.release.deployments import DeploymentEngine
from harness.targets.embedded.release.metrics import MetricsRecorder
from harness.targets.embedded.workers import ACCOUNT_ID

HookFunction = Callable[[Any], object]
"""Runs a hook function with its event (unqualified, as CodeDeploy invokes hooks)."""
_LOG = logging.getLogger("harness.release")


class ReleaseEngine:
    """The release emulation of one embedded target (see the package's docstring)."""

    def __init__(
        self,
        region: str,
        clock: ReleaseClock,
        hooks: Callable[[str], HookFunction | None],
    ) -> None:
        self.region = region
        self.clock = clock
        self.token = uuid.uuid4().hex
        self._hooks = hooks
        self._stack_ids: set[str] = set()
        self.metrics = MetricsRecorder(region)
        self.evaluator = AlarmEvaluator(
            lambda: cloudwatch_backends[ACCOUNT_ID][region],
            clock,
            owns=self.owns,
            publish=self._publish,
        )
        self.deployments = DeploymentEngine(region, clock, self._invoke_hook)
        self.front = release_front(self)

    def start(self) -> ReleaseEngine:
        self.evaluator.start()
        return self

    def close(self) -> None:
        self.deployments.close()
        self.evaluator.stop()

    def add_stack(self, stack_id: str) -> None:
        """Own the alarms of a stack this target deployed."""
        self._stack_ids.add(stack_id)

    def owns(self, alarm: Any) -> bool:
        return (
            getattr(alarm, "harness_owner", None) == self.token
            or getattr(alarm, "harness_stack_id", None) in self._stack_ids
        )

    def _publish(self, topic_arn: str, subject: str, message: str) -> None:
        sns_backends[ACCOUNT_ID][self.region].publish(message, arn=topic_arn, subject=subject)

    def _invoke_hook(self, function_name: str, event: dict[str, Any]) -> str | None:
        """Start a hook asynchronously, as CodeDeploy does; a reason if it cannot run."""
        name = function_name.rsplit(":function:", maxsplit=1)[-1].split(":", maxsplit=1)[0]
        hook = self._hooks(name)
        if hook is None:
            return f"the hook function {function_name} is not deployed on this endpoint"

        def run() -> None:
            try:
                hook(event)
            except Exception:  # the target is going away; the deployment times out
                _LOG.exception("hook %s did not run", function_name)

        threading.Thread(target=run, name=f"hook-{name}", daemon=True).start()
        return None
