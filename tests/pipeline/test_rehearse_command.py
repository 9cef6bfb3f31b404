"""``python -m harness rehearse`` reads its settings through the options system."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli.rehearse import options_from, parse_arguments
from harness.pipeline.actions import APPROVE
from tests.pipeline.conftest import MINI, committed_repository


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The mini pipeline under ``ci/``, named by the repository's ini with one parameter."""
    repo = committed_repository(tmp_path / "repo", MINI)
    (repo / "ci").mkdir()
    (repo / "pipeline.yaml").rename(repo / "ci" / "pipeline.yaml")
    (repo / "pytest.ini").write_text(
        "[pytest]\nharness_pipeline_template = ci/pipeline.yaml\n"
        "harness_pipeline_parameters =\n    CheckInput=from-ini\n    Other=kept\n"
    )
    return repo


def test_settings_come_from_the_ini_and_run_arguments_from_the_command_line(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARNESS_RELEASE_TIME_SCALE", "30")
    monkeypatch.delenv("HARNESS_PIPELINE_PARAMETERS", raising=False)
    argv = ["--parameter", "CheckInput=from-cli", "--baseline", "main~1", "--approve"]
    command = parse_arguments(argv, cwd=repo / "ci")
    options = options_from(command, repo / "ci")
    assert options.repo == repo.resolve()
    assert options.template == (repo / "ci" / "pipeline.yaml").resolve()
    assert command.settings.source("pipeline_template") == "ini harness_pipeline_template"
    assert options.parameters == {"CheckInput": "from-cli", "Other": "kept"}
    assert options.release_time_scale == 30.0
    assert (options.baseline, options.approval, options.resume) == ("main~1", APPROVE, False)


def test_help_lists_settings_with_their_source_and_the_run_arguments(repo: Path) -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "harness", "rehearse", "--help"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    shown = " ".join(shown.split())  # argparse wraps the help text
    assert "ini harness_pipeline_template)]" in shown
    for flag in ("--pipeline-parameter", "--release-time-scale", "--baseline REF", "--resume"):
        assert flag in shown
