"""The rehearsal's pipeline semantics on a small fixture pipeline (seconds, not minutes)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from harness.pipeline.record import FAILED, NOT_RUN, SUCCEEDED, RunRecord
from tests.pipeline.conftest import Rehearse, git


def test_artifacts_and_variables_flow_between_stages(run_mini: Rehearse, tmp_path: Path) -> None:
    """Source variables and pipeline variables reach the build; its exported variable and
    its artifact reach the next stage (whose buildspec checks both)."""
    record = run_mini()
    assert record.status == SUCCEEDED, record.stopped_reason
    assert [stage.name for stage in record.stages] == ["Source", "Build", "Check"]
    commit = record.variables["SourceVariables"]["CommitId"]
    assert len(commit) == 40
    assert record.variables["BuildVariables"] == {"RESULT": "built-test"}
    assert json.loads((tmp_path / "rehearsal.json").read_text())["status"] == SUCCEEDED


def test_a_failing_buildspec_command_fails_build_naming_command_and_exit_code(
    run_mini: Rehearse, mini_repo: Path
) -> None:
    spec = mini_repo / "buildspec.yml"
    spec.write_text(spec.read_text().replace("      - mkdir -p out\n", "      - ls /no/such/dir\n"))
    record = run_mini()
    assert record.status == FAILED
    build = _action(record, "Build", "Build")
    assert build.failure == (
        "Error while executing command: ls /no/such/dir. Reason: exit status 2"
    )
    assert record.stage("Check") is None, "a failed stage stops the execution"
    assert "Build.Build failed" in str(record.stopped_reason)
    log = Path(build.builds[0]["log"]).read_text()
    assert "Running command ls /no/such/dir" in log
    assert "Phase complete: BUILD State: FAILED" in log


def test_an_unresolvable_variable_fails_the_action_naming_it(run_mini: Rehearse) -> None:
    record = run_mini(parameters={"CheckInput": "#{BuildVariables.NOT_EXPORTED}"})
    assert record.status == FAILED
    check = _action(record, "Check", "Check")
    assert "#{BuildVariables.NOT_EXPORTED} cannot be resolved" in str(check.failure)
    assert check.builds == [], "the action fails before any build starts"


def test_a_docs_only_change_starts_no_run(run_mini: Rehearse, mini_repo: Path) -> None:
    git(mini_repo, "checkout", "-qb", "docs")
    (mini_repo / "README.md").write_text("# mini\n\nMore words.\n")
    (mini_repo / "docs").mkdir()
    (mini_repo / "docs" / "guide.txt").write_text("how to\n")
    git(mini_repo, "add", "-A")
    git(mini_repo, "commit", "-qm", "docs only")
    record = run_mini(ref="docs")
    assert record.status == NOT_RUN
    assert record.stages == []
    assert "README.md" in str(record.stopped_reason)
    assert "filtered out by the trigger" in str(record.stopped_reason)


def test_a_code_change_beside_docs_starts_a_run(run_mini: Rehearse, mini_repo: Path) -> None:
    git(mini_repo, "checkout", "-qb", "feature")
    (mini_repo / "README.md").write_text("# mini\n\nMore words.\n")
    (mini_repo / "check.yml").write_text((mini_repo / "check.yml").read_text() + "\n")
    git(mini_repo, "commit", "-qam", "docs and code")
    record = run_mini(ref="feature")
    assert record.status == SUCCEEDED, record.stopped_reason
    assert set(record.source["changed_files"]) == {"README.md", "check.yml"}


def _action(record: RunRecord, stage: str, name: str):
    found = record.stage(stage)
    assert found is not None, f"stage {stage} did not run: {record.stopped_reason}"
    return next(action for action in found.actions if action.name == name)


def test_ctrl_c_stops_the_running_build_and_leaves_no_process(mini_repo: Path) -> None:
    marker = "harness-rehearsal-ctrl-c-test"
    spec = mini_repo / "buildspec.yml"
    spec.write_text(
        spec.read_text().replace(
            "      - mkdir -p out\n", f"      - bash -c 'sleep 60; true' {marker}\n"
        )
    )
    git(mini_repo, "commit", "-qam", "slow build")
    command = ["-m", "harness", "rehearse", "--approve", "--template", "pipeline.yaml"]
    rehearsal = subprocess.Popen(
        # A background job of a non-interactive shell ignores SIGINT: restore the default
        # (it survives exec) before the rehearsal starts.
        [
            sys.executable,
            "-c",
            RESTORE_SIGINT_AND_EXEC,
            sys.executable,
            *command,
            "--record",
            "r.json",
        ],
        cwd=mini_repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert rehearsal.stdout is not None
    for line in rehearsal.stdout:
        if "Build.Build ..." in line:
            break
    deadline = time.monotonic() + 10
    while not _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_with(marker), "the build's command never started"
    started = time.monotonic()
    rehearsal.send_signal(signal.SIGINT)
    assert rehearsal.wait(timeout=20) == 130
    assert time.monotonic() - started < 10
    assert _processes_with(marker) == []
    record = RunRecord.read(mini_repo / "r.json")
    assert record.status == "Stopped"
    assert record.stopped_reason == "interrupted (Ctrl-C)"


RESTORE_SIGINT_AND_EXEC = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


def _processes_with(text: str) -> list[int]:
    found = subprocess.run(["pgrep", "-f", text], capture_output=True, text=True, check=False)
    return [int(pid) for pid in found.stdout.split()]
