"""A failing test's report carries the logs of the Lambda invocations it caused.

The mark is taken when the test body starts, so the logs of the deploy and of earlier
tests stay out; targets whose logs live elsewhere (CloudWatch) attach nothing. A session
attached to a running ``harness up`` attaches the lines that process logged meanwhile. The
section ends with the ``python -m harness logs`` command that shows the same logs again
from the work dir (kept after a failed session; a ``harness up``'s while it runs), bounded
by the test's start and end. After a
failed session the target's work dir (moto's and the workers' logs) is kept (see the
``target`` fixture) and named at the end of the summary, relayed from xdist workers.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.plugin.targets import KEPT_WORKDIRS_KEY, STACK_KEY

LOG_MARK_KEY = pytest.StashKey[int]()
_WORKER_KEPT_WORKDIRS = "harness_kept_workdirs"


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
        stack = item.config.stash[STACK_KEY]
        logs = stack.failure_logs(mark)
        if logs:
            again = stack.logs_command(call.start, call.stop)
            if again is not None:
                logs += f"\n\nAgain, with harness logs:\n{again}"
            report.sections.append(("Captured Lambda worker logs", logs))
    return report


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """On an xdist worker, hand the kept work dirs to the controller's summary.

    ``trylast``: after pytest's own hook, which tears down what an interrupted session had
    left of the session fixtures (the target among them).
    """
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[_WORKER_KEPT_WORKDIRS] = session.config.stash.get(KEPT_WORKDIRS_KEY, [])


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    del error
    kept = node.workeroutput.get(_WORKER_KEPT_WORKDIRS, [])
    node.config.stash.setdefault(KEPT_WORKDIRS_KEY, []).extend(kept)


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    for workdir in config.stash.get(KEPT_WORKDIRS_KEY, []):
        terminalreporter.write_line(
            f"harness: work dir kept after the failed session (moto's and the Lambda workers' "
            f"logs): {workdir}"
        )
