"""The run summary read back from JUnit files."""

from __future__ import annotations

from pathlib import Path

from harness.summary import collect, render

REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="{errors}" failures="{failures}" skipped="1"
 tests="10" time="2.5"></testsuite></testsuites>"""


def write(path: Path, failures: int = 0, errors: int = 0) -> None:
    path.write_text(REPORT.format(failures=failures, errors=errors))


def test_all_layers_passing_gives_pass(tmp_path: Path) -> None:
    write(tmp_path / "unit.xml")
    write(tmp_path / "smoke-dev.xml")
    table, ok = render(collect(tmp_path, ["unit", "smoke"]))
    assert ok
    assert "smoke-dev" in table
    assert table.endswith("verdict: PASS")


def test_a_failure_fails_the_verdict_and_counts_errors(tmp_path: Path) -> None:
    write(tmp_path / "unit.xml", failures=1, errors=2)
    table, ok = render(collect(tmp_path, ["unit"]))
    assert not ok
    assert "unit                         6       3        1      2.5  FAILED" in table


def test_a_missing_report_fails_the_verdict(tmp_path: Path) -> None:
    table, ok = render(collect(tmp_path, ["integration"]))
    assert not ok
    assert "NO REPORT" in table
