"""``python -m harness logs`` on a running ``harness up`` of the sample app, as a user runs it.

One ``harness up`` serves the module; the requests below give its ``ApiFunction`` a plain
line (``/env``), a structured JSON line (``PUT /items/...``) and a failure (``/boom``),
and its API an access log. The last test stops the ``harness up`` and reads the work dir
it keeps.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from harness.targets.embedded.up_state import STATE_FILE_ENV, UpState
from tests.targets.conftest import REPOSITORY, UP_DEADLINE_S, RunningUp, run_harness

STACK = "local-dev"
_STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


@pytest.fixture(scope="module")
def traffic(state: UpState) -> dict[str, str]:
    """One request of each kind; their request ids (the API's) by what they did."""
    api_url = state.stacks[STACK].api_urls["Api"]
    env = requests.get(api_url + "env", timeout=30)
    stored = requests.put(api_url + "items/logged-item", data="x", timeout=30)
    boom = requests.get(api_url + "boom", timeout=30)
    assert (env.status_code, stored.status_code, boom.status_code) == (200, 201, 500)
    return {
        "env": env.headers["apigw-requestid"],
        "stored": stored.headers["apigw-requestid"],
        "boom": boom.headers["apigw-requestid"],
    }


def _logs(state_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return run_harness(["logs", *arguments], state_path)


def test_a_function_by_logical_id_shows_plain_and_structured_lines_readable(
    running_up: RunningUp, traffic: dict[str, str]
) -> None:
    shown = _logs(running_up.state_path, "ApiFunction")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert any(re.fullmatch(rf"{_STAMP} \[ApiFunction\] env requested by [0-9a-f-]{{36}}", line)
               for line in lines), shown.stdout  # fmt: skip
    structured = rf"{_STAMP} INFO \[ApiFunction\] item stored location=api:22 item_id=logged-item"
    assert any(re.fullmatch(structured, line) for line in lines), shown.stdout
    assert any("RuntimeError: boom on purpose" in line for line in lines), shown.stdout
    assert "\x1b[" not in shown.stdout  # not a terminal: no colour


def test_a_function_by_physical_name_shows_the_same(running_up: RunningUp, state: UpState) -> None:
    physical = state.stacks[STACK].functions["ApiFunction"]
    assert physical != "ApiFunction"
    by_logical = _logs(running_up.state_path, "ApiFunction")
    by_physical = _logs(running_up.state_path, physical)
    assert by_physical.returncode == 0, by_physical.stderr
    assert by_physical.stdout == by_logical.stdout


def test_filter_patterns_select_lines(running_up: RunningUp, traffic: dict[str, str]) -> None:
    json_only = _logs(running_up.state_path, "ApiFunction", "--filter", '{ $.level = "INFO" }')
    assert json_only.returncode == 0, json_only.stderr
    assert [line.split(" ", 1)[1] for line in json_only.stdout.splitlines()] == [
        "INFO [ApiFunction] item stored location=api:22 item_id=logged-item"
    ]
    terms = _logs(running_up.state_path, "ApiFunction", "--filter", 'RuntimeError -"on purpose"')
    assert terms.returncode == 0, terms.stderr
    assert "boom on purpose" not in terms.stdout
    phrase = _logs(running_up.state_path, "ApiFunction", "--filter", '"boom on purpose"')
    assert "RuntimeError: boom on purpose" in phrase.stdout
    assert "env requested" not in phrase.stdout


def test_an_unsupported_filter_pattern_is_refused_naming_the_supported_ones(
    running_up: RunningUp,
) -> None:
    refused = _logs(running_up.state_path, "ApiFunction", "--filter", "%boo+m%")
    assert refused.returncode == 2
    assert "regular expressions (%...%) are not supported on log files" in refused.stderr
    assert "JSON selectors" in refused.stderr


def test_the_api_access_log_shows_every_request(
    running_up: RunningUp, traffic: dict[str, str]
) -> None:
    shown = _logs(running_up.state_path, "--api")
    assert shown.returncode == 0, shown.stderr
    for request_id in traffic.values():
        assert any(f"requestId={request_id}" in line and "[Api]" in line
                   for line in shown.stdout.splitlines()), shown.stdout  # fmt: skip
    assert "[ApiFunction]" not in shown.stdout


def test_since_and_until_bound_the_lines(running_up: RunningUp, traffic: dict[str, str]) -> None:
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert _logs(running_up.state_path, "--all", "--since", later).stdout == ""
    assert _logs(running_up.state_path, "--all", "--since", "2h", "--until", "1h").stdout == ""
    assert "item stored" in _logs(running_up.state_path, "--all", "--since", "1h").stdout


def test_bad_input_names_what_exists(running_up: RunningUp, tmp_path: Path) -> None:
    unknown = _logs(running_up.state_path, "NoSuchFunction")
    assert unknown.returncode == 1
    assert "has no function 'NoSuchFunction'; its functions: ApiFunction, SlowFunction" in (
        unknown.stderr
    )
    nothing = _logs(running_up.state_path)
    assert nothing.returncode == 1
    assert "name a FUNCTION, or give --all or --api" in nothing.stderr
    bad_time = _logs(running_up.state_path, "--all", "--since", "yesterday")
    assert bad_time.returncode == 2
    assert "--since 'yesterday': give a duration" in bad_time.stderr
    no_up = _logs(tmp_path / "none.json", "--all")
    assert no_up.returncode == 1
    assert f"no running harness up (state file {tmp_path / 'none.json'})" in no_up.stderr
    assert "python -m harness up" in no_up.stderr


def test_follow_prints_new_lines_until_ctrl_c(
    running_up: RunningUp, state: UpState, tmp_path: Path
) -> None:
    output = tmp_path / "follow.out"
    with output.open("wb") as sink:
        follower = subprocess.Popen(
            [sys.executable, "-m", "harness", "logs", "ApiFunction", "--follow", "--since", "1s"],
            cwd=REPOSITORY,
            env={**os.environ, STATE_FILE_ENV: str(running_up.state_path)},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        time.sleep(1.0)  # let it start following before the request
        api_url = state.stacks[STACK].api_urls["Api"]
        requests.get(api_url + "env", timeout=30)
        _wait_for(output, "env requested by")
    finally:
        follower.send_signal(signal.SIGINT)
        assert follower.wait(timeout=UP_DEADLINE_S) == 0
    # No traceback of the follower's own: a function's logged one (another test's failing
    # request, within the last second) comes prefixed with its time and function name.
    assert re.search(r"^Traceback", output.read_text(), re.MULTILINE) is None


def test_a_kept_work_dir_is_read_after_harness_up_stopped(
    running_up: RunningUp, traffic: dict[str, str], tmp_path: Path
) -> None:
    output = tmp_path / "follow.out"
    with output.open("wb") as sink:
        follower = subprocess.Popen(
            [sys.executable, "-m", "harness", "logs", "--all", "--follow"],
            cwd=REPOSITORY,
            env={**os.environ, STATE_FILE_ENV: str(running_up.state_path)},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    _wait_for(output, "boom on purpose")
    assert running_up.stop() == 0
    assert follower.wait(timeout=UP_DEADLINE_S) == 0  # it ends with the harness up
    assert "the harness up writing these logs has stopped" in output.read_text()
    kept = running_up.wait_for(r"^Logs kept after 1 failed invocation\(s\): (\S+)$")[1]
    try:
        shown = _logs(running_up.state_path, "--all", "--work-dir", kept, "--since", "1h")
        assert shown.returncode == 0, shown.stderr
        assert "RuntimeError: boom on purpose" in shown.stdout
        assert "item stored" in shown.stdout
    finally:
        shutil.rmtree(kept)


def _wait_for(output: Path, text: str) -> None:
    deadline = time.monotonic() + UP_DEADLINE_S
    while text not in output.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"no {text!r} in:\n{output.read_text()}"
        time.sleep(0.05)
