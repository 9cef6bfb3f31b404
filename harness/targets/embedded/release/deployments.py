"""CodeDeploy deployments of Lambda aliases: hooks, traffic shifting, alarms, rollback.

Checked against the CodeDeploy user guide ("Deployments on an AWS Lambda compute
platform", "AppSpec 'hooks' section for an AWS Lambda deployment", "Redeploy and roll back
a deployment", "Configure advanced options for a deployment group") and SAM's
``safe_lambda_deployments`` documentation. One deployment of one alias runs, in a thread
of its own, on the compressed clock:

1. ``BeforeAllowTraffic``: the PreTraffic hook function is invoked asynchronously with
   ``{"DeploymentId", "LifecycleEventHookExecutionId"}`` and must report ``Succeeded`` or
   ``Failed`` through ``PutLifecycleEventHookExecutionStatus`` within an hour; the new
   version serves no traffic yet (the hook may invoke it directly);
2. ``AllowTraffic``: the alias's ``RoutingConfig`` gives the new version the configuration's
   shares at its times (:mod:`configs`) until the alias points at it with all traffic;
3. ``AfterAllowTraffic``: the PostTraffic hook, as the first.

The group's alarms (``AlarmConfiguration``) are watched from the start: one already in
ALARM stops the deployment before any traffic moves (the reason SAM's docs warn that a
firing alarm blocks the fix), one going to ALARM stops it at once. A stop on alarm ends
the deployment ``Stopped`` with ``ALARM_ACTIVE``, a failed hook ``Failed`` with
``HOOK_EXECUTION_FAILURE``; with the group's ``AutoRollbackConfiguration`` (SAM enables
``DEPLOYMENT_FAILURE``, ``DEPLOYMENT_STOP_ON_ALARM`` and ``DEPLOYMENT_STOP_ON_REQUEST``) the
alias returns to the original version with all its traffic, which CodeDeploy records as
a new deployment (creator ``codeDeployRollback``, linked both ways through ``rollbackInfo``).
The group's ``lastAttemptedDeployment`` stays the failed one: that is what the smoke gate
reads. The deployment itself lives in moto's CodeDeploy backend (``DeploymentInfo``);
its lifecycle events, error and rollback sit beside it (:func:`records`).

Not emulated: CodeDeploy's IAM checks (the service role's permission to invoke hooks
named ``CodeDeployHook_*``), triggers (SNS notifications of deployment events) and
alarm-poll failures (``IgnorePollAlarmFailure``).
"""

from __future__ import annotations

import hashlib
import json
import random
import string
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.awslambda.utils import get_backend as lambda_backend
from moto.cloudwatch.models import cloudwatch_backends
from moto.codedeploy.models import codedeploy_backends

from harness.targets.embedded.release.clock import ReleaseClock
from harness.targets.embedded.release.configs import DeploymentConfig
from harness.targets.embedded.release.resources import PendingShift, deployment_config
from harness.targets.embedded.release.state import extension
from harness.targets.embedded.workers import ACCOUNT_ID

BEFORE, ALLOW, AFTER = "BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic"
HOOK_TIMEOUT_S = 3600.0
"""A Lambda hook must report its status within one hour."""
_TICK_NOMINAL_S = 5.0
_ALARM_STOP = "DEPLOYMENT_STOP_ON_ALARM"
_FAILURE = "DEPLOYMENT_FAILURE"

HookInvoker = Callable[[str, dict[str, Any]], str | None]
"""``invoke(function_name, event)`` starts a hook asynchronously; the error, if it cannot."""


@dataclass
class LifecycleEvent:
    """One lifecycle event of a Lambda deployment target (``GetDeploymentTarget``)."""

    name: str
    status: str = "Pending"
    start: datetime | None = None
    end: datetime | None = None
    hook: str | None = None
    execution_id: str | None = None
    message: str = ""

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {"lifecycleEventName": self.name, "status": self.status}
        if self.start:
            described["startTime"] = self.start
        if self.end:
            described["endTime"] = self.end
        if self.message:
            described["diagnostics"] = {
                "errorCode": "Success" if self.status == "Succeeded" else "ScriptFailed",
                "scriptName": self.hook or "",
                "message": self.message,
                "logTail": "",
            }
        return described


@dataclass
class DeploymentRecord:
    """What CodeDeploy knows of one deployment beyond moto's ``DeploymentInfo``."""

    deployment_id: str
    application: str
    group: str
    function_name: str
    alias: str
    current_version: str
    target_version: str
    config: DeploymentConfig
    creator: str
    events: dict[str, LifecycleEvent]
    alarms: list[str] = field(default_factory=list)
    auto_rollback_events: tuple[str, ...] = ()
    status: str = "Created"
    target_weight: float = 0.0
    shifts: list[float] = field(default_factory=list)
    """Every share of traffic the new version was given, in order."""
    error: dict[str, str] | None = None
    rollback: dict[str, str] = field(default_factory=dict)
    create_time: datetime = field(default_factory=lambda: datetime.now(UTC))
    start_time: datetime | None = None
    complete_time: datetime | None = None
    done: threading.Event = field(default_factory=threading.Event, repr=False)
    stop_requested: str | None = field(default=None, repr=False)
    reports: dict[str, str] = field(default_factory=dict, repr=False)
    reported: threading.Condition = field(default_factory=threading.Condition, repr=False)
    function_arn_region: str = "us-east-1"

    @property
    def succeeded(self) -> bool:
        return self.status == "Succeeded"

    @property
    def target_id(self) -> str:
        return f"{self.function_name}:{self.alias}"

    def report(self, execution_id: str, status: str) -> None:
        """A hook's ``PutLifecycleEventHookExecutionStatus``; ``KeyError`` if unknown or done."""
        with self.reported:
            if execution_id not in self.reports or self.reports[execution_id]:
                raise KeyError(execution_id)
            self.reports[execution_id] = status
            self.reported.notify_all()

    def summary(self) -> dict[str, Any]:
        """``lastAttemptedDeployment`` / ``lastSuccessfulDeployment`` of a group."""
        described: dict[str, Any] = {
            "deploymentId": self.deployment_id,
            "status": self.status,
            "createTime": self.create_time,
        }
        if self.complete_time:
            described["endTime"] = self.complete_time
        return described

    def describe_target(self) -> dict[str, Any]:
        """The ``lambdaTarget`` of ``GetDeploymentTarget``."""
        return {
            "deploymentId": self.deployment_id,
            "targetId": self.target_id,
            "targetArn": f"arn:aws:lambda:{self.function_arn_region}:{ACCOUNT_ID}:function:"
            f"{self.target_id}",
            "status": self.status,
            "lastUpdatedAt": self.complete_time or self.start_time or self.create_time,
            "lifecycleEvents": [event.describe() for event in self.events.values()],
            "lambdaFunctionInfo": {
                "functionName": self.function_name,
                "functionAlias": self.alias,
                "currentVersion": self.current_version,
                "targetVersion": self.target_version,
                "targetVersionWeight": self.target_weight,
            },
        }


def records(backend: Any) -> dict[str, DeploymentRecord]:
    """Every deployment record of one CodeDeploy backend, by deployment id."""
    return extension(backend, "deployment_records", dict)


def group_history(backend: Any) -> dict[tuple[str, str], dict[str, str]]:
    """Per ``(application, group)``: its last attempted and last successful deployment ids."""
    return extension(backend, "group_history", dict)


def _deployment_id() -> str:
    return "d-" + "".join(random.choices(string.ascii_uppercase + string.digits, k=9))


class DeploymentEngine:
    """Runs the deployments of one region, each in a thread, until it is closed."""

    def __init__(self, region: str, clock: ReleaseClock, invoke_hook: HookInvoker) -> None:
        self.region = region
        self.clock = clock
        self._invoke_hook = invoke_hook
        self._closed = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def backend(self) -> Any:
        return codedeploy_backends[ACCOUNT_ID][self.region]

    def start(self, shift: PendingShift, *, creator: str = "CloudFormation") -> DeploymentRecord:
        """Create the deployment of one alias shift in moto and run it in the background."""
        backend = self.backend
        group = backend.get_deployment_group(shift.application, shift.deployment_group)
        config = deployment_config(backend, str(group.deployment_config_name))
        record = self._create(shift, group, config, creator)
        thread = threading.Thread(
            target=self._run,
            args=(record,),
            name=f"deployment-{record.deployment_id}",
            daemon=True,
        )
        self._threads.append(thread)
        thread.start()
        return record

    def _create(
        self, shift: PendingShift, group: Any, config: DeploymentConfig, creator: str
    ) -> DeploymentRecord:
        backend = self.backend
        appspec = _appspec(shift)
        moto_id = backend.create_deployment(
            shift.application,
            shift.deployment_group,
            {
                "revisionType": "AppSpecContent",
                "appSpecContent": {
                    "content": appspec,
                    "sha256": hashlib.sha256(appspec.encode()).hexdigest(),
                },
            },
            deployment_config_name=config.name,
            description=f"{shift.alias.function_name}:{shift.alias.name} "
            f"{shift.current_version} -> {shift.target_version}",
        )
        info = backend.deployments.pop(moto_id)
        info.deployment_id = _deployment_id()
        info.creator = creator
        backend.deployments[info.deployment_id] = info
        alarm_configuration = group.alarm_configuration
        alarms = (
            [alarm["name"] for alarm in alarm_configuration.alarms]
            if alarm_configuration is not None and alarm_configuration.enabled
            else []
        )
        rollback = group.auto_rollback_configuration or {}
        hooks = {BEFORE: shift.before_hook, AFTER: shift.after_hook}
        record = DeploymentRecord(
            deployment_id=info.deployment_id,
            application=shift.application,
            group=shift.deployment_group,
            function_name=shift.alias.function_name,
            alias=shift.alias.name,
            current_version=shift.current_version,
            target_version=shift.target_version,
            config=config,
            creator=creator,
            events={
                name: LifecycleEvent(name, hook=hooks.get(name)) for name in (BEFORE, ALLOW, AFTER)
            },
            alarms=alarms,
            auto_rollback_events=tuple(rollback.get("events") or ())
            if rollback.get("enabled")
            else (),
            function_arn_region=self.region,
        )
        records(backend)[record.deployment_id] = record
        group_history(backend).setdefault((record.application, record.group), {})[
            "last_attempted"
        ] = record.deployment_id
        self._sync(record)
        return record

    def stop(self, deployment_id: str, *, auto_rollback: bool | None) -> DeploymentRecord:
        """``StopDeployment``: ends the deployment at its next tick."""
        record = records(self.backend)[deployment_id]
        rolls_back = (
            "DEPLOYMENT_STOP_ON_REQUEST" in record.auto_rollback_events
            if auto_rollback is None
            else auto_rollback
        )
        record.stop_requested = "rollback" if rolls_back else "stop"
        with record.reported:
            record.reported.notify_all()
        return record

    def close(self) -> None:
        """Stop waiting: running deployments end as they are (the stack is going away)."""
        self._closed.set()
        for thread in self._threads:
            thread.join(timeout=2)

    def _run(self, record: DeploymentRecord) -> None:
        record.status = "InProgress"
        record.start_time = datetime.now(UTC)
        self._sync(record)
        try:
            outcome = self._lifecycle(record)
        except Exception as error:  # a broken deployment must still end, and say why
            outcome = ("Failed", "INTERNAL_ERROR", f"the emulated deployment broke: {error!r}")
        status, code, message = outcome
        if status == "Succeeded":
            self._finish(record, "Succeeded")
            return
        record.error = {"code": code, "message": message}
        trigger = _FAILURE if status == "Failed" else _ALARM_STOP
        if code == "MANUAL_STOP":
            rolls_back = record.stop_requested == "rollback"
        else:
            rolls_back = trigger in record.auto_rollback_events
        if rolls_back:
            self._roll_back(record)
        self._finish(record, status)

    def _lifecycle(self, record: DeploymentRecord) -> tuple[str, str, str]:
        """Run the three events; ``(status, error code, message)`` of how it ended."""
        failure = self._checks(record)
        if failure:
            return failure
        hook_failure = self._hook(record, record.events[BEFORE])
        if hook_failure:
            return hook_failure
        allow = record.events[ALLOW]
        allow.status, allow.start = "InProgress", datetime.now(UTC)
        elapsed = 0.0
        for at_nominal, weight in record.config.steps():
            failure = self._wait(record, at_nominal - elapsed)
            elapsed = at_nominal
            if failure:
                allow.status, allow.end = "Failed", datetime.now(UTC)
                return failure
            self._shift(record, weight)
        allow.status, allow.end = "Succeeded", datetime.now(UTC)
        return self._hook(record, record.events[AFTER]) or ("Succeeded", "", "")

    def _wait(self, record: DeploymentRecord, nominal_s: float) -> tuple[str, str, str] | None:
        """Wait ``nominal_s`` (compressed), watching the alarms; how it ended, if it did."""
        waited = 0.0
        while waited < nominal_s:
            failure = self._checks(record)
            if failure:
                return failure
            step = min(_TICK_NOMINAL_S, nominal_s - waited)
            if self.clock.wait(step, self._closed):
                return ("Stopped", "INTERNAL_ERROR", "the embedded target was shut down")
            waited += step
        return self._checks(record)

    def _checks(self, record: DeploymentRecord) -> tuple[str, str, str] | None:
        """A firing alarm or a stop request ends the deployment."""
        if record.stop_requested:
            return (
                "Stopped",
                "MANUAL_STOP",
                "The deployment was stopped by a StopDeployment call.",
            )
        firing = [name for name in record.alarms if self._alarm_state(name) == "ALARM"]
        if firing:
            return (
                "Stopped",
                "ALARM_ACTIVE",
                "One or more alarms have been activated according to the Amazon CloudWatch "
                "metrics you selected, and the affected deployments have been stopped. "
                f"Activated alarms: <{', '.join(firing)}>",
            )
        return None

    def _alarm_state(self, name: str) -> str | None:
        alarm = cloudwatch_backends[ACCOUNT_ID][self.region].alarms.get(name)
        return None if alarm is None else alarm.state_value

    def _hook(self, record: DeploymentRecord, event: LifecycleEvent) -> tuple[str, str, str] | None:
        """Run one hook event (nothing to do without a hook function)."""
        event.start = datetime.now(UTC)
        if event.hook is None:
            event.status, event.end = "Skipped", event.start
            return self._checks(record)
        execution_id = str(uuid.uuid4())
        event.execution_id, event.status = execution_id, "InProgress"
        with record.reported:
            record.reports[execution_id] = ""
        refused = self._invoke_hook(
            event.hook,
            {"DeploymentId": record.deployment_id, "LifecycleEventHookExecutionId": execution_id},
        )
        status = "Failed" if refused else self._await_report(record, execution_id)
        event.end = datetime.now(UTC)
        if status == "Succeeded":
            event.status = "Succeeded"
            return self._checks(record)
        if status in ("Failed", ""):
            event.status = "Failed"
            event.message = refused or (
                f"hook {event.hook} reported Failed"
                if status
                else f"hook {event.hook} did not report a status within one hour"
            )
            return (
                "Failed",
                "HOOK_EXECUTION_FAILURE",
                f"The deployment failed because a specified lifecycle event hook ({event.name}: "
                f"{event.hook}) failed: {event.message}",
            )
        event.status = "Failed"
        return self._checks(record) or ("Stopped", "MANUAL_STOP", "stopped during a hook")

    def _await_report(self, record: DeploymentRecord, execution_id: str) -> str:
        """The status the hook reports, ``""`` on timeout, ``"stop"`` when stopped meanwhile."""
        deadline = self.clock.wall(HOOK_TIMEOUT_S)
        waited = 0.0
        tick = self.clock.wall(_TICK_NOMINAL_S)
        with record.reported:
            while not record.reports[execution_id]:
                if record.stop_requested or self._closed.is_set() or self._checks(record):
                    return "stop"
                if waited >= deadline:
                    return ""
                record.reported.wait(tick)
                waited += tick
            return record.reports[execution_id]

    def _shift(self, record: DeploymentRecord, weight: float) -> None:
        """Give the new version ``weight`` of the alias's traffic (all of it at 1)."""
        backend = lambda_backend(ACCOUNT_ID, self.region)
        if weight >= 1.0:
            backend.update_alias(
                record.alias, record.function_name, record.target_version, None, {}
            )
        else:
            backend.update_alias(
                record.alias,
                record.function_name,
                record.current_version,
                None,
                {"AdditionalVersionWeights": {record.target_version: weight}},
            )
        record.target_weight = weight
        record.shifts.append(weight)

    def _roll_back(self, record: DeploymentRecord) -> None:
        """Return the alias to the original version, as a rollback deployment of its own."""
        backend = self.backend
        lambda_backend(ACCOUNT_ID, self.region).update_alias(
            record.alias, record.function_name, record.current_version, None, {}
        )
        record.target_weight = 0.0
        info = backend.deployments[record.deployment_id]
        rollback_id = backend.create_deployment(
            record.application,
            record.group,
            info.revision,
            deployment_config_name=record.config.name,
            description=f"rollback of {record.deployment_id}",
        )
        rollback_info = backend.deployments.pop(rollback_id)
        rollback_info.deployment_id = _deployment_id()
        rollback_info.creator = "codeDeployRollback"
        backend.deployments[rollback_info.deployment_id] = rollback_info
        now = datetime.now(UTC)
        rollback = DeploymentRecord(
            deployment_id=rollback_info.deployment_id,
            application=record.application,
            group=record.group,
            function_name=record.function_name,
            alias=record.alias,
            current_version=record.target_version,
            target_version=record.current_version,
            config=record.config,
            creator="codeDeployRollback",
            events={
                name: LifecycleEvent(name, "Succeeded" if name == ALLOW else "Skipped", now, now)
                for name in (BEFORE, ALLOW, AFTER)
            },
            status="Succeeded",
            target_weight=1.0,
            rollback={"rollbackTriggeringDeploymentId": record.deployment_id},
            start_time=now,
            complete_time=now,
            function_arn_region=self.region,
        )
        records(backend)[rollback.deployment_id] = rollback
        self._sync(rollback)
        rollback.done.set()
        record.rollback = {
            "rollbackDeploymentId": rollback.deployment_id,
            "rollbackMessage": f"Rollback deployment {rollback.deployment_id} succeeded: "
            f"{record.target_id} is back on version {record.current_version}.",
        }

    def _finish(self, record: DeploymentRecord, status: str) -> None:
        record.status = status
        record.complete_time = datetime.now(UTC)
        if status == "Succeeded":
            group_history(self.backend).setdefault((record.application, record.group), {})[
                "last_successful"
            ] = record.deployment_id
        self._sync(record)
        record.done.set()

    def _sync(self, record: DeploymentRecord) -> None:
        """Mirror the record into moto's ``DeploymentInfo``."""
        info = self.backend.deployments.get(record.deployment_id)
        if info is None:
            return
        info.status = record.status
        info.start_time = record.start_time
        info.complete_time = record.complete_time
        info.create_time = record.create_time
        overview = dict.fromkeys(info.deployment_overview, 0)
        bucket = {"Created": "Pending", "InProgress": "InProgress", "Succeeded": "Succeeded"}
        overview[bucket.get(record.status, "Failed")] = 1
        info.deployment_overview = overview


def _appspec(shift: PendingShift) -> str:
    """The AppSpec CloudFormation gives CodeDeploy for an alias update."""
    hooks = [
        {name: hook}
        for name, hook in ((BEFORE, shift.before_hook), (AFTER, shift.after_hook))
        if hook
    ]
    content: dict[str, Any] = {
        "version": 0.0,
        "Resources": [
            {
                shift.alias.function_name: {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {
                        "Name": shift.alias.function_name,
                        "Alias": shift.alias.name,
                        "CurrentVersion": shift.current_version,
                        "TargetVersion": shift.target_version,
                    },
                }
            }
        ],
    }
    if hooks:
        content["Hooks"] = hooks
    return json.dumps(content)
