"""Lambda, API Gateway and embedded-metric-format metrics from real invocations, into moto.

Checked against the Lambda developer guide ("Types of metrics for Lambda functions",
"Viewing metrics for Lambda functions": dimensions), the API Gateway developer guide
("Amazon API Gateway dimensions and metrics" for REST APIs, "Monitor CloudWatch metrics for
HTTP APIs") and the CloudWatch embedded metric format specification:

* every invocation puts ``AWS/Lambda`` ``Invocations``, ``Errors`` (a function error,
  timeout or crash: 1, else 0), ``Duration`` (the invoke phase, without INIT) and
  ``ConcurrentExecutions`` (environments busy, this one included); a throttled one puts
  only ``Throttles``. Each is published for the account (no dimension), by
  ``FunctionName``, by ``FunctionName`` + ``Resource`` (``function:alias`` or
  ``function:version`` when invoked through one) and, through an alias, by those plus
  ``ExecutedVersion``: the dimension sets Lambda publishes;
* every API request puts ``Count``, ``4xx`` / ``5xx`` (HTTP API) or ``4XXError`` /
  ``5XXError`` (REST API), ``Latency`` and ``IntegrationLatency``, by ``ApiId`` (HTTP) or
  ``ApiName`` (REST), alone and with ``Stage``;
* a log line that is an EMF document (``_aws.CloudWatchMetrics``) becomes the metrics it
  declares, in its namespace, for each of its dimension sets, at its ``_aws.Timestamp``,
  which is how CloudWatch Logs extracts Powertools Metrics.

Timestamps are real (see :mod:`clock`). The datapoints are moto's own ``MetricDatum``
objects in its CloudWatch backend, what its ``put_metric_data`` stores (appended directly:
its validation of each datum would cost more than the invocation's own round trip), so
``list_metrics`` sees them too.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from moto.cloudwatch.models import MetricDatum, cloudwatch_backends

from harness.targets.embedded.workers import ACCOUNT_ID, InvokeResult

LAMBDA_NAMESPACE = "AWS/Lambda"
API_NAMESPACE = "AWS/ApiGateway"
ApiKind = Literal["HTTP", "REST"]
_ERROR_METRICS = {"HTTP": ("4xx", "5xx"), "REST": ("4XXError", "5XXError")}
_LOG = logging.getLogger("harness.release")


class MetricsRecorder:
    """Puts the metrics of one region's invocations and API requests into moto's CloudWatch."""

    def __init__(self, region: str, account: str = ACCOUNT_ID) -> None:
        self.region = region
        self.account = account

    @property
    def backend(self) -> Any:
        return cloudwatch_backends[self.account][self.region]

    def record_invocation(
        self,
        function_name: str,
        qualifier: str | None,
        result: InvokeResult,
        *,
        alias: bool,
        concurrency: int,
    ) -> None:
        """The metrics of one invocation of ``function_name`` (through ``qualifier``, if any)."""
        if result.error is not None and result.error.kind == "request_too_large":
            return  # refused by the Invoke API: never an invocation
        if result.error is not None and result.error.kind == "throttled":
            metrics = [("Throttles", 1.0, "Count")]
        else:
            duration = max(result.duration_ms - (result.init_duration_ms or 0.0), 0.0)
            metrics = [
                ("Invocations", 1.0, "Count"),
                ("Errors", 0.0 if result.ok else 1.0, "Count"),
                ("Duration", duration, "Milliseconds"),
                ("ConcurrentExecutions", float(concurrency), "Count"),
            ]
        named = [{"Name": "FunctionName", "Value": function_name}]
        dimension_sets: list[list[dict[str, str]]] = [[], named]
        if qualifier is not None:
            resource = [*named, {"Name": "Resource", "Value": f"{function_name}:{qualifier}"}]
            dimension_sets.append(resource)
            if alias:
                executed = {"Name": "ExecutedVersion", "Value": result.executed_version}
                dimension_sets.append([*resource, executed])
        self._put(LAMBDA_NAMESPACE, metrics, dimension_sets, datetime.now(UTC))

    def record_api_request(
        self,
        api_id: str,
        stage: str,
        status: int,
        latency_ms: float,
        integration_latency_ms: float | None,
        *,
        kind: ApiKind = "HTTP",
        api_name: str | None = None,
    ) -> None:
        """The metrics of one API request: the hook the API Gateway front calls.

        ``api_id`` names an HTTP API (its ``ApiId`` dimension); a REST API is named by
        ``api_name`` (``ApiName``), ``api_id`` then only identifies it in logs.
        ``integration_latency_ms`` is ``None`` when no integration ran (a 404, a refused
        authorizer): then no ``IntegrationLatency`` is put.
        """
        client_errors, server_errors = _ERROR_METRICS[kind]
        metrics = [
            ("Count", 1.0, "Count"),
            (client_errors, 1.0 if 400 <= status < 500 else 0.0, "Count"),
            (server_errors, 1.0 if status >= 500 else 0.0, "Count"),
            ("Latency", latency_ms, "Milliseconds"),
        ]
        if integration_latency_ms is not None:
            metrics.append(("IntegrationLatency", integration_latency_ms, "Milliseconds"))
        named = (
            [{"Name": "ApiId", "Value": api_id}]
            if kind == "HTTP"
            else [{"Name": "ApiName", "Value": api_name or api_id}]
        )
        dimension_sets = [named, [*named, {"Name": "Stage", "Value": stage}]]
        self._put(API_NAMESPACE, metrics, dimension_sets, datetime.now(UTC))

    def record_embedded_metrics(self, logs: str) -> int:
        """Turn the EMF documents among ``logs``' lines into metrics; how many were found."""
        found = 0
        for line in logs.splitlines():
            document = _emf_document(line)
            if document is None:
                continue
            found += 1
            try:
                self._put_emf(document)
            except (KeyError, TypeError, ValueError) as error:
                _LOG.warning("embedded metric format line not extracted (%s): %.200s", error, line)
        return found

    def _put_emf(self, document: Mapping[str, Any]) -> None:
        metadata = document["_aws"]
        timestamp = datetime.fromtimestamp(float(metadata["Timestamp"]) / 1000, UTC)
        for directive in metadata["CloudWatchMetrics"]:
            metrics = []
            for metric in directive["Metrics"]:
                value = document[metric["Name"]]
                values = value if isinstance(value, list) else [value]
                metrics += [(metric["Name"], float(v), metric.get("Unit", "None")) for v in values]
            dimension_sets = [
                [{"Name": name, "Value": str(document[name])} for name in names]
                for names in directive.get("Dimensions") or [[]]
            ]
            self._put(directive["Namespace"], metrics, dimension_sets, timestamp)

    def _put(
        self,
        namespace: str,
        metrics: Sequence[tuple[str, float, str]],
        dimension_sets: Iterable[list[dict[str, str]]],
        timestamp: datetime,
    ) -> None:
        self.backend.metric_data.extend(
            MetricDatum(namespace, name, value, dimensions, timestamp, unit)
            for dimensions in dimension_sets
            for name, value, unit in metrics
        )


def _emf_document(line: str) -> dict[str, Any] | None:
    """The JSON object of an EMF line (possibly after a log prefix), else ``None``."""
    if '"_aws"' not in line:
        return None
    start = line.find("{")
    try:
        document = json.loads(line[start:])
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    metadata = document.get("_aws")
    if not isinstance(metadata, dict) or "CloudWatchMetrics" not in metadata:
        return None
    return document
