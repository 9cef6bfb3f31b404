"""The command line: one entry, each command's options resolved and shown like pytest's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import main


def _harness(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=60,
    )


def test_an_unknown_command_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deploy"]) == 2
    usage = capsys.readouterr().err
    assert "usage: python -m harness COMMAND" in usage
    assert "up " in usage
    assert "init " in usage


def test_up_help_shows_each_option_with_its_value_and_source(tmp_path: Path) -> None:
    (tmp_path / "tox.ini").write_text("[pytest]\nharness_stage = staging\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARNESS_")}
    shown = _harness("up", "--help", cwd=tmp_path, env={**env, "HARNESS_REGION": "eu-west-1"})
    assert shown.returncode == 0, shown.stderr
    text = " ".join(shown.stdout.split())
    assert "[now: staging (ini harness_stage)]" in text
    assert "[now: eu-west-1 (environment HARNESS_REGION)]" in text
    assert "--app-template APP_TEMPLATE, --template APP_TEMPLATE" in text
    assert text.endswith("tox.ini.")


def test_up_refuses_another_target_and_a_bad_value_naming_the_source(tmp_path: Path) -> None:
    refused = _harness("up", "--target", "aws", cwd=tmp_path)
    assert refused.returncode == 2
    assert "serves the embedded target only; --target is 'aws' (command line --target)" in (
        refused.stderr
    )
    bad = _harness("up", "--max-concurrency", "none", cwd=tmp_path)
    assert bad.returncode == 2
    assert "--max-concurrency: 'none' from command line --max-concurrency is not a whole" in (
        bad.stderr
    )
