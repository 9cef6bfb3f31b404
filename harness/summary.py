"""A one-screen summary of a run, read back from the JUnit files in ``reports/``.

Standard library only: ``dev.py`` imports it with the bare system Python after tox has
finished, so the summary also appears when a layer's environment failed to build (that
layer then shows as "no report" and the run fails).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LayerResult:
    """Counts of one JUnit report (all its test suites added up)."""

    name: str
    tests: int
    failures: int
    errors: int
    skipped: int
    seconds: float

    @property
    def passed(self) -> int:
        return self.tests - self.failures - self.errors - self.skipped

    @property
    def ok(self) -> bool:
        return self.failures == 0 and self.errors == 0


def read_report(path: Path) -> LayerResult:
    """Add up the ``<testsuite>`` counts of one JUnit file (xunit2 or legacy)."""
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    seconds = 0.0
    for suite in suites:
        for key in total:
            total[key] += int(suite.get(key, 0))
        seconds += float(suite.get("time", 0.0))
    return LayerResult(path.stem, seconds=seconds, **total)


def collect(reports: Path, expected: list[str]) -> dict[str, list[LayerResult]]:
    """The reports of each expected tox environment (``<env>.xml`` or ``<env>-*.xml``)."""
    found: dict[str, list[LayerResult]] = {}
    for env in expected:
        paths = sorted({*reports.glob(f"{env}.xml"), *reports.glob(f"{env}-*.xml")})
        found[env] = [read_report(path) for path in paths]
    return found


def render(found: dict[str, list[LayerResult]]) -> tuple[str, bool]:
    """The summary table and whether every expected layer reported and passed."""
    header = f"{'layer':<22}{'passed':>8}{'failed':>8}{'skipped':>9}{'time s':>9}  result"
    lines = [header, "-" * len(header)]
    all_ok = True
    for env, results in found.items():
        if not results:
            lines.append(f"{env:<22}{'':>8}{'':>8}{'':>9}{'':>9}  NO REPORT")
            all_ok = False
        for result in results:
            verdict = "ok" if result.ok else "FAILED"
            all_ok = all_ok and result.ok
            lines.append(
                f"{result.name:<22}{result.passed:>8}{result.failures + result.errors:>8}"
                f"{result.skipped:>9}{result.seconds:>9.1f}  {verdict}"
            )
    lines.append("-" * len(header))
    lines.append("verdict: " + ("PASS" if all_ok else "FAIL"))
    return "\n".join(lines), all_ok


def print_summary(reports: Path, expected: list[str]) -> bool:
    """Print the summary of ``reports/`` for the given tox environments; True if all passed."""
    table, ok = render(collect(reports, expected))
    print(f"\nSummary of {reports}/\n{table}")
    return ok
