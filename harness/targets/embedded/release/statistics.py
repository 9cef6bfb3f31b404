"""CloudWatch's reading of metric data: exact metrics, aligned periods, statistics, percentiles.

moto stores every datapoint (``put_metric_data``, and the metrics the release emulation
records) in its CloudWatch backend, but its own queries differ from CloudWatch in ways an
alarm cannot live with: they match dimensions as a subset (a query by ``FunctionName``
would also add up the datapoints published by ``FunctionName`` and ``Resource``), start
periods at the first datapoint instead of aligning them, and know no percentiles. So the
alarm evaluator and the ``GetMetricData`` / ``GetMetricStatistics`` answers read moto's
datapoints through this module instead, the way the CloudWatch user guide defines a
metric ("a metric is uniquely defined by a name, a namespace, and zero or more dimensions";
each unique combination of dimensions is a separate metric) and its statistics (Sum,
Average, Minimum, Maximum, SampleCount, ``pNN`` percentiles; IQM and trimmed means are
not emulated).

:class:`MetricIndex` indexes moto's datapoint list incrementally, each metric's samples in
time order, so a query costs the datapoints of its window (a bisection), not every
datapoint the metric ever had.

Retention. Every invocation puts about 24 datapoints (Lambda's and API Gateway's metrics
under each of their dimension sets), about 16 KB of memory a request with moto's objects:
a ``harness up`` serving 100 requests a second would grow by gigabytes an hour. CloudWatch
keeps data points of periods under a minute for 3 hours, and aggregates data published at
a shorter period for long-term storage (GetMetricData API reference, "Amazon CloudWatch
retains metric data as follows"). So does :meth:`MetricIndex.roll_up`, on the compressed
clock: datapoints older than 3 nominal hours become one statistic set per metric, unit and
nominal minute, in moto's list and in the index alike, and memory grows with the time
served, not with the requests. Their SampleCount, Sum, Average, Minimum and Maximum stay
exact; their percentiles are gone, where CloudWatch keeps them: a percentile of a period
holding rolled-up data is no datapoint (an emulation gap the README lists under "Not
emulated"). Alarms never meet one: the evaluator keeps raw data for its longest range.
"""

from __future__ import annotations

import bisect
import math
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from moto.cloudwatch.models import MetricAggregatedDatum

from harness.targets.embedded.release.state import extension

BASIC_STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
_PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?|100)$")

MetricKey = tuple[str, str, frozenset[tuple[str, str]]]


def metric_key(namespace: str, name: str, dimensions: Iterable[Mapping[str, str]]) -> MetricKey:
    """The identity of one metric: namespace, name and the exact set of dimensions."""
    return (namespace, name, frozenset((d["Name"], d["Value"]) for d in dimensions))


RAW_RETENTION_NOMINAL_S = 3 * 3600.0
"""How long datapoints are kept as published (CloudWatch's 3 hours for sub-minute periods)."""
ROLLUP_PERIOD_NOMINAL_S = 60.0
"""The period older datapoints are aggregated to (CloudWatch's one minute)."""


@dataclass(frozen=True, slots=True)
class Sample:
    """One stored datapoint: a value, or a statistic set (``count`` values summing to ``total``).

    ``rolled`` marks a statistic set made by :meth:`MetricIndex.roll_up`.
    """

    timestamp: float
    total: float
    count: float
    minimum: float
    maximum: float
    unit: str | None
    value: float | None = None
    rolled: bool = False


def _timestamp(sample: Sample) -> float:
    return sample.timestamp


class MetricIndex:
    """Samples of every metric in one moto CloudWatch backend, by :func:`metric_key`."""

    def __init__(self, backend: Any) -> None:
        self._backend = backend
        self._lock = threading.Lock()
        self._seen = 0
        self._samples: dict[MetricKey, list[Sample]] = defaultdict(list)
        self._rolled_datums = 0  # moto's list starts with this many rolled-up datums
        self._rolled_until = -math.inf

    @classmethod
    def of(cls, backend: Any) -> MetricIndex:
        """The index of ``backend`` (one per backend, shared by whoever reads it)."""
        return extension(backend, "metric_index", lambda: cls(backend))

    def samples(self, key: MetricKey, start: float, end: float) -> list[Sample]:
        """The samples of one metric with ``start <= timestamp < end``, oldest first."""
        with self._lock:
            self._refresh()
            stored = self._samples.get(key, [])
            low = bisect.bisect_left(stored, start, key=_timestamp)
            return stored[low : bisect.bisect_left(stored, end, lo=low, key=_timestamp)]

    def roll_up(self, before: float, period_s: float) -> None:
        """Aggregate the datapoints timestamped before ``before`` (see the module doc).

        ``before`` is aligned down on ``period_s`` (wall-clock seconds), so a period is never
        split between two passes. Datapoints are appended to moto's list concurrently (the
        recorder does not take this lock); the rolled-up prefix is replaced in one slice
        assignment, which the GIL makes atomic, and appends land after it.
        """
        before = math.floor(before / period_s) * period_s
        with self._lock:
            self._refresh()
            if before <= self._rolled_until:
                return
            self._roll_up_datums(before, period_s)
            for stored in self._samples.values():
                low = bisect.bisect_left(stored, self._rolled_until, key=_timestamp)
                high = bisect.bisect_left(stored, before, lo=low, key=_timestamp)
                if high > low:
                    stored[low:high] = _rolled_samples(stored[low:high], period_s)
            self._rolled_until = before

    def _roll_up_datums(self, before: float, period_s: float) -> None:
        """moto's side: the old datums after the rolled-up prefix become statistic sets."""
        data = self._backend.metric_data
        first = end = self._rolled_datums
        while end < self._seen and _epoch(data[end].timestamp) < before:
            end += 1
        if end == first:
            return
        groups: dict[tuple[MetricKey, str | None, float], list[Any]] = defaultdict(list)
        for datum in data[first:end]:
            key = metric_key(datum.namespace, datum.name, _dims(datum))
            start = math.floor(_epoch(datum.timestamp) / period_s) * period_s
            groups[key, datum.unit, start].append(datum)
        rolled = [_rolled_datum(datums, start) for (_, _, start), datums in groups.items()]
        data[first:end] = rolled
        self._seen -= (end - first) - len(rolled)
        self._rolled_datums += len(rolled)

    def _refresh(self) -> None:
        data = self._backend.metric_data
        new = data[self._seen :]
        self._seen += len(new)
        for datum in new:
            stored = self._samples[metric_key(datum.namespace, datum.name, _dims(datum))]
            sample = _sample(datum)
            if not stored or stored[-1].timestamp <= sample.timestamp:
                stored.append(sample)
            else:  # published with an earlier timestamp of its own
                bisect.insort_right(stored, sample, key=_timestamp)


def _rolled_samples(samples: Sequence[Sample], period_s: float) -> list[Sample]:
    """One statistic set per unit and period for ``samples`` (time-ordered), in time order."""
    groups: dict[tuple[float, str | None], list[Sample]] = defaultdict(list)
    for sample in samples:
        groups[math.floor(sample.timestamp / period_s) * period_s, sample.unit].append(sample)
    rolled = [_statistic_set(members, start, unit) for (start, unit), members in groups.items()]
    return sorted(rolled, key=_timestamp)


def _statistic_set(samples: Sequence[Sample], start: float, unit: str | None) -> Sample:
    """``samples`` of one metric, unit and period as one rolled-up statistic set."""
    return Sample(
        start,
        sum(s.total for s in samples),
        sum(s.count for s in samples),
        min(s.minimum for s in samples),
        max(s.maximum for s in samples),
        unit,
        rolled=True,
    )


def _rolled_datum(datums: Sequence[Any], start: float) -> Any:
    """moto's statistic-set datum for ``datums`` of one metric, unit and period."""
    first = datums[0]
    rolled = _statistic_set([_sample(datum) for datum in datums], start, first.unit)
    return MetricAggregatedDatum(
        first.namespace,
        first.name,
        rolled.minimum,
        rolled.maximum,
        rolled.count,
        rolled.total,
        _dims(first),
        datetime.fromtimestamp(start, UTC),
        first.unit,
    )


def _dims(datum: Any) -> list[dict[str, str]]:
    return [{"Name": d.name, "Value": d.value} for d in datum.dimensions]


def _sample(datum: Any) -> Sample:
    timestamp = _epoch(datum.timestamp)
    if hasattr(datum, "value"):
        value = float(datum.value)
        return Sample(timestamp, value, 1.0, value, value, datum.unit, value)
    return Sample(
        timestamp,
        float(datum.sum),
        float(datum.sample_count),
        float(datum.min),
        float(datum.max),
        datum.unit,
    )


def _epoch(moment: datetime | float) -> float:
    return moment if isinstance(moment, int | float) else moment.timestamp()


_BASIC: dict[str, Callable[[Sequence[Sample]], float]] = {
    "SampleCount": lambda samples: sum(s.count for s in samples),
    "Sum": lambda samples: sum(s.total for s in samples),
    "Average": lambda samples: sum(s.total for s in samples) / sum(s.count for s in samples),
    "Minimum": lambda samples: min(s.minimum for s in samples),
    "Maximum": lambda samples: max(s.maximum for s in samples),
}


def is_statistic(statistic: str) -> bool:
    return statistic in BASIC_STATISTICS or _PERCENTILE.match(statistic) is not None


def statistic_value(samples: Sequence[Sample], statistic: str) -> float | None:
    """One statistic over a period's samples; ``None`` when it cannot be computed.

    A percentile needs raw values: statistic sets (``StatisticValues``) do not count.
    Percentiles use the nearest-rank method.
    """
    if not samples:
        return None
    basic = _BASIC.get(statistic)
    if basic is not None:
        return basic(samples)
    match = _PERCENTILE.match(statistic)
    if match is None:
        raise ValueError(f"statistic {statistic!r} is not emulated")
    if any(s.rolled for s in samples):
        return None  # rolled up after the raw retention: percentiles are gone
    values = sorted(s.value for s in samples if s.value is not None)
    if not values:
        return None
    rank = math.ceil(float(match.group(1)) / 100 * len(values))
    return values[max(rank, 1) - 1]


def raw_value_count(samples: Sequence[Sample]) -> int:
    """How many single values a period holds (what a percentile is computed from)."""
    return sum(1 for s in samples if s.value is not None)


def period_samples(
    index: MetricIndex,
    key: MetricKey,
    *,
    start: float,
    end: float,
    period_s: float,
    unit: str | None = None,
) -> dict[float, list[Sample]]:
    """The samples of each period of ``[start, end)`` that has any, by period start.

    ``start`` must be aligned on ``period_s`` (the caller aligns it, see the clock).
    """
    buckets: dict[float, list[Sample]] = defaultdict(list)
    for sample in index.samples(key, start, end):
        if unit is None or sample.unit == unit:
            offset = math.floor((sample.timestamp - start) / period_s)
            buckets[period_at(start, offset, period_s)].append(sample)
    return dict(sorted(buckets.items()))


def period_at(start: float, offset: int, period_s: float) -> float:
    """The start of the ``offset``-th period after ``start``, rounded so keys compare equal."""
    return round(start + offset * period_s, 6)


def series(
    index: MetricIndex,
    key: MetricKey,
    statistic: str,
    *,
    start: float,
    end: float,
    period_s: float,
    unit: str | None = None,
) -> dict[float, float]:
    """``{period start: statistic}`` for each period in ``[start, end)`` that has samples."""
    buckets = period_samples(index, key, start=start, end=end, period_s=period_s, unit=unit)
    values = {bucket: statistic_value(samples, statistic) for bucket, samples in buckets.items()}
    return {bucket: value for bucket, value in values.items() if value is not None}
