"""The layer markers: a test's layer is the folder it lives in, under ``harness_suites_dir``.

From the folder, so a test can never be filed under one layer and selected as another.
The folder is an option (default ``suites``), so a repository whose layers live in
``tests/unit``, ``tests/integration``... sets ``harness_suites_dir = tests`` and gets
the same markers. ``readonly`` and ``mutating`` are set by the tests themselves.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.plugin.options import settings_of

LAYERS = ("unit", "template", "integration", "smoke")
MARKERS = {
    "unit": "unit layer: handlers and data layer against moto, in-process",
    "template": "template layer: SAM source, transformed CloudFormation, pipeline, cfn-lint",
    "integration": "integration layer: a deployed stack on the selected target",
    "smoke": "smoke layer: the post-deploy gate",
    "readonly": "sends no request that changes state; safe on prod",
    "mutating": "creates or deletes data; never run against prod unless overridden",
}


def pytest_configure(config: pytest.Config) -> None:
    for name, description in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {description}")


def layer_dir(config: pytest.Config, layer: str) -> Path:
    """The folder of one layer, e.g. ``<rootdir>/suites/smoke``."""
    return settings_of(config).suites_dir / layer


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test of ``<suites dir>/<layer>/`` with its layer, before anyone reads them."""
    suites = settings_of(config).suites_dir.resolve()
    for item in items:
        path = item.path.resolve()
        if path.is_relative_to(suites):
            parts = path.relative_to(suites).parts
            if len(parts) > 1 and parts[0] in LAYERS:
                item.add_marker(parts[0])
