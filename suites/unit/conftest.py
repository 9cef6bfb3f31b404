"""Unit-layer fixtures specific to the items app: an in-process client routed by the template."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from harness import InProcessApi, MotoUnitBackend


@pytest.fixture(scope="session")
def items_api(
    app_template_path: Any, lambda_handler: Callable[[str], Any], unit_backend: MotoUnitBackend
) -> InProcessApi:
    """The app's routes from its template, each answered by its handler in this process."""
    return InProcessApi.from_template(app_template_path, lambda_handler)


@pytest.fixture
def api(items_api: InProcessApi, unit_aws: MotoUnitBackend) -> InProcessApi:
    """The in-process API over empty tables."""
    return items_api


@pytest.fixture
def table(unit_aws: MotoUnitBackend) -> Any:
    """The items table, to arrange and inspect what the handlers stored."""
    return unit_aws.table("ItemsTable")
