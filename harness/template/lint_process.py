"""cfn-lint in a child process that warms up while the rest of the template layer runs.

Importing cfn-lint costs ~2 s (sympy, for its condition solver) and building its rules
~0.4 s; in-process, a template session pays both before its first lint, on one core.
:class:`LintProcess` starts a child at the beginning of the session that imports cfn-lint
and builds the rules there, on the machine's other core, while the main process
transforms templates and runs every other assertion. Lint requests then cost only the
lint itself. Findings come back as plain data and are located on a transformed template's
SAM resources here, where the :class:`~harness.template.model.Template` lives.
"""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.template.lint_report import SERVERLESS_RULES, LintReport, locate_on
from harness.template.model import Template

if TYPE_CHECKING:
    from harness.template.lint import LintRunner

_runner: LintRunner | None = None


def _start_runner(regions: Sequence[str], rule_modules: Sequence[str]) -> None:
    """In the child: import cfn-lint and build the rules once."""
    from harness.template.lint import LintRunner

    global _runner  # noqa: PLW0603 - one runner per child process is the point
    _runner = LintRunner(regions, rule_modules)


def _lint_in_child(subject: Path | Mapping[str, Any]) -> LintReport:
    assert _runner is not None, "the lint process has no runner"
    return _runner.lint(subject)


class LintProcess:
    """The :class:`LintRunner` API, served by one warm child process."""

    def __init__(
        self,
        regions: Sequence[str] = ("us-east-1",),
        rule_modules: Sequence[str] = (SERVERLESS_RULES,),
    ) -> None:
        # spawn, not fork: the parent may run threads (moto, HTTP servers) by now.
        self._pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_runner,
            initargs=(list(regions), list(rule_modules)),
        )
        self._pool.submit(int)  # any task: starts the child, which builds the runner

    def lint(self, template: Path | Template | Mapping[str, Any]) -> LintReport:
        """Lint a template file, a :class:`Template`, or a plain template dict."""
        if isinstance(template, Template):
            plain = json.loads(json.dumps(template.document))
            return locate_on(self._pool.submit(_lint_in_child, plain).result(), template)
        return self._pool.submit(_lint_in_child, template).result()

    def close(self) -> None:
        """Stop the child; lints already asked for finish first."""
        self._pool.shutdown(wait=True, cancel_futures=True)
