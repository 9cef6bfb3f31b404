"""cfn-lint in-process, with the serverless rules, its rule set built once per session.

``cfnlint.api.lint`` rebuilds the rules (about 130 JSON schemas) on every call, which
costs more than linting itself; :class:`LintRunner` builds them once and reuses them.
Since cfn-lint 1.54 no longer runs the SAM transform, lint both the SAM source (a file
path, so findings carry its lines) and the transformed :class:`Template` (findings are
located through the SAM resource each generated resource came from).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cfnlint.config import ConfigMixIn
from cfnlint.core import get_rules
from cfnlint.match import Match
from cfnlint.runner.template import run_template_by_data, run_template_by_file_path

from harness.template.lint_report import SERVERLESS_RULES, LintFinding, LintReport, locate_on
from harness.template.model import Template
from harness.template.origin import display_path


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
            return LintReport(display_path(template), tuple(map(_finding, matches)))
        if isinstance(template, Template):
            return locate_on(self.lint(template.document), template)
        # cfn-lint may rewrite what it is given (its own transforms): hand it a private copy.
        plain = json.loads(json.dumps(template))
        matches = run_template_by_data(plain, config, self._rules)
        return LintReport("template", tuple(map(_finding, matches)))


def _finding(match: Match) -> LintFinding:
    filename = display_path(Path(match.filename)) if match.filename else "template"
    return LintFinding(
        str(match.rule.id),
        match.rule.severity,
        match.message,
        f"{filename}:{match.linenumber}",
        tuple(str(step) for step in getattr(match, "path", None) or ()),
    )
