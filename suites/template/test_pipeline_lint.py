"""cfn-lint, with the serverless rules, finds no error in the pipeline or stage bootstrap."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from harness import Template

if TYPE_CHECKING:
    from harness import LintProcess

pytestmark = pytest.mark.template


def test_pipeline_template_is_lint_clean(
    pipeline_template: Template, lint_runner: LintProcess
) -> None:
    assert pipeline_template.source is not None
    lint_runner.lint(pipeline_template.source).assert_clean()


def test_stage_bootstrap_template_is_lint_clean(
    bootstrap_template: Template, lint_runner: LintProcess
) -> None:
    assert bootstrap_template.source is not None
    lint_runner.lint(bootstrap_template.source).assert_clean()
