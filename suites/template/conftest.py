"""The pipeline under test, loaded once per session for every ``test_pipeline_*`` module.

The pipeline suite's tests take only these fixtures (and the shared ``lint_runner`` and the
app's ``transformed``), so the harness's own tests can call them on a mutated copy of the
pipeline, its stage bootstrap and its buildspecs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.template import Template


@pytest.fixture(scope="session")
def repo_root(pytestconfig: pytest.Config) -> Path:
    """The repository root: CodeBuild resolves a project's ``BuildSpec`` path against it."""
    return pytestconfig.rootpath


@pytest.fixture(scope="session")
def pipeline_template(repo_root: Path, pytestconfig: pytest.Config) -> Template:
    """The release pipeline's template (ini ``harness_pipeline_template``), with source lines."""
    return Template.from_file(repo_root / pytestconfig.getini("harness_pipeline_template"))


@pytest.fixture(scope="session")
def bootstrap_template(repo_root: Path, pytestconfig: pytest.Config) -> Template:
    """The stack each stage account deploys (ini ``harness_stage_bootstrap_template``)."""
    return Template.from_file(repo_root / pytestconfig.getini("harness_stage_bootstrap_template"))
