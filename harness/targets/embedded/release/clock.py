"""The compressed clock of the release emulation: minutes of CodeDeploy and CloudWatch in seconds.

A ``Canary10Percent5Minutes`` release waits five minutes between its two traffic shifts and
an errors alarm looks at one-minute periods; tests and ``harness up`` cannot wait that long.
So every *duration* of the release emulation is divided by ``scale`` (ini
``harness_release_time_scale``): at the default 60 a nominal minute lasts one wall-clock
second, the canary takes five seconds and an alarm with ``Period: 60`` aggregates one
second of invocations. 60 is the largest scale at which the shortest period anyone alarms
on (CloudWatch's high-resolution 10 s) still spans a sixth of a second, comfortably more
than a request's round trip here, so a request is never split from its period by timing
noise; and a minute-to-second mapping is easy to reason about when reading a test.

Dates are never compressed: metric timestamps, alarm state changes and deployment times
are real UTC times. CloudWatch aligns periods on whole multiples of the period (minutes on
the minute); here a period of ``P`` nominal seconds is the wall-clock window
``[k * P / scale, (k + 1) * P / scale)`` since the epoch, aligned the same way. A client
reading metrics with ``get_metric_statistics`` therefore sees real timestamps; to see the
datapoints an alarm sees, ask for ``Period = P / scale`` (1 s for a 60 s alarm at 60).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

DEFAULT_TIME_SCALE = 60.0


@dataclass(frozen=True)
class ReleaseClock:
    """Nominal durations (seconds as AWS states them) turned into wall-clock ones."""

    scale: float = DEFAULT_TIME_SCALE

    def __post_init__(self) -> None:
        if not self.scale > 0:
            raise ValueError(f"harness_release_time_scale must be positive, got {self.scale}")

    def wall(self, nominal_s: float) -> float:
        """How long ``nominal_s`` lasts on this machine."""
        return nominal_s / self.scale

    def wait(self, nominal_s: float, stop: threading.Event) -> bool:
        """Wait ``nominal_s`` (compressed); True when ``stop`` was set meanwhile."""
        return stop.wait(self.wall(nominal_s))

    def period_start(self, period_s: float, at: float | None = None) -> float:
        """Epoch seconds at which the compressed period of ``period_s`` holding ``at`` began."""
        length = self.wall(period_s)
        moment = time.time() if at is None else at
        return math.floor(moment / length) * length
