"""cfn-lint in-process, with the serverless rules, its rule set built once per session.

``cfnlint.api.lint`` rebuilds the rules (about 130 JSON schemas) on every call, which
costs more than linting itself; :class:`LintRunner` builds them once and reuses them.
Since cfn-lint 1.54 no longer runs the SAM transform, lint both the SAM source (a file
path, so findings carry its lines) and the transformed :class:`Template` (findings are
located through the SAM resource each generated resource came from).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cfnlint.config import ConfigMixIn
from cfnlint.core import get_rules
from cfnlint.match import Match
from cfnlint.runner.template import run_template_by_data, run_template_by_file_path

from harness.template.model import Template
from harness.template.origin import display_path

SERVERLESS_RULES = "cfn_lint_serverless.rules"


class LintWarning(UserWarning):
    """A cfn-lint warning: reported in pytest's warnings summary, never a failure."""


@dataclass(frozen=True)
class LintFinding:
    rule_id: str
    severity: str
    message: str
    location: str

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


class LintRunner:
    """cfn-lint with its rules (and the serverless rules) built once, for many templates."""

    def __init__(
        self,
        regions: Sequence[str] = ("us-east-1",),
        rule_modules: Sequence[str] = (SERVERLESS_RULES,),
    ) -> None:
        self.regions = list(regions)
        self._rules = get_rules(list(rule_modules), [], [])

    def lint(self, template: Path | Template | Mapping[str, Any]) -> LintReport:
        """Lint a template file, a :class:`Template`, or a plain template dict."""
        config = ConfigMixIn([], regions=self.regions)
        if isinstance(template, Path):
            matches = run_template_by_file_path(str(template), config, self._rules, False)
            subject = display_path(template)
            return LintReport(subject, tuple(_finding(m, _no_locator) for m in matches))
        document = template.document if isinstance(template, Template) else template
        # cfn-lint may rewrite what it is given (its own transforms): hand it a private copy.
        plain = json.loads(json.dumps(document))
        matches = run_template_by_data(plain, config, self._rules)
        if isinstance(template, Template):
            subject = template.label
            return LintReport(subject, tuple(_finding(m, _locator(template)) for m in matches))
        return LintReport("template", tuple(_finding(m, _no_locator) for m in matches))


Locator = Callable[[Match], str | None]


def _no_locator(_match: Match) -> str | None:
    return None


def _locator(template: Template) -> Locator:
    """Locate a finding on a generated resource at the SAM resource it came from."""

    def locate(match: Match) -> str | None:
        path = list(getattr(match, "path", None) or [])
        if len(path) >= 2 and path[0] == "Resources":
            try:
                resource = template.resource(str(path[1]))
            except AssertionError:
                return None
            return f"{path[1]} ({resource.origin.describe()})"
        return None

    return locate


def _finding(match: Match, locate: Locator) -> LintFinding:
    location = locate(match)
    if location is None:
        filename = display_path(Path(match.filename)) if match.filename else "template"
        location = f"{filename}:{match.linenumber}"
    return LintFinding(str(match.rule.id), match.rule.severity, match.message, location)
