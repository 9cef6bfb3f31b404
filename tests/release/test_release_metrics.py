"""Metrics from invocations, API requests and EMF lines, read back as CloudWatch reads them.

In-process: the recorder writes into moto's CloudWatch backend and the statistics module
reads it, the same objects the embedded endpoint serves.
"""

from __future__ import annotations

import json
import time
import uuid

from moto.cloudwatch.models import cloudwatch_backends

from harness.targets.embedded.release.metrics import MetricsRecorder
from harness.targets.embedded.release.statistics import (
    MetricIndex,
    metric_key,
    series,
    statistic_value,
)
from harness.targets.embedded.workers import FunctionError, InvokeResult

REGION = "eu-central-1"


def _index() -> MetricIndex:
    return MetricIndex.of(cloudwatch_backends["123456789012"][REGION])


def _total(namespace: str, name: str, dimensions: dict[str, str], statistic: str = "Sum"):
    key = metric_key(namespace, name, [{"Name": k, "Value": v} for k, v in dimensions.items()])
    now = time.time()
    found = series(_index(), key, statistic, start=now - 3600, end=now + 60, period_s=3660)
    return sum(found.values()) if statistic == "Sum" else next(iter(found.values()), None)


def _result(error: FunctionError | None = None, *, logs: str = "", version: str = "3"):
    return InvokeResult(None, error, logs, 12.5, str(uuid.uuid4()), executed_version=version)


def test_an_invocation_through_an_alias_is_published_under_each_dimension_set() -> None:
    function = f"fn-{uuid.uuid4().hex[:8]}"
    recorder = MetricsRecorder(REGION)
    recorder.record_invocation(function, "live", _result(), alias=True, concurrency=2)
    failed = FunctionError("unhandled", "RuntimeError", "boom")
    recorder.record_invocation(function, "live", _result(failed), alias=True, concurrency=1)
    by_function = {"FunctionName": function}
    by_alias = {**by_function, "Resource": f"{function}:live"}
    by_version = {**by_alias, "ExecutedVersion": "3"}
    for dimensions in (by_function, by_alias, by_version):
        assert _total("AWS/Lambda", "Invocations", dimensions) == 2
        assert _total("AWS/Lambda", "Errors", dimensions) == 1
    assert _total("AWS/Lambda", "ConcurrentExecutions", by_function, "Maximum") == 2
    assert _total("AWS/Lambda", "Duration", by_function, "Maximum") == 12.5


def test_a_throttled_invocation_counts_as_a_throttle_not_an_invocation() -> None:
    function = f"fn-{uuid.uuid4().hex[:8]}"
    throttled = FunctionError("throttled", "TooManyRequestsException", "Rate Exceeded.")
    MetricsRecorder(REGION).record_invocation(
        function, None, _result(throttled), alias=False, concurrency=0
    )
    assert _total("AWS/Lambda", "Throttles", {"FunctionName": function}) == 1
    assert _total("AWS/Lambda", "Invocations", {"FunctionName": function}) == 0


def test_rest_and_http_apis_publish_their_own_metric_names() -> None:
    recorder = MetricsRecorder(REGION)
    http, rest = f"http-{uuid.uuid4().hex[:6]}", f"rest-{uuid.uuid4().hex[:6]}"
    recorder.record_api_request(http, "$default", 503, 40.0, 35.0)
    recorder.record_api_request(rest, "Prod", 404, 3.0, None, kind="REST", api_name="Orders")
    assert _total("AWS/ApiGateway", "5xx", {"ApiId": http, "Stage": "$default"}) == 1
    assert _total("AWS/ApiGateway", "4xx", {"ApiId": http}) == 0
    assert _total("AWS/ApiGateway", "4XXError", {"ApiName": "Orders", "Stage": "Prod"}) == 1
    assert _total("AWS/ApiGateway", "IntegrationLatency", {"ApiName": "Orders"}) == 0


def test_embedded_metric_format_lines_become_custom_metrics() -> None:
    service = f"svc-{uuid.uuid4().hex[:6]}"
    document = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": "Shop",
                    "Dimensions": [["service"], ["service", "stage"]],
                    "Metrics": [{"Name": "Sold", "Unit": "Count"}],
                }
            ],
        },
        "service": service,
        "stage": "dev",
        "Sold": [2, 3],
    }
    logs = f"START RequestId: x\n{json.dumps(document)}\nnot json {{\nEND RequestId: x\n"
    assert MetricsRecorder(REGION).record_embedded_metrics(logs) == 1
    assert _total("Shop", "Sold", {"service": service}) == 5
    assert _total("Shop", "Sold", {"service": service, "stage": "dev"}) == 5


def test_percentiles_use_the_nearest_rank() -> None:
    function = f"fn-{uuid.uuid4().hex[:8]}"
    backend = cloudwatch_backends["123456789012"][REGION]
    backend.put_metric_data(
        "Perc",
        [
            {
                "MetricName": "Latency",
                "Value": float(v),
                "Dimensions": [{"Name": "F", "Value": function}],
            }
            for v in range(1, 101)
        ],
    )
    key = metric_key("Perc", "Latency", [{"Name": "F", "Value": function}])
    now = time.time()
    samples = _index().samples(key, now - 60, now + 60)
    assert statistic_value(samples, "p99") == 99
    assert statistic_value(samples, "p50") == 50
    assert statistic_value(samples, "Average") == 50.5
