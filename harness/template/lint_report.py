"""What a lint run found, as plain data: made in a cfn-lint process, read in any other.

Kept apart from :mod:`harness.template.lint` so that reading and locating findings never
imports cfn-lint (~2 s): the template layer lints in a child process
(:mod:`harness.template.lint_process`) and handles the reports in the main one.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, replace

from harness.template.model import Template

SERVERLESS_RULES = "cfn_lint_serverless.rules"
"""The rule module of cfn-lint-serverless, loaded beside cfn-lint's own rules."""


class LintWarning(UserWarning):
    """A cfn-lint warning: reported in pytest's warnings summary, never a failure."""


@dataclass(frozen=True)
class LintFinding:
    rule_id: str
    severity: str
    message: str
    location: str
    path: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.location}: {self.rule_id} ({self.severity}) {self.message}"


@dataclass(frozen=True)
class LintReport:
    """The findings of one lint run; ``subject`` names what was linted."""

    subject: str
    findings: tuple[LintFinding, ...]

    @property
    def errors(self) -> list[LintFinding]:
        return [finding for finding in self.findings if finding.severity == "error"]

    @property
    def warnings(self) -> list[LintFinding]:
        return [finding for finding in self.findings if finding.severity == "warning"]

    def assert_clean(self, ignore: Mapping[str, str] | None = None) -> list[LintFinding]:
        """Fail on any error; report warnings as :class:`LintWarning` and return them.

        ``ignore`` maps rule ids to the reason they do not apply here. A reason is
        mandatory: an ignore nobody can explain is a finding nobody has read.
        """
        ignore = dict(ignore or {})
        unexplained = [rule_id for rule_id, reason in ignore.items() if not reason.strip()]
        if unexplained:
            raise ValueError(f"ignoring {', '.join(unexplained)} needs a written reason")
        kept = [finding for finding in self.findings if finding.rule_id not in ignore]
        for finding in kept:
            if finding.severity == "warning":
                warnings.warn(LintWarning(str(finding)), stacklevel=2)
        errors = [finding for finding in kept if finding.severity == "error"]
        if errors:
            listed = "\n".join(f"  {finding}" for finding in errors)
            raise AssertionError(f"cfn-lint: {len(errors)} error(s) in {self.subject}\n{listed}")
        return [finding for finding in kept if finding.severity == "warning"]


def locate_on(report: LintReport, template: Template) -> LintReport:
    """Point findings on generated resources at the SAM resource each came from."""

    def located(finding: LintFinding) -> LintFinding:
        if len(finding.path) < 2 or finding.path[0] != "Resources":
            return finding
        try:
            resource = template.resource(finding.path[1])
        except AssertionError:
            return finding
        return replace(finding, location=f"{finding.path[1]} ({resource.origin.describe()})")

    return LintReport(template.label, tuple(map(located, report.findings)))
