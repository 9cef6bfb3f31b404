"""Sessions that find their stack elsewhere: a running ``harness up``, a stale state file, an
unreachable AWS.

The smoke gate runs as the pipeline runs it, against a ``harness up`` of the repository's
app (a subprocess), both as ``--target embedded`` attached through the state file and as
``--target aws`` with the exported ``AWS_ENDPOINT_URL``.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.targets.base import Endpoint
from harness.targets.embedded.up_state import (
    STATE_FILE_ENV,
    RunningStack,
    UpState,
    read_running,
    write_state,
)

pytest_plugins = ["pytester"]

REPOSITORY = Path(__file__).resolve().parents[2]
STACK = "local-dev"
_DEADLINE_S = 180
# What ``tox -e smoke -- ARGS`` runs, in this interpreter.
SMOKE_GATE = [sys.executable, "-m", "pytest", "suites/smoke", "-p", "no:hypothesispytest", "-rs"]
NO_AWS_CREDENTIALS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ENDPOINT_URL",
)


@pytest.fixture(scope="module")
def app_up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """``harness up`` of the repository's app: its state file and its printed output."""
    workdir = tmp_path_factory.mktemp("app-up")
    output, state_path = workdir / "up.out", workdir / "state.json"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "harness", "up"],
            cwd=REPOSITORY,
            env={**os.environ, STATE_FILE_ENV: str(state_path)},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + _DEADLINE_S
        while "Serving" not in output.read_text() and process.poll() is None:
            assert time.monotonic() < deadline, output.read_text()
            time.sleep(0.1)
        assert process.poll() is None, output.read_text()
        yield state_path, output.read_text()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=_DEADLINE_S)


def _run_smoke_gate(
    junit: Path, environ: dict[str, str], *arguments: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SMOKE_GATE, "-p", "no:cacheprovider", f"--junitxml={junit}", *arguments],
        cwd=REPOSITORY,
        env=environ,
        capture_output=True,
        text=True,
        timeout=_DEADLINE_S,
        check=False,
    )


def _smoke_gate(tmp_path: Path, environ: dict[str, str], *arguments: str) -> str:
    completed = _run_smoke_gate(tmp_path / "smoke.xml", environ, *arguments)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return completed.stdout


def test_the_smoke_gate_passes_attached_to_a_running_harness_up(
    app_up: tuple[Path, str], tmp_path: Path
) -> None:
    state_path, _ = app_up
    environ = {**os.environ, STATE_FILE_ENV: str(state_path)}
    stdout = _smoke_gate(tmp_path, environ, "--target", "embedded", "--stack-name", STACK)
    assert "harness: attached to the running harness up" in stdout
    assert "smoke gate verdict: PASS" in stdout
    assert "lacks capability" not in stdout
    assert "PASSED" in _line(stdout, "test_release.py::test_last_codedeploy_deployments_succeeded")


def test_the_aws_target_at_a_harness_up_endpoint_runs_the_release_checks(
    app_up: tuple[Path, str], tmp_path: Path
) -> None:
    _, printed = app_up
    exported = dict(re.findall(r"(AWS_[A-Z_]+)=(\S+)", "\n".join(_exports(printed))))
    assert set(exported) >= {"AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_REGION"}
    environ = {**os.environ, STATE_FILE_ENV: str(app_up[0]), **exported}
    stdout = _smoke_gate(tmp_path, environ, "--target", "aws", "--stack-name", STACK)
    assert "smoke gate verdict: PASS" in stdout
    assert "lacks capability" not in stdout, "the endpoint has aliases, CodeDeploy and alarms"
    for test in ("test_live_alias_points_to_the_newest_version", "test_no_stack_alarm_is_firing"):
        assert "PASSED" in _line(stdout, f"test_release.py::{test}")
    assert "emulation gaps" in stdout


def test_a_failing_attached_test_reports_the_lambda_logs_it_caused(
    app_up: tuple[Path, str], pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    state_path, _ = app_up
    monkeypatch.setenv(STATE_FILE_ENV, str(state_path))
    pytester.makeconftest('pytest_plugins = ["harness.plugin"]')
    pytester.makepyfile(
        """
        import requests

        def test_an_item_that_is_not_there(api_url):
            answer = requests.get(api_url + "items/not-there-attached", timeout=30)
            assert answer.status_code == 200
        """
    )
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--target", "embedded", "--stack-name", STACK
    )
    result.assert_outcomes(failed=1)
    report = result.stdout.str()
    section = report[report.index("Captured Lambda worker logs") :]
    started = re.findall(r"\[ItemsReadFunction\] START RequestId: (\S+)", section)
    assert len(started) == 1, section
    assert f"REPORT RequestId: {started[0]}" in section
    state = read_running(state_path)
    assert state is not None
    assert f"python -m harness logs --all --work-dir {state.log_dir}" in section


def _line(stdout: str, fragment: str) -> str:
    return next((line for line in stdout.splitlines() if fragment in line), "")


def _exports(printed: str) -> list[str]:
    return [line for line in printed.splitlines() if line.startswith("export ")]


def _dead_pid() -> int:
    finished = subprocess.Popen(["true"])
    finished.wait()
    return finished.pid


def _stale_state(path: Path) -> UpState:
    state = UpState(
        pid=_dead_pid(),
        endpoint=Endpoint(region="us-east-1", url="http://127.0.0.1:9", credentials={}),
        capabilities=frozenset({"deploy", "http_api"}),
        stacks={"ghost": RunningStack("ghost", {"ApiUrl": "http://127.0.0.1:9/"}, {})},
        log_dir="/nonexistent",
    )
    path.write_text(state.to_json())
    return state


def test_a_stale_state_file_is_ignored_and_replaced(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    stale = _stale_state(path)
    assert read_running(path) is None
    replacing = UpState(os.getpid(), stale.endpoint, stale.capabilities, {}, "/tmp")
    write_state(path, replacing)
    assert read_running(path) == replacing


def test_a_live_state_file_keeps_its_functions_and_one_of_another_version_is_ignored(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.json"
    stacks = {"s": RunningStack("s", {}, {}, functions={"Fn": "s-Fn-AbC"})}
    live = UpState(os.getpid(), Endpoint("us-east-1", "http://x", {}), frozenset(), stacks, "/w")
    write_state(path, live)
    assert read_running(path) == live
    path.write_text(path.read_text().replace('"version": 3', '"version": 2'))
    assert read_running(path) is None


def test_a_session_ignores_a_stale_state_file(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    state_path = pytester.path / "state.json"
    _stale_state(state_path)
    monkeypatch.setenv(STATE_FILE_ENV, str(state_path))
    pytester.makeconftest('pytest_plugins = ["harness.plugin"]')
    pytester.makepyfile(
        """
        def test_gets_a_target_of_its_own(target):
            assert type(target).__name__ == "EmbeddedTarget"
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--stack-name", "ghost")
    result.assert_outcomes(passed=1)
    assert "attached" not in result.stdout.str()


def _without_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NO_AWS_CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # never probe the instance role


def _three_tests_on_aws(pytester: pytest.Pytester) -> pytest.RunResult:
    pytester.makeconftest('pytest_plugins = ["harness.plugin"]')
    pytester.makepyfile(
        """
        def test_one(stack):
            pass

        def test_two(stack):
            pass

        def test_three(api_url):
            pass
        """
    )
    return pytester.runpytest(
        "-p", "no:cacheprovider", "--target", "aws", "--stack-name", "s", "--region", "eu-west-1"
    )


def test_the_aws_target_without_credentials_fails_the_session_once(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _without_aws(monkeypatch)
    result = _three_tests_on_aws(pytester)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    output = result.stdout.str()
    message = (
        "aws target: no AWS credentials found (region eu-west-1, "
        "endpoint https://cloudformation.eu-west-1.amazonaws.com)"
    )
    assert output.count(message) == 1, output
    assert "NoCredentialsError" not in output
    result.assert_outcomes()


def test_the_aws_target_at_an_unreachable_endpoint_fails_the_session_once(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _without_aws(monkeypatch)
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{unused.getsockname()[1]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    result = _three_tests_on_aws(pytester)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    output = result.stdout.str()
    assert output.count(f"endpoint unreachable (region eu-west-1, endpoint {endpoint})") == 1
    assert "Traceback" not in output
    result.assert_outcomes()


def test_the_smoke_gate_aborts_once_when_aws_is_unreachable(tmp_path: Path) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{unused.getsockname()[1]}"
    environ = {name: value for name, value in os.environ.items() if name not in NO_AWS_CREDENTIALS}
    environ |= {"AWS_ENDPOINT_URL": endpoint, "AWS_CONFIG_FILE": os.devnull}
    environ |= {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    junit = tmp_path / "smoke.xml"
    completed = _run_smoke_gate(junit, environ, "--target", "aws", "--stack-name", "items-staging")
    assert completed.returncode == pytest.ExitCode.TESTS_FAILED
    assert "smoke gate verdict: FAIL" in completed.stdout
    aborted = "ABORTED  stack not resolved: aws target: endpoint unreachable (region us-east-1, "
    assert completed.stdout.count(aborted) == 1, completed.stdout
    assert 'name="gate_aborted"' in junit.read_text()
