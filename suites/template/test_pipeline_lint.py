"""cfn-lint, with the serverless rules, finds no error in the pipeline template."""

from __future__ import annotations

import pytest

from harness.template import Template
from harness.template.lint import LintRunner

pytestmark = pytest.mark.template


def test_pipeline_template_is_lint_clean(
    pipeline_template: Template, lint_runner: LintRunner
) -> None:
    assert pipeline_template.source is not None
    lint_runner.lint(pipeline_template.source).assert_clean()
