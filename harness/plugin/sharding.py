"""``--shard K/N``: run one deterministic, duration-balanced share of the collected tests.

The pytest wiring of :mod:`harness.pipeline.sharding`, which decides the assignment; a CodeBuild
batch build runs one shard per build (``HARNESS_SHARD``) and merges their JUnit files.
"""

from __future__ import annotations

import pytest

from harness.plugin.options import settings_of


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect every test not in this session's shard."""
    settings = settings_of(config)
    if not settings.shard:
        return
    from harness.pipeline.sharding import ShardError, assign, parse_shard, read_durations

    try:
        index, count = parse_shard(settings.shard)
        durations = read_durations(settings.test_durations)
    except ShardError as error:
        raise pytest.UsageError(str(error)) from error
    kept = set(assign((item.nodeid for item in items), durations, count)[index - 1])
    deselected = [item for item in items if item.nodeid not in kept]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item.nodeid in kept]
