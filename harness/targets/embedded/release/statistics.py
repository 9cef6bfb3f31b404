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

:class:`MetricIndex` indexes moto's append-only datapoint list incrementally, so a query
costs the datapoints of its metric, not every datapoint ever stored.
"""

from __future__ import annotations

import math
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from harness.targets.embedded.release.state import extension

BASIC_STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
_PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?|100)$")

MetricKey = tuple[str, str, frozenset[tuple[str, str]]]


def metric_key(namespace: str, name: str, dimensions: Iterable[Mapping[str, str]]) -> MetricKey:
    """The identity of one metric: namespace, name and the exact set of dimensions."""
    return (namespace, name, frozenset((d["Name"], d["Value"]) for d in dimensions))


@dataclass(frozen=True)
class Sample:
    """One stored datapoint: a value, or a statistic set (``count`` values summing to ``total``)."""

    timestamp: float
    total: float
    count: float
    minimum: float
    maximum: float
    unit: str | None
    value: float | None = None


class MetricIndex:
    """Samples of every metric in one moto CloudWatch backend, by :func:`metric_key`."""

    def __init__(self, backend: Any) -> None:
        self._backend = backend
        self._lock = threading.Lock()
        self._seen = 0
        self._samples: dict[MetricKey, list[Sample]] = defaultdict(list)

    @classmethod
    def of(cls, backend: Any) -> MetricIndex:
        """The index of ``backend`` (one per backend, shared by whoever reads it)."""
        return extension(backend, "metric_index", lambda: cls(backend))

    def samples(self, key: MetricKey, start: float, end: float) -> list[Sample]:
        """The samples of one metric with ``start <= timestamp < end``."""
        with self._lock:
            self._refresh()
            return [s for s in self._samples.get(key, ()) if start <= s.timestamp < end]

    def _refresh(self) -> None:
        data = self._backend.metric_data
        for datum in data[self._seen :]:
            self._samples[metric_key(datum.namespace, datum.name, _dims(datum))].append(
                _sample(datum)
            )
        self._seen = len(data)


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
