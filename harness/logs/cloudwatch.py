"""A deployed stack's logs in CloudWatch Logs (the aws and localstack targets).

Where they are, from the stack as deployed:

* a function logs to its ``LoggingConfig.LogGroup`` when set, else to
  ``/aws/lambda/<function name>`` (Lambda developer guide, "Sending Lambda function logs
  to CloudWatch Logs"); ``GetFunctionConfiguration`` returns ``LoggingConfig``;
* an API stage's access log goes to the log group its ``AccessLogSettings.DestinationArn``
  names (``GetStage`` of API Gateway v1, ``accessLogSettings.destinationArn``, and v2,
  ``AccessLogSettings.DestinationArn``); a stage without one writes no access log.

Events come from ``FilterLogEvents`` with the filter pattern as given: CloudWatch applies
its whole syntax there. ``--follow`` polls it (every :data:`POLL_INTERVAL_S`) rather than
using ``StartLiveTail``: polling works with the same call and permissions everywhere
(LocalStack, moto, an account whose policy grants ``logs:FilterLogEvents`` only), while
Live Tail needs an HTTP/2 event stream, ``logs:StartLiveTail`` and ends sessions after
three hours. Each poll looks back :data:`LOOKBACK_S` before the newest event seen,
because an event can be searchable a little after its timestamp, and drops events
already shown by ``eventId``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from harness.logs.events import LogEvent
from harness.logs.files import LogsError, choose
from harness.targets.api_urls import ApiStage, api_stages
from harness.targets.discovery import resource_summaries

POLL_INTERVAL_S = 1.0
LOOKBACK_S = 30.0

ClientFor = Callable[[str], BaseClient]


@dataclass(frozen=True)
class StackLogGroups:
    """Where a deployed stack's functions and APIs log, read from its resources."""

    stack_name: str
    functions: dict[str, str]
    """Each function's physical name by logical id."""
    apis: dict[str, ApiStage]
    client_for: ClientFor

    @classmethod
    def discover(cls, stack_name: str, client_for: ClientFor) -> StackLogGroups:
        try:
            resources = resource_summaries(client_for("cloudformation"), stack_name)
        except ClientError as error:
            raise LogsError(f"stack {stack_name!r}: {error}") from error
        functions = {
            summary["LogicalResourceId"]: summary.get("PhysicalResourceId", "")
            for summary in resources
            if summary.get("ResourceType") == "AWS::Lambda::Function"
        }
        return cls(stack_name, functions, api_stages(resources), client_for)

    @property
    def where(self) -> str:
        return f"stack {self.stack_name!r}"

    def function_ids(self) -> list[str]:
        return sorted(self.functions)

    def api_ids(self) -> list[str]:
        return sorted(self.apis)

    def function(self, name: str) -> str:
        """The logical id of the function ``name`` (logical id or physical name) names."""
        by_physical = {physical: logical for logical, physical in self.functions.items()}
        return choose(by_physical.get(name, name), self.functions, "function", self.where)

    def reader(
        self, functions: Sequence[str], apis: Sequence[str], pattern: str
    ) -> CloudWatchReader:
        """A reader of the named functions' logs and APIs' access logs."""
        groups = {self.function_group(name): name for name in functions}
        groups |= {self.access_log_group(name): name for name in apis}
        return CloudWatchReader(self.client_for("logs"), groups, pattern)

    def function_group(self, logical_id: str) -> str:
        name = self.functions[logical_id]
        configuration = self.client_for("lambda").get_function_configuration(FunctionName=name)
        return configuration.get("LoggingConfig", {}).get("LogGroup") or f"/aws/lambda/{name}"

    def access_log_group(self, logical_id: str) -> str:
        stage = self.apis[logical_id]
        if stage.kind == "REST":
            found = self.client_for("apigateway").get_stage(
                restApiId=stage.api_id, stageName=stage.stage
            )
            arn = found.get("accessLogSettings", {}).get("destinationArn")
        else:
            found = self.client_for("apigatewayv2").get_stage(
                ApiId=stage.api_id, StageName=stage.stage
            )
            arn = found.get("AccessLogSettings", {}).get("DestinationArn")
        if not arn:
            raise LogsError(
                f"{self.where}: API {logical_id} (stage {stage.stage}) writes no access log: "
                "set AccessLogSettings.DestinationArn on its stage"
            )
        return log_group_of(arn)


def log_group_of(arn: str) -> str:
    """The log group an ARN names (``arn:aws:logs:R:A:log-group:NAME[:*]``)."""
    _, found, name = arn.partition(":log-group:")
    if not found:
        raise LogsError(f"{arn!r} is not a CloudWatch Logs log group ARN")
    return name.removesuffix(":*")


class CloudWatchReader:
    """Hands out the events of some log groups not handed out before, oldest first."""

    poll_interval_s = POLL_INTERVAL_S

    def __init__(self, logs: BaseClient, groups: dict[str, str], pattern: str) -> None:
        self._logs = logs
        self._groups = groups
        """Each group's label (function or API logical id) by log group name."""
        self._pattern = pattern
        self._seen: set[str] = set()
        self._newest: float | None = None

    def read(self, since: float | None, until: float | None) -> list[LogEvent]:
        start = since
        if self._newest is not None:
            start = max(since or 0.0, self._newest - LOOKBACK_S)
        events = []
        for group, label in self._groups.items():
            for found in self._filter(group, start, until):
                if found["eventId"] in self._seen:
                    continue
                self._seen.add(found["eventId"])
                timestamp = found["timestamp"] / 1000
                self._newest = max(self._newest or timestamp, timestamp)
                events.append(LogEvent(timestamp, label, found["message"].rstrip("\n")))
        return sorted(events, key=lambda event: event.timestamp or 0.0)

    def _filter(self, group: str, start: float | None, until: float | None) -> list[dict]:
        arguments: dict[str, Any] = {"logGroupName": group}
        if start is not None:
            arguments["startTime"] = int(start * 1000)
        if until is not None:
            arguments["endTime"] = int(until * 1000)
        if self._pattern:
            arguments["filterPattern"] = self._pattern
        try:
            return [
                event
                for page in self._logs.get_paginator("filter_log_events").paginate(**arguments)
                for event in page.get("events", [])
            ]
        except ClientError as error:
            if error.response["Error"]["Code"] == "ResourceNotFoundException":
                return []  # no invocation has logged yet: Lambda creates the group on first use
            raise LogsError(f"log group {group}: {error}") from error
