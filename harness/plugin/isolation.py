"""The offline fence of the unit and template layers: loopback only, fake credentials.

pytest-socket's ``allow_hosts`` marker refuses connections to anything but loopback, and
:func:`~harness.offline.isolation.loopback_only_resolution` makes a name lookup fail naming the
host, so a test that would reach AWS fails saying where it tried to go.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.offline.isolation import (
    LOOPBACK_HOSTS,
    OFFLINE_AWS_ENV,
    OFFLINE_AWS_UNSET,
    loopback_only_resolution,
)

OFFLINE_LAYERS = frozenset({"unit", "template"})


def _offline(item: pytest.Item) -> bool:
    return any(item.get_closest_marker(layer) for layer in OFFLINE_LAYERS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Offline layers get pytest-socket's ``allow_hosts`` (the layer markers come first)."""
    for item in items:
        if _offline(item):
            item.add_marker(pytest.mark.allow_hosts(list(LOOPBACK_HOSTS)))


@pytest.fixture(autouse=True)
def _offline_layer_isolation(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Fake credentials and loopback-only name resolution for unit and template tests."""
    if not _offline(request.node):
        yield
        return
    for name in OFFLINE_AWS_UNSET:
        monkeypatch.delenv(name, raising=False)
    for name, value in OFFLINE_AWS_ENV.items():
        monkeypatch.setenv(name, value)
    with loopback_only_resolution():
        yield
