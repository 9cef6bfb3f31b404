"""The check pack's findings on the day of adoption, written as ignores with a reason each.

The starter suites must pass on their first run, and an app adopting the harness rarely
follows every practice the pack (or cfn-lint's serverless rules) checks. So ``init`` runs
both once and writes each pack finding as a ``harness_check_ignores`` line for that
resource, and each cfn-lint error rule into the starter template test's ignores, each
saying it is a baseline to fix: the pack is on from the first run, every new resource is
checked, and every exception shows in each run's report as a skip naming the resource and
the reason (the way linters' baseline files work).
"""

from __future__ import annotations

from harness.checks import CHECKS, CheckInput
from harness.template.lint_report import LintReport

REASON = "baseline from harness init ({finding}), fix it then delete this line"
LINT_REASON = "baseline from harness init ({finding}): fix it, then delete this entry"


def baseline(checked: CheckInput) -> list[str]:
    """One ``ID Subject: reason`` line per subject a check finds at fault."""
    lines = []
    for check in CHECKS:
        seen: set[str] = set()
        for finding in check.evaluate(checked).findings:
            if finding.subject in seen:
                continue
            seen.add(finding.subject)
            short = finding.message.split(": ")[0].replace("#", "").replace(";", ",")
            lines.append(f"{check.id} {finding.subject}: {REASON.format(finding=short)}")
    return lines


def lint_baseline(reports: list[LintReport]) -> dict[str, str]:
    """cfn-lint's error rules today, as the ``ignore`` the starter template test passes."""
    baseline: dict[str, str] = {}
    for report in reports:
        for finding in report.errors:
            short = finding.message.split(". ")[0].rstrip(".")
            baseline.setdefault(finding.rule_id, LINT_REASON.format(finding=short))
    return baseline
