"""The CodeDeploy and CloudWatch calls moto cannot answer, answered from the release emulation.

The embedded endpoint is moto's server; a front (:func:`release_front`) takes every
CodeDeploy and CloudWatch request (told apart by the service in its signature, as moto
tells them apart) and dispatches it to moto's own response classes extended below: moto
parses the request and serializes the answer in whichever protocol the client speaks
(smithy-rpc-v2-cbor, JSON, query), and only what moto lacks or gets wrong is ours:

* CodeDeploy: ``PutLifecycleEventHookExecutionStatus``, ``StopDeployment``,
  ``ListDeploymentTargets`` / ``GetDeploymentTarget`` / ``BatchGetDeploymentTargets``
  (the lifecycle events), the deployment configurations (``Get`` / ``List`` / ``Create`` /
  ``DeleteDeploymentConfig``), and in ``GetDeployment`` / ``BatchGetDeployments`` /
  ``GetDeploymentGroup`` the fields moto leaves empty (``errorInformation``,
  ``rollbackInfo``, ``alarmConfiguration``, ``lastAttemptedDeployment``,
  ``lastSuccessfulDeployment``);
* CloudWatch: ``DescribeAlarmHistory``; ``GetMetricStatistics`` and ``GetMetricData`` with
  CloudWatch's semantics (:mod:`statistics`, :mod:`metric_math`); ``PutMetricAlarm`` and
  ``SetAlarmState`` as moto does them, plus the alarm's initial ``INSUFFICIENT_DATA``, its
  history, and its evaluation by the target's evaluator.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from moto.cloudwatch.exceptions import InvalidParameterValue, ResourceNotFound
from moto.cloudwatch.responses import CloudWatchResponse
from moto.codedeploy.exceptions import DeploymentDoesNotExistException
from moto.codedeploy.responses import CodeDeployResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult
from moto.moto_server.werkzeug_app import BackendRequest
from werkzeug.wrappers import Response

from harness.targets.embedded.release.alarms import HistoryItem, alarm_history
from harness.targets.embedded.release.configs import (
    PREDEFINED,
    DeploymentConfigError,
    from_traffic_routing,
)
from harness.targets.embedded.release.deployments import group_history, records
from harness.targets.embedded.release.metric_math import ExpressionError, as_series, evaluate
from harness.targets.embedded.release.resources import deployment_configs, put_alarm
from harness.targets.embedded.release.statistics import (
    MetricIndex,
    metric_key,
    period_at,
    period_samples,
    series,
    statistic_value,
)

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from harness.targets.embedded.release.engine import ReleaseEngine

_SERVICE = re.compile(r"Credential=[^/,]+/\d{8}/[^/,]+/(?P<service>[^/,]+)/")


def _error(code: str, message: str) -> JsonRESTError:
    error = JsonRESTError(code, message)
    error.code = 400
    return error


class ReleaseCodeDeployResponse(CodeDeployResponse):
    """moto's CodeDeploy responses, with the deployment engine's state and calls."""

    engine: ClassVar[ReleaseEngine]

    def _record(self, deployment_id: str) -> Any:
        record = records(self.codedeploy_backend).get(deployment_id)
        if record is None:
            raise DeploymentDoesNotExistException(
                f"The deployment {deployment_id} does not exist with the user or AWS account."
            )
        return record

    def _enrich(self, info: dict[str, Any]) -> dict[str, Any]:
        record = records(self.codedeploy_backend).get(info.get("deploymentId", ""))
        if record is None:
            return info
        info["errorInformation"] = record.error or {}
        info["rollbackInfo"] = record.rollback
        info["creator"] = record.creator
        info["targetInstances"] = None
        return {key: value for key, value in info.items() if value not in (None, {}, [])}

    def get_deployment(self) -> ActionResult:
        result: Any = super().get_deployment().result
        result["deploymentInfo"] = self._enrich(result["deploymentInfo"])
        return ActionResult(result)

    def batch_get_deployments(self) -> ActionResult:
        result: Any = super().batch_get_deployments().result
        result["deploymentsInfo"] = [self._enrich(info) for info in result["deploymentsInfo"]]
        return ActionResult(result)

    def get_deployment_group(self) -> ActionResult:
        result: Any = super().get_deployment_group().result
        info = result["deploymentGroupInfo"]
        group = self.codedeploy_backend.get_deployment_group(
            info["applicationName"], info["deploymentGroupName"]
        )
        alarms = group.alarm_configuration
        info["alarmConfiguration"] = (
            {
                "enabled": bool(alarms.enabled),
                "ignorePollAlarmFailure": bool(alarms.ignore_poll_alarm_failure),
                "alarms": list(alarms.alarms),
            }
            if alarms is not None
            else {}
        )
        history = group_history(self.codedeploy_backend).get(
            (info["applicationName"], info["deploymentGroupName"]), {}
        )
        for field, key in (
            ("lastAttemptedDeployment", "last_attempted"),
            ("lastSuccessfulDeployment", "last_successful"),
        ):
            deployment_id = history.get(key)
            if deployment_id:
                info[field] = self._record(deployment_id).summary()
            else:
                info.pop(field, None)
        result["deploymentGroupInfo"] = {k: v for k, v in info.items() if v not in (None, {})}
        return ActionResult(result)

    def put_lifecycle_event_hook_execution_status(self) -> ActionResult:
        record = self._record(self._get_param("deploymentId"))
        execution_id = self._get_param("lifecycleEventHookExecutionId")
        status = self._get_param("status")
        if status not in ("Succeeded", "Failed"):
            raise _error(
                "InvalidLifecycleEventHookExecutionStatusException",
                f"status {status!r}: a hook reports Succeeded or Failed",
            )
        try:
            record.report(execution_id, status)
        except KeyError:
            raise _error(
                "LifecycleEventAlreadyCompletedException",
                f"lifecycle event hook execution {execution_id} of deployment "
                f"{record.deployment_id} is unknown or already completed",
            ) from None
        return ActionResult({"lifecycleEventHookExecutionId": execution_id})

    def stop_deployment(self) -> ActionResult:
        record = self._record(self._get_param("deploymentId"))
        if record.done.is_set():
            raise _error(
                "DeploymentAlreadyCompletedException",
                f"The deployment {record.deployment_id} has already completed.",
            )
        self.engine.deployments.stop(
            record.deployment_id, auto_rollback=self._get_param("autoRollbackEnabled")
        )
        return ActionResult({"status": "Pending", "statusMessage": "Stopping the deployment."})

    def list_deployment_targets(self) -> ActionResult:
        record = self._record(self._get_param("deploymentId"))
        return ActionResult({"targetIds": [record.target_id]})

    def get_deployment_target(self) -> ActionResult:
        record = self._record(self._get_param("deploymentId"))
        return ActionResult({"deploymentTarget": self._target(record, self._get_param("targetId"))})

    def batch_get_deployment_targets(self) -> ActionResult:
        record = self._record(self._get_param("deploymentId"))
        targets = [self._target(record, target) for target in self._get_param("targetIds", [])]
        return ActionResult({"deploymentTargets": targets})

    def _target(self, record: Any, target_id: str) -> dict[str, Any]:
        if target_id != record.target_id:
            raise _error(
                "DeploymentTargetDoesNotExistException",
                f"target {target_id} is not part of deployment {record.deployment_id}",
            )
        return {"deploymentTargetType": "LambdaTarget", "lambdaTarget": record.describe_target()}

    def get_deployment_config(self) -> ActionResult:
        name = self._get_param("deploymentConfigName")
        config = PREDEFINED.get(name) or deployment_configs(self.codedeploy_backend).get(name)
        if config is None:
            raise _error(
                "DeploymentConfigDoesNotExistException",
                f"The deployment configuration {name} does not exist with the user or AWS account.",
            )
        return ActionResult(
            {
                "deploymentConfigInfo": {
                    "deploymentConfigId": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
                    "deploymentConfigName": name,
                    "computePlatform": "Lambda",
                    "trafficRoutingConfig": config.traffic_routing(),
                }
            }
        )

    def list_deployment_configs(self) -> ActionResult:
        names = [*PREDEFINED, *deployment_configs(self.codedeploy_backend)]
        return ActionResult({"deploymentConfigsList": names})

    def create_deployment_config(self) -> ActionResult:
        name = self._get_param("deploymentConfigName")
        if self._get_param("computePlatform", "Server") != "Lambda":
            raise _error(
                "InvalidComputePlatformException",
                "the embedded target emulates Lambda deployment configurations only",
            )
        configs = deployment_configs(self.codedeploy_backend)
        if name in configs or name in PREDEFINED:
            raise _error(
                "DeploymentConfigAlreadyExistsException",
                f"A deployment configuration named {name} already exists.",
            )
        try:
            configs[name] = from_traffic_routing(name, self._get_param("trafficRoutingConfig"))
        except DeploymentConfigError as error:
            raise _error("InvalidDeploymentConfigNameException", str(error)) from None
        return ActionResult({"deploymentConfigId": str(uuid.uuid5(uuid.NAMESPACE_URL, name))})

    def delete_deployment_config(self) -> ActionResult:
        name = self._get_param("deploymentConfigName")
        if name in PREDEFINED:
            raise _error("InvalidOperationException", f"{name} is predefined and cannot be deleted")
        deployment_configs(self.codedeploy_backend).pop(name, None)
        return EmptyResult()


class ReleaseCloudWatchResponse(CloudWatchResponse):
    """moto's CloudWatch responses, read and evaluated as CloudWatch does."""

    engine: ClassVar[ReleaseEngine]

    def put_metric_alarm(self) -> ActionResult:
        name = self._get_param("AlarmName")
        existing = self.cloudwatch_backend.alarms.get(name)
        params = self._get_params()
        alarm = put_alarm(self.cloudwatch_backend, name, params)
        if existing is not None:
            alarm.state_value, alarm.state_reason = existing.state_value, existing.state_reason
        alarm.harness_owner = self.engine.token
        return EmptyResult()

    def set_alarm_state(self) -> ActionResult:
        alarm = self.cloudwatch_backend.alarms.get(self._get_param("AlarmName"))
        if alarm is None:
            raise ResourceNotFound
        old = alarm.state_value
        super().set_alarm_state()
        if alarm.state_value != old:
            alarm_history(self.cloudwatch_backend).append(
                HistoryItem(
                    alarm.name,
                    datetime.now(UTC),
                    "StateUpdate",
                    f"Alarm updated from {old} to {alarm.state_value}",
                    {"version": "1.0", "newState": {"stateValue": alarm.state_value}},
                )
            )
        return EmptyResult()

    def describe_alarm_history(self) -> ActionResult:
        name = self._get_param("AlarmName")
        item_type = self._get_param("HistoryItemType")
        start, end = self._get_param("StartDate"), self._get_param("EndDate")
        newest_first = (self._get_param("ScanBy") or "TimestampDescending") != "TimestampAscending"
        items = [
            item
            for item in alarm_history(self.cloudwatch_backend)
            if (name is None or item.alarm_name == name)
            and (item_type is None or item.item_type == item_type)
            and (start is None or item.timestamp >= _datetime(start))
            and (end is None or item.timestamp <= _datetime(end))
        ]
        items.sort(key=lambda item: item.timestamp, reverse=newest_first)
        limit = int(self._get_param("MaxRecords") or 100)
        return ActionResult({"AlarmHistoryItems": [item.describe() for item in items[:limit]]})

    def get_metric_statistics(self) -> ActionResult:
        index = MetricIndex.of(self.cloudwatch_backend)
        period = float(self._get_param("Period"))
        start = period_at(_epoch(self._get_param("StartTime")) // period * period, 0, period)
        end = _epoch(self._get_param("EndTime"))
        statistics = self._get_param("Statistics") or []
        extended = self._get_param("ExtendedStatistics") or []
        if not statistics and not extended:
            raise InvalidParameterValue("Must specify either Statistics or ExtendedStatistics")
        key = metric_key(
            self._get_param("Namespace"),
            self._get_param("MetricName"),
            self._get_param("Dimensions") or [],
        )
        unit = self._get_param("Unit")
        buckets = period_samples(index, key, start=start, end=end, period_s=period, unit=unit)
        datapoints = []
        for bucket, samples in buckets.items():
            point: dict[str, Any] = {
                "Timestamp": datetime.fromtimestamp(bucket, UTC),
                "Unit": unit or samples[0].unit or "None",
            }
            point |= {stat: statistic_value(samples, stat) for stat in statistics}
            if extended:
                values = {stat: statistic_value(samples, stat) for stat in extended}
                point["ExtendedStatistics"] = {k: v for k, v in values.items() if v is not None}
            datapoints.append(point)
        return ActionResult({"Label": self._get_param("MetricName"), "Datapoints": datapoints})

    def get_metric_data(self) -> ActionResult:
        index = MetricIndex.of(self.cloudwatch_backend)
        queries = self._get_param("MetricDataQueries") or []
        start, end = _epoch(self._get_param("StartTime")), _epoch(self._get_param("EndTime"))
        ascending = self._get_param("ScanBy") == "TimestampAscending"
        period = next(
            (float(q["MetricStat"]["Period"]) for q in queries if "MetricStat" in q), 60.0
        )
        start = period_at(start // period * period, 0, period)
        stamps = [period_at(start, k, period) for k in range(int((end - start) // period) + 1)]
        variables: dict[str, dict[float, float]] = {}
        for query in queries:
            if "MetricStat" in query:
                stat = query["MetricStat"]
                metric = stat["Metric"]
                key = metric_key(
                    metric["Namespace"], metric["MetricName"], metric.get("Dimensions") or []
                )
                variables[query["Id"]] = series(
                    index,
                    key,
                    stat["Stat"],
                    start=start,
                    end=end,
                    period_s=period,
                    unit=stat.get("Unit"),
                )
        results = []
        for query in queries:
            values, status = variables.get(query["Id"], {}), "Complete"
            label = query.get("Label") or query["Id"]
            if "Expression" in query:
                try:
                    values = as_series(evaluate(query["Expression"], variables, stamps), stamps)
                except ExpressionError as error:
                    values, status, label = {}, "InternalError", str(error)
            if str(query.get("ReturnData", True)).lower() == "false":
                continue
            points = sorted(values.items(), reverse=not ascending)
            results.append(
                {
                    "Id": query["Id"],
                    "Label": label,
                    "Timestamps": [datetime.fromtimestamp(t, UTC) for t, _ in points],
                    "Values": [v for _, v in points],
                    "StatusCode": status,
                }
            )
        return ActionResult({"MetricDataResults": results, "Messages": []})


def _epoch(moment: Any) -> float:
    return _datetime(moment).timestamp()


def _datetime(moment: Any) -> datetime:
    if isinstance(moment, datetime):
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if isinstance(moment, int | float):
        return datetime.fromtimestamp(moment, UTC)
    return datetime.fromisoformat(str(moment).replace("Z", "+00:00"))


def release_front(engine: ReleaseEngine) -> Callable[[WSGIApplication], WSGIApplication]:
    """A front for moto's server: CodeDeploy and CloudWatch requests go to the classes above."""
    responses: Mapping[str, type[Any]] = {
        "codedeploy": type("CodeDeploy", (ReleaseCodeDeployResponse,), {"engine": engine}),
        "monitoring": type("CloudWatch", (ReleaseCloudWatchResponse,), {"engine": engine}),
    }

    def front(app: WSGIApplication) -> WSGIApplication:
        def serve(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
            signed = _SERVICE.search(environ.get("HTTP_AUTHORIZATION", ""))
            response_class = responses.get(signed["service"]) if signed else None
            if response_class is None:
                return app(environ, start_response)
            request = BackendRequest(environ)
            status, headers, body = response_class.dispatch(
                request, request.raw_url, dict(request.headers)
            )
            return Response(body, status=status, headers=headers)(environ, start_response)

        return serve

    return front
