"""Readonly requests stay within the latency budget once the API is warm."""

from __future__ import annotations

import pytest

from harness import LatencyFigures

pytestmark = pytest.mark.readonly


def test_p95_latency_is_within_budget(smoke_latency: LatencyFigures) -> None:
    assert set(smoke_latency.statuses) == {200}, smoke_latency.statuses
    assert smoke_latency.within_budget, smoke_latency.describe()
