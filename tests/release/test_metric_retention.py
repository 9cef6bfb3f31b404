"""The metric store's retention: raw datapoints for CloudWatch's 3 hours, then one statistic set
per metric, unit and minute (on the compressed clock), in moto's list and the index alike.

Each test has a CloudWatch backend of its own, so rolling up touches no other test's data.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from moto.cloudwatch.models import CloudWatchBackend

from harness.targets.embedded.release.alarms import AlarmEvaluator
from harness.targets.embedded.release.clock import ReleaseClock
from harness.targets.embedded.release.statistics import (
    MetricIndex,
    metric_key,
    statistic_value,
)

ACCOUNT, REGION = "123456789012", "eu-west-1"
DIMENSIONS = [{"Name": "FunctionName", "Value": "fn"}]
KEY = metric_key("AWS/Lambda", "Duration", DIMENSIONS)


def _backend() -> CloudWatchBackend:
    return CloudWatchBackend(REGION, ACCOUNT)


def _put(backend: CloudWatchBackend, values: list[float], at: float, name: str = "Duration"):
    backend.put_metric_data(
        "AWS/Lambda",
        [
            {
                "MetricName": name,
                "Value": value,
                "Unit": "Milliseconds",
                "Dimensions": DIMENSIONS,
                "Timestamp": datetime.fromtimestamp(at, UTC),
            }
            for value in values
        ],
    )


def _stats(index: MetricIndex, start: float, end: float) -> dict[str, float | None]:
    samples = index.samples(KEY, start, end)
    names = ("SampleCount", "Sum", "Average", "Minimum", "Maximum", "p50")
    return {name: statistic_value(samples, name) for name in names}


def test_old_datapoints_become_one_statistic_set_per_period_with_exact_basic_statistics():
    backend, start = _backend(), 1_000_000.0
    for second in range(10):  # ten one-second periods of 100 values each
        _put(backend, [float(v) for v in range(second, second + 100)], start + second + 0.5)
    index = MetricIndex(backend)
    before = {second: _stats(index, start + second, start + second + 1) for second in range(10)}
    assert before[3]["p50"] == 52

    index.roll_up(start + 6, period_s=1.0)

    assert len(backend.metric_data) == 6 + 4 * 100  # six statistic sets, four periods raw
    for second in range(10):
        after = _stats(index, start + second, start + second + 1)
        rolled = second < 6
        assert {k: v for k, v in after.items() if k != "p50"} == {
            k: v for k, v in before[second].items() if k != "p50"
        }
        assert after["p50"] == (None if rolled else before[second]["p50"])
    whole = index.samples(KEY, start, start + 10)
    assert statistic_value(whole, "SampleCount") == 1000
    assert statistic_value(whole, "p50") is None  # the range holds rolled-up periods


def test_moto_still_lists_the_metric_and_the_index_reads_what_comes_after():
    backend, start = _backend(), 1_000_000.0
    _put(backend, [1.0, 2.0, 3.0], start + 0.5)
    _put(backend, [4.0], start + 5.5)
    index = MetricIndex(backend)
    index.roll_up(start + 5, period_s=1.0)
    _put(backend, [5.0, 6.0], start + 6.5)  # appended after the prefix shrank

    assert statistic_value(index.samples(KEY, start, start + 10), "SampleCount") == 6
    assert statistic_value(index.samples(KEY, start + 5, start + 10), "Sum") == 15
    _, listed = backend.list_metrics(None, "AWS/Lambda", "Duration", [])
    assert {datum.name for datum in listed} == {"Duration"}
    rolled = backend.metric_data[0]
    assert (rolled.sum, rolled.sample_count, rolled.min, rolled.max) == (6.0, 3.0, 1.0, 3.0)
    assert rolled.timestamp == datetime.fromtimestamp(start, UTC)


def test_a_second_pass_rolls_only_the_periods_that_aged_since_the_first():
    backend, start = _backend(), 1_000_000.0
    for second in range(6):
        _put(backend, [1.0, 3.0], start + second + 0.5)
    index = MetricIndex(backend)
    index.roll_up(start + 2, period_s=1.0)
    index.roll_up(start + 2.9, period_s=1.0)  # aligned down: nothing new to roll
    assert len(backend.metric_data) == 2 + 4 * 2
    index.roll_up(start + 4, period_s=1.0)
    assert len(backend.metric_data) == 4 + 2 * 2
    assert statistic_value(index.samples(KEY, start, start + 6), "Sum") == 24
    assert [s.rolled for s in index.samples(KEY, start, start + 6)] == [True] * 4 + [False] * 4


def test_a_datapoint_published_with_an_earlier_timestamp_is_read_in_its_period():
    backend, start = _backend(), 1_000_000.0
    _put(backend, [1.0], start + 5.5)
    index = MetricIndex(backend)
    assert statistic_value(index.samples(KEY, start, start + 10), "Sum") == 1
    _put(backend, [7.0], start + 1.5)  # EMF and put_metric_data may carry their own time
    assert statistic_value(index.samples(KEY, start + 1, start + 2), "Sum") == 7
    assert [s.timestamp for s in index.samples(KEY, start, start + 10)] == [
        start + 1.5,
        start + 5.5,
    ]


def test_the_evaluator_keeps_three_nominal_hours_raw_or_its_longest_alarm_range():
    clock = ReleaseClock(60)  # three nominal hours are 180 s here
    now = time.time()

    def rolled_after(backend: CloudWatchBackend) -> bool:
        _put(backend, [1.0, 2.0], now - 200)  # older than 3 nominal hours
        _put(backend, [1.0, 2.0], now - 100)  # younger
        evaluator = AlarmEvaluator(lambda: backend, clock, owns=lambda a: True, publish=print)
        evaluator.roll_up_metrics(now=now)
        samples = MetricIndex.of(backend).samples(KEY, now - 300, now)
        assert [s.rolled for s in samples[-2:]] == [False, False]
        return samples[0].rolled

    assert rolled_after(_backend())
    with_long_alarm = _backend()
    with_long_alarm.put_metric_alarm(
        name="hourly",
        namespace="AWS/Lambda",
        metric_name="Duration",
        comparison_operator="GreaterThanThreshold",
        evaluation_periods=3,  # with the two extra periods: 5 hours, 300 s here
        period=3600,
        threshold=1,
        statistic=None,
        extended_statistic="p99",
        description="",
        dimensions=DIMENSIONS,
        alarm_actions=[],
    )
    assert not rolled_after(with_long_alarm)


def test_memory_grows_with_periods_not_with_datapoints():
    backend, start = _backend(), 1_000_000.0
    for second in range(5):
        _put(backend, [float(v) for v in range(2000)], start + second + 0.5)
    MetricIndex(backend).roll_up(start + 5, period_s=1.0)
    assert len(backend.metric_data) == 5
