"""The ``reports`` of a build: its JUnit and coverage files found and summarised.

CodeBuild uploads each report group's files (``files`` under ``base-directory``) to the
group the key names, itself often a variable (``$TEST_REPORTS``, resolved in the build's
shell). The rehearsal keeps the counts a report group would show: tests, passed, failed,
errors, skipped, the failing tests' ids and the skipped ones' with their reasons (a skip
for a capability the endpoint lacks is how an emulation gap shows in a gate); line
coverage for coverage formats.
"""

from __future__ import annotations

import glob
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from harness.pipeline.buildspec import ReportGroup
from harness.summary import read_report


@dataclass(frozen=True)
class ReportSummary:
    """One report group of one build."""

    group: str
    file_format: str
    files: tuple[str, ...]
    tests: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    failed_tests: tuple[str, ...] = ()
    skipped_tests: tuple[str, ...] = ()
    """``classname::name: reason`` of each skipped test."""
    line_coverage: float | None = None
    problems: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> int:
        return self.tests - self.failures - self.errors - self.skipped

    def line(self) -> str:
        if self.line_coverage is not None:
            return f"{self.group}: line coverage {self.line_coverage:.1%}"
        return (
            f"{self.group}: {self.passed} passed, {self.failures} failed, {self.errors} errors, "
            f"{self.skipped} skipped"
        )


def summarize_reports(
    groups: Mapping[str, ReportGroup], source: Path, shell_value: Callable[[str], str]
) -> list[ReportSummary]:
    return [_summary(group, source, shell_value) for group in groups.values()]


def _summary(group: ReportGroup, source: Path, shell_value: Callable[[str], str]) -> ReportSummary:
    name = shell_value(group.name[1:]) if group.name.startswith("$") else group.name
    base = source / group.base_directory if group.base_directory else source
    files = sorted(
        {
            found
            for pattern in group.files
            for found in glob.glob(str(base / pattern), recursive=True)
            if Path(found).is_file()
        }
    )
    shown = tuple(str(Path(found).relative_to(source)) for found in files)
    if not files:
        return ReportSummary(
            name or group.name, group.file_format, (), problems=("no report files found",)
        )
    if group.is_coverage:
        return ReportSummary(
            name, group.file_format, shown, line_coverage=_cobertura_line_rate(Path(files[0]))
        )
    tests = failures = errors = skipped = 0
    failed: list[str] = []
    skipped_ids: list[str] = []
    problems: list[str] = []
    for found in files:
        try:
            result = read_report(Path(found))
            failing, skipping = _case_outcomes(Path(found))
        except ET.ParseError as error:
            problems.append(f"{found}: unreadable JUnit ({error})")
            continue
        failed += failing
        skipped_ids += skipping
        tests += result.tests
        failures += result.failures
        errors += result.errors
        skipped += result.skipped
    return ReportSummary(
        name,
        group.file_format,
        shown,
        tests,
        failures,
        errors,
        skipped,
        tuple(failed),
        tuple(skipped_ids),
        problems=tuple(problems),
    )


def _case_outcomes(report: Path) -> tuple[list[str], list[str]]:
    """The failed or errored test cases of a JUnit file, and the skipped ones with why."""
    failed, skipped = [], []
    for case in ET.parse(report).getroot().iter("testcase"):
        test_id = f"{case.get('classname', '')}::{case.get('name', '')}"
        if case.find("failure") is not None or case.find("error") is not None:
            failed.append(test_id)
        elif (skip := case.find("skipped")) is not None:
            skipped.append(f"{test_id}: {skip.get('message', '')}")
    return failed, skipped


def _cobertura_line_rate(report: Path) -> float | None:
    try:
        rate = ET.parse(report).getroot().get("line-rate")
    except ET.ParseError:
        return None
    return float(rate) if rate is not None else None
