"""The smoke gate's place in a pytest session: its report, prod safety and the verdict.

A smoke run (every path given lies in ``<suites dir>/smoke``) writes its JUnit to
``reports/smoke-<stage>.xml`` unless ``--junitxml`` is given, and runs under a session
timeout well below CodeBuild's, so the report is written even when a check hangs. Every
decision is an engine's in :mod:`harness.smoke`; the fixtures are in
:mod:`harness.plugin.smoke_fixtures`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NoReturn

import pytest

from harness.plugin.layers import layer_dir
from harness.plugin.options import settings_of
from harness.settings import HarnessSettings
from harness.smoke.report import GateReport, junit_path
from harness.smoke.safety import SafetyMode, decide, is_readonly, split_for_prod

REPORT_KEY = pytest.StashKey[GateReport]()
RecordProperty = Callable[[str, object], None]


def allowed_by(settings: HarnessSettings) -> str | None:
    """Where ``smoke_allow_mutating_on_prod`` was switched on, or ``None`` when it is off."""
    if not settings.smoke_allow_mutating_on_prod:
        return None
    return settings.source("smoke_allow_mutating_on_prod")


def _is_smoke_run(config: pytest.Config) -> bool:
    """Every path on the command line lies in the smoke layer (``tox -e smoke`` does that)."""
    suite = layer_dir(config, "smoke").resolve()
    paths = [config.invocation_params.dir / arg.split("::")[0] for arg in config.args]
    return bool(paths) and all(path.resolve().is_relative_to(suite) for path in paths)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Before junitxml and pytest-timeout read their options: the gate's report and timeouts."""
    config.stash[REPORT_KEY] = GateReport()
    if config.option.help or not _is_smoke_run(config):
        return
    settings = settings_of(config)
    if config.option.xmlpath is None:
        config.option.xmlpath = str(junit_path(config.rootpath, settings.stage))
    if getattr(config.option, "session_timeout", False) is None:
        config.option.session_timeout = settings.smoke_session_timeout_s
    if getattr(config.option, "timeout", False) is None:
        config.option.timeout = settings.smoke_test_timeout_s


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Smoke tests must be ``readonly`` or ``mutating``; with ``--stage prod`` only readonly run."""
    smoke = [item for item in items if item.get_closest_marker("smoke")]
    unmarked = [
        item.nodeid
        for item in smoke
        if not is_readonly(item) and item.get_closest_marker("mutating") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "smoke tests must be marked readonly or mutating: " + ", ".join(unmarked)
        )
    settings = settings_of(config)
    mode = decide(settings.stage, None, allowed_by(settings))
    if not smoke or not mode.readonly_only:
        return
    _, deselected = split_for_prod(smoke)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        dropped = set(deselected)
        items[:] = [item for item in items if item not in dropped]
        config.stash[REPORT_KEY].notes.append(
            f"deselected {len(deselected)} mutating test(s): {mode.reason}"
        )


@dataclass
class GateRecorder:
    """Writes what the gate learns where it is read: JUnit suite properties and the verdict."""

    report: GateReport
    record_property: RecordProperty

    def fact(self, name: str, value: str) -> None:
        self.record_property(name, value)
        self.report.facts[name] = value

    def note(self, name: str, value: str) -> None:
        """A property that also becomes a note under the checks (overrides, deselections)."""
        self.record_property(name, value)
        self.report.notes.append(value)

    def abort(self, message: str) -> NoReturn:
        """Fail the whole gate now: no further check runs and the exit code is non-zero."""
        self.report.aborted = message
        self.record_property("gate_aborted", message)
        pytest.exit(f"smoke gate: {message}", returncode=pytest.ExitCode.TESTS_FAILED)


@pytest.fixture(scope="session")
def smoke_gate(
    pytestconfig: pytest.Config, record_testsuite_property: RecordProperty
) -> GateRecorder:
    """Where fixtures record facts for the report, and how they abort the gate.

    Notes made before any fixture ran (prod deselection, at collection) become properties here.
    """
    report = pytestconfig.stash[REPORT_KEY]
    for note in report.notes:
        record_testsuite_property("note", note)
    return GateRecorder(report, record_testsuite_property)


@pytest.fixture(autouse=True)
def _prod_readonly_guard(request: pytest.FixtureRequest) -> None:
    """Skip a non-readonly smoke test when the resolved stack turns out to be prod."""
    item = request.node
    if not item.get_closest_marker("smoke") or is_readonly(item):
        return
    mode: SafetyMode = request.getfixturevalue("smoke_mode")
    if mode.readonly_only:
        pytest.skip(f"mutating test on prod: {mode.reason}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Iterator[pytest.TestReport]:
    """Feed each phase of a smoke test into the verdict: worst outcome, summed time."""
    report: pytest.TestReport = yield
    if item.get_closest_marker("smoke"):
        item.config.stash[REPORT_KEY].record_phase(
            item.nodeid.rpartition("/")[2], report.outcome, report.duration, _reason(report)
        )
    return report


def _reason(report: pytest.TestReport) -> str:
    """One line saying why a phase did not pass: the skip reason or the failure's message."""
    if report.passed:
        return ""
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    return text.strip().splitlines()[0] if text.strip() else report.outcome


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """The one-screen verdict, last thing in the log."""
    gate = config.stash[REPORT_KEY]
    if not gate.checks and gate.aborted is None:
        return
    terminalreporter.write_sep("=", "smoke gate")
    for line in gate.render():
        terminalreporter.write_line(line)
