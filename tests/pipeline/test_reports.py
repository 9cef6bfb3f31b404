"""A build's JUnit reports summarised as its report group would show them."""

from __future__ import annotations

from pathlib import Path

from harness.pipeline.buildspec import ReportGroup
from harness.pipeline.reports import summarize_reports

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="4" failures="1" errors="0" skipped="1">
<testcase classname="suites.smoke.test_release" name="test_live_alias" />
<testcase classname="suites.smoke.test_health" name="test_health">
<failure message="500" /></testcase>
<testcase classname="suites.smoke.test_release" name="test_alarms">
<skipped type="pytest.skip" message="target embedded lacks capability alarms" /></testcase>
<testcase classname="suites.smoke.test_crud" name="test_round_trip" />
</testsuite></testsuites>
"""


def test_failed_and_skipped_tests_are_named_skips_with_their_reason(tmp_path: Path) -> None:
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "smoke-staging.xml").write_text(JUNIT)
    group = ReportGroup("$TEST_REPORTS", ("smoke-*.xml",), base_directory="reports")
    (summary,) = summarize_reports({"smoke": group}, tmp_path, lambda name: f"group-of-{name}")
    assert summary.group == "group-of-TEST_REPORTS"
    assert (summary.tests, summary.passed, summary.failures, summary.skipped) == (4, 2, 1, 1)
    assert summary.failed_tests == ("suites.smoke.test_health::test_health",)
    assert summary.skipped_tests == (
        "suites.smoke.test_release::test_alarms: target embedded lacks capability alarms",
    )
