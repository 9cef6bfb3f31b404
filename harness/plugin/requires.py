"""``@pytest.mark.requires(*capabilities)``: decided at collection, before any fixture is built.

A test whose target lacks a capability it names is skipped there and then, with the
reason, so a deploy that fails (or a target that is slow to start) never turns such a test
into an error. The capabilities are known from the target's name without starting it
(:func:`harness.targets.registry.capabilities_for`), narrowed when the session attaches to
a running ``harness up``: the attached embedded target offers that process's capabilities
minus ``deploy``, the aws target at its endpoint only what both offer.
"""

from __future__ import annotations

import pytest

from harness.plugin.options import settings_of
from harness.plugin.targets import running_up
from harness.targets.base import Capability
from harness.targets.registry import capabilities_for


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "requires(*capabilities): skip unless the target has every capability named "
        f"(one of {', '.join(sorted(Capability.ALL))})",
    )


def required(item: pytest.Item) -> tuple[str, ...]:
    """Every capability the test's ``requires`` markers name (module, class and function)."""
    return tuple(dict.fromkeys(c for mark in item.iter_markers("requires") for c in mark.args))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    marked = [(item, required(item)) for item in items if item.get_closest_marker("requires")]
    if not marked:
        return
    name = settings_of(config).target
    offered = capabilities_for(name, running_up(config))
    for item, capabilities in marked:
        unknown = sorted(set(capabilities) - Capability.ALL)
        if unknown:
            raise pytest.UsageError(
                f"{item.nodeid}: requires() names unknown capabilities {unknown}; "
                f"known: {', '.join(sorted(Capability.ALL))}"
            )
        missing = [capability for capability in capabilities if capability not in offered]
        if missing:
            reason = f"target '{name}' lacks capability {', '.join(missing)}"
            item.add_marker(pytest.mark.skip(reason=reason))


def requires(*capabilities: str) -> pytest.MarkDecorator:
    """``@harness.requires("lambda_alias")``: the ``requires`` marker, names checked now.

    The same as ``@pytest.mark.requires(...)``, except that a misspelt capability fails at
    import with the known names instead of at collection.
    """
    unknown = sorted(set(capabilities) - Capability.ALL)
    if unknown:
        known = ", ".join(sorted(Capability.ALL))
        raise ValueError(f"requires(): unknown capabilities {unknown}; known: {known}")
    return pytest.mark.requires(*capabilities)
