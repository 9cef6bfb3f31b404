"""Emulation gaps, never silent: in the terminal summary and as JUnit suite properties.

With pytest-xdist each worker deploys its own stack and finds the gaps itself, but a
worker's ``record_testsuite_property`` never reaches the controller's JUnit file; so each
worker hands its gaps to the controller (``workeroutput``), which records them once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest
from _pytest import junitxml

GAPS_KEY = pytest.StashKey[list[str]]()
_WORKER_GAPS = "harness_emulation_gaps"


def pytest_configure(config: pytest.Config) -> None:
    config.stash[GAPS_KEY] = []


def record_gaps(
    config: pytest.Config, described: Iterable[str], record: Callable[[str, object], None]
) -> None:
    """Note the session stack's gaps for the summary and the JUnit file."""
    for gap in described:
        record("emulation_gap", gap)
        config.stash[GAPS_KEY].append(gap)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On an xdist worker, hand the gaps to the controller, which prints the summary."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[_WORKER_GAPS] = session.config.stash[GAPS_KEY]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """xdist controller: collect the gaps each worker found (the same stack, so dedupe).

    The controller records them in JUnit through the same LogXML object the
    ``record_testsuite_property`` fixture writes to (pytest keeps it under
    ``junitxml.xml_key``).
    """
    del error
    known = node.config.stash[GAPS_KEY]
    new = [g for g in node.workeroutput.get(_WORKER_GAPS, []) if g not in known]
    known.extend(new)
    junit = node.config.stash.get(junitxml.xml_key, None)
    for described in new if junit is not None else ():
        junit.add_global_property("emulation_gap", described)


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    gaps = config.stash[GAPS_KEY]
    if gaps:
        terminalreporter.write_sep("-", f"emulation gaps ({len(gaps)}): not created, not tested")
        for described in gaps:
            terminalreporter.write_line(described)
