"""Unit-layer fixtures of the items app: its API over empty tables, and its table."""

from __future__ import annotations

from typing import Any

import pytest

from harness import InProcessApi, MotoUnitBackend


@pytest.fixture
def api(inprocess_api: InProcessApi, unit_aws: MotoUnitBackend) -> InProcessApi:
    """The in-process API over empty tables."""
    return inprocess_api


@pytest.fixture
def table(unit_aws: MotoUnitBackend) -> Any:
    """The items table, to arrange and inspect what the handlers stored."""
    return unit_aws.table("ItemsTable")
