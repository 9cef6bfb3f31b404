"""cfn-lint, with the serverless rules, finds no error in the source or what SAM makes of it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from harness import Template

if TYPE_CHECKING:
    from harness import LintProcess

pytestmark = pytest.mark.template


def test_sam_source_is_lint_clean(sam_source: Template, lint_runner: LintProcess) -> None:
    assert sam_source.source is not None
    lint_runner.lint(sam_source.source).assert_clean()


def test_transformed_template_is_lint_clean(
    transformed: Callable[..., Template], lint_runner: LintProcess
) -> None:
    """Linted for prod only: the stages differ in mapped values, not in the generated
    resources (roles, versions, aliases, deployment groups) this lint exists to cover,
    and each lint costs a quarter of a second of the layer's budget."""
    lint_runner.lint(transformed("prod")).assert_clean()
