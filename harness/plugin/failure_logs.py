"""A failing test's report carries the logs of the Lambda invocations it caused.

The mark is taken when the test body starts, so the logs of the deploy and of earlier
tests stay out; targets whose logs live elsewhere (CloudWatch) attach nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.plugin.targets import STACK_KEY

LOG_MARK_KEY = pytest.StashKey[int]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Remember where the stack's logs stood when the test body started."""
    deployed = item.config.stash.get(STACK_KEY, None)
    if deployed is not None:
        item.stash[LOG_MARK_KEY] = deployed.log_mark()
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Iterator[pytest.TestReport]:
    """Attach the logs of every invocation the failing test caused to its report."""
    report: pytest.TestReport = yield
    mark = item.stash.get(LOG_MARK_KEY, None)
    if report.when == "call" and report.failed and mark is not None:
        logs = item.config.stash[STACK_KEY].failure_logs(mark)
        if logs:
            report.sections.append(("Captured Lambda worker logs", logs))
    return report
