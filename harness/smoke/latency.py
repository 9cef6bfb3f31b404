"""The latency budget: p95 of N readonly requests, measured after warm-up.

Wall time around the whole client call, retries included: that is what a caller waits.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

from harness.smoke.client import ApiClient


@dataclass(frozen=True)
class LatencyFigures:
    """Milliseconds over ``samples`` requests, and the budget they are judged against."""

    samples: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    budget_ms: float
    statuses: tuple[int, ...]

    @property
    def within_budget(self) -> bool:
        return self.p95_ms <= self.budget_ms

    def as_properties(self) -> dict[str, str]:
        """Flat name/value pairs for the JUnit suite properties."""
        return {
            "latency_samples": str(self.samples),
            "latency_p50_ms": f"{self.p50_ms:.1f}",
            "latency_p95_ms": f"{self.p95_ms:.1f}",
            "latency_max_ms": f"{self.max_ms:.1f}",
            "latency_budget_ms": f"{self.budget_ms:g}",
        }

    def describe(self) -> str:
        return (
            f"p95 {self.p95_ms:.1f} ms (budget {self.budget_ms:g} ms), p50 {self.p50_ms:.1f} ms, "
            f"max {self.max_ms:.1f} ms over {self.samples} requests"
        )


def percentiles(durations_ms: Sequence[float]) -> tuple[float, float]:
    """(p50, p95), interpolated between samples (``statistics.quantiles``, inclusive)."""
    if len(durations_ms) == 1:
        return durations_ms[0], durations_ms[0]
    cuts = statistics.quantiles(durations_ms, n=100, method="inclusive")
    return cuts[49], cuts[94]


def measure(
    client: ApiClient, paths: Sequence[str], samples: int, budget_ms: float
) -> LatencyFigures:
    """Send ``samples`` GETs, cycling through ``paths``; the figures, whatever they are."""
    durations: list[float] = []
    statuses: list[int] = []
    for n in range(samples):
        started = time.perf_counter()
        response = client.get(paths[n % len(paths)])
        durations.append((time.perf_counter() - started) * 1000)
        statuses.append(response.status_code)
    p50, p95 = percentiles(durations)
    return LatencyFigures(samples, p50, p95, max(durations), budget_ms, tuple(statuses))
