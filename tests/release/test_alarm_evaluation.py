"""Alarm evaluation against the CloudWatch user guide's own examples, and on real metric data.

The two tables of "How alarm state is evaluated when data is missing" are the reference: each
row is an evaluation range of five periods (0 good, X breaching, - missing) and the state
each ``TreatMissingData`` gives. ``None`` stands for "retain current state".
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest
from moto.cloudwatch.models import cloudwatch_backends

from harness.targets.embedded.release.alarms import (
    ALARM,
    INSUFFICIENT_DATA,
    OK,
    AlarmEvaluator,
    alarm_history,
    decide,
)
from harness.targets.embedded.release.clock import ReleaseClock

ACCOUNT, REGION = "123456789012", "us-east-1"
TREATMENTS = ("missing", "ignore", "breaching", "notBreaching")

# Data points, then the state for missing, ignore, breaching, notBreaching.
THREE_OF_THREE = [
    ("0-X-X", (OK, OK, OK, OK)),
    ("0----", (OK, OK, OK, OK)),
    ("-----", (INSUFFICIENT_DATA, None, ALARM, OK)),
    ("0XX-X", (ALARM, ALARM, ALARM, ALARM)),
    ("----X", (INSUFFICIENT_DATA, None, ALARM, OK)),
    ("X----", (ALARM, None, ALARM, OK)),
]
TWO_OF_THREE = [
    ("0-X-X", (ALARM, ALARM, ALARM, ALARM)),
    ("00X0X", (ALARM, ALARM, ALARM, ALARM)),
    ("0-X--", (OK, OK, ALARM, OK)),
    ("----0", (OK, OK, ALARM, OK)),
    ("----X", (INSUFFICIENT_DATA, None, ALARM, OK)),
]


def _alarm(treat: str, *, datapoints_to_alarm: int | None = None, name: str | None = None):
    backend = cloudwatch_backends[ACCOUNT][REGION]
    return backend.put_metric_alarm(
        name=name or f"alarm-{uuid.uuid4().hex[:8]}",
        namespace="Test",
        metric_name="Errors",
        comparison_operator="GreaterThanThreshold",
        evaluation_periods=3,
        datapoints_to_alarm=datapoints_to_alarm,
        period=60,
        threshold=0,
        statistic="Sum",
        description="",
        dimensions=[{"Name": "FunctionName", "Value": "fn"}],
        alarm_actions=[],
        treat_missing_data=treat,
    )


def _values(points: str) -> list[float | None]:
    return [{"0": 0.0, "X": 1.0, "-": None}[point] for point in points]


@pytest.mark.parametrize(("points", "states"), THREE_OF_THREE)
@pytest.mark.parametrize("treat", TREATMENTS)
def test_three_out_of_three_follows_the_guide(points: str, states: tuple, treat: str) -> None:
    evaluation = decide(_alarm(treat), _values(points), [float(i) for i in range(5)], 60)
    assert evaluation.state == states[TREATMENTS.index(treat)], evaluation.reason


@pytest.mark.parametrize(("points", "states"), TWO_OF_THREE)
@pytest.mark.parametrize("treat", TREATMENTS)
def test_two_out_of_three_follows_the_guide(points: str, states: tuple, treat: str) -> None:
    alarm = _alarm(treat, datapoints_to_alarm=2)
    evaluation = decide(alarm, _values(points), [float(i) for i in range(5)], 60)
    assert evaluation.state == states[TREATMENTS.index(treat)], evaluation.reason


def test_reason_names_the_datapoints_and_the_threshold() -> None:
    evaluation = decide(_alarm("missing"), _values("0XX-X"), [0.0, 60.0, 120.0, 180.0, 240.0], 60)
    assert evaluation.reason.startswith("Threshold Crossed: 3 out of the last 3 datapoints [1.0")
    assert "greater than the threshold (0.0)" in evaluation.reason
    assert evaluation.reason_data["recentDatapoints"] == [1.0, 1.0, 1.0]


def _put(name: str, value: float, at: float, dimensions: list[dict[str, str]]) -> None:
    cloudwatch_backends[ACCOUNT][REGION].put_metric_data(
        "Test",
        [
            {
                "MetricName": name,
                "Value": value,
                "Dimensions": dimensions,
                "Timestamp": datetime.fromtimestamp(at, UTC),
            }
        ],
    )


def test_evaluator_reads_exact_metrics_changes_state_and_records_history() -> None:
    """A datapoint of the same metric with one more dimension must not count (exact match)."""
    clock = ReleaseClock(60)
    alarm = _alarm("notBreaching")
    alarm.evaluation_periods, alarm.datapoints_to_alarm = 1, 1
    alarm.dimensions[0].value = function = f"fn-{uuid.uuid4().hex[:6]}"
    alarm.state_value = INSUFFICIENT_DATA  # as CloudWatch creates alarms
    published: list[tuple[str, str, str]] = []
    alarm.alarm_actions = ["arn:aws:sns:us-east-1:123456789012:topic"]
    evaluator = AlarmEvaluator(
        lambda: cloudwatch_backends[ACCOUNT][REGION],
        clock,
        owns=lambda candidate: candidate is alarm,
        publish=lambda *message: published.append(message),
    )
    period = clock.period_start(60, time.time()) - 5  # a whole second, well in the past
    dims = [{"Name": "FunctionName", "Value": function}]
    _put("Errors", 1.0, period + 0.5, [*dims, {"Name": "Resource", "Value": f"{function}:live"}])
    evaluator.evaluate_due(now=period + 1.5)
    assert alarm.state_value == OK
    _put("Errors", 1.0, period + 1.5, dims)
    evaluator.evaluate_due(now=period + 2.5)
    assert alarm.state_value == ALARM, alarm.state_reason
    assert "1 out of the last 1 datapoints [1.0" in alarm.state_reason
    history = alarm_history(cloudwatch_backends[ACCOUNT][REGION])
    mine = [item for item in history if item.alarm_name == alarm.name]
    assert [item.item_type for item in mine] == ["StateUpdate", "StateUpdate", "Action"]
    assert mine[1].summary == "Alarm updated from OK to ALARM"
    assert len(published) == 1
    assert published[0][0] == alarm.alarm_actions[0]
    assert published[0][1].startswith(f'ALARM: "{alarm.name}"')


def test_expression_alarm_evaluates_metric_math() -> None:
    """A 5xx-rate alarm: IF(requests > 0, 100 * errors / requests, 0) over two metrics."""
    from moto.cloudwatch.models import Dimension, Metric, MetricDataQuery, MetricStat

    clock = ReleaseClock(60)
    api = f"api-{uuid.uuid4().hex[:6]}"
    dims = [{"Name": "ApiId", "Value": api}]

    def stat(name: str) -> MetricStat:
        return MetricStat(Metric(name, "Test", [Dimension("ApiId", api)]), "60", "Sum", None)

    backend = cloudwatch_backends[ACCOUNT][REGION]
    alarm = backend.put_metric_alarm(
        name=f"rate-{api}",
        namespace=None,
        metric_name=None,
        metric_data_queries=[
            MetricDataQuery("errors", "", None, "false", metric_stat=stat("5xx")),
            MetricDataQuery("requests", "", None, "false", metric_stat=stat("Count")),
            MetricDataQuery(
                "rate", "", None, "true", "IF(requests > 0, 100 * errors / requests, 0)"
            ),
        ],
        comparison_operator="GreaterThanThreshold",
        evaluation_periods=1,
        period=None,
        threshold=10,
        statistic=None,
        description="",
        dimensions=[],
        alarm_actions=[],
        treat_missing_data="notBreaching",
    )
    evaluator = AlarmEvaluator(lambda: backend, clock, owns=lambda a: a is alarm, publish=print)
    period = clock.period_start(60, time.time()) - 5
    for index in range(10):
        _put("Count", 1.0, period + 0.05 * index, dims)
        _put("5xx", 1.0 if index < 2 else 0.0, period + 0.05 * index, dims)
    evaluator.evaluate_due(now=period + 1.5)
    assert alarm.state_value == ALARM, alarm.state_reason
    assert "[20.0" in alarm.state_reason


def test_alarms_on_dynamodb_metrics_always_ignore_missing_data() -> None:
    """PutMetricAlarm: "Alarms that evaluate metrics in the AWS/DynamoDB namespace always
    ignore missing data even if you choose a different option for TreatMissingData"."""
    alarm = _alarm("breaching")
    alarm.namespace = "AWS/DynamoDB"
    evaluation = decide(alarm, _values("-----"), [float(i) for i in range(5)], 60)
    assert evaluation.state is None
