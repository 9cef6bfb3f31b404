"""``python -m harness up`` as people and tools use it: exports, live logs, a state file.

One ``harness up`` subprocess on the sample app serves the whole module; a pytest session
(pytester) attaches to it, and the last test stops it with Ctrl-C.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import boto3
import pytest
import requests

from harness.targets.embedded.up_state import STATE_FILE_ENV, UpState
from tests.targets.conftest import REPOSITORY, RunningUp, run_harness, start_up

pytest_plugins = ["pytester"]

STACK = "local-dev"


def test_the_export_lines_point_aws_clients_at_the_endpoint(
    running_up: RunningUp, state: UpState
) -> None:
    running_up.wait_for(rf"^export AWS_ENDPOINT_URL={re.escape(str(state.endpoint.url))}$")
    running_up.wait_for(
        r"^export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing "
        r"AWS_SESSION_TOKEN=testing$"
    )
    running_up.wait_for(r"^export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1$")


def test_the_exported_settings_reach_the_stack(state: UpState) -> None:
    credentials = dict(state.endpoint.credentials or {})
    session = boto3.session.Session(region_name=state.endpoint.region, **credentials)
    cloudformation = session.client("cloudformation", endpoint_url=state.endpoint.url)
    described = cloudformation.describe_stacks(StackName=STACK)["Stacks"][0]
    assert described["StackStatus"] == "CREATE_COMPLETE"


def test_the_state_file_lists_the_stack_with_its_outputs_and_gaps(state: UpState) -> None:
    served = state.stacks[STACK]
    assert served.outputs["ApiUrl"] == served.api_urls["Api"]
    assert served.outputs["TableName"].startswith(f"{STACK}-Table-")
    assert "Api" in {gap.logical_id for gap in served.emulation_gaps}
    assert state.capabilities == {
        "deploy",
        "http_api",
        "lambda_alias",
        "codedeploy",
        "alarms",
        "logs",
    }
    assert served.functions.keys() == {"ApiFunction", "SlowFunction"}


def test_function_log_lines_stream_to_the_terminal_as_they_come(
    running_up: RunningUp, state: UpState
) -> None:
    api_url = state.stacks[STACK].api_urls["Api"]
    response = requests.get(api_url + "env", timeout=30)
    assert response.status_code == 200
    running_up.wait_for(r"^\[ApiFunction\] env requested by [0-9a-f-]{36}$")
    running_up.wait_for(r"^\[ApiFunction\] REPORT RequestId: ")
    assert "\x1b[" not in running_up.text(), "colour codes on a stream that is not a terminal"


def test_a_pytest_session_attaches_instead_of_deploying(
    pytester: pytest.Pytester, state: UpState, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(STATE_FILE_ENV, str(state.path))
    pytester.makeconftest('pytest_plugins = ["harness.plugin"]')
    pytester.makepyfile(
        f"""
        import requests

        def test_runs_against_the_running_stack(stack, target):
            assert target.name == "embedded"
            assert "deploy" not in target.capabilities
            assert stack.outputs == {dict(state.stacks[STACK].outputs)!r}
            assert stack.endpoint.url == {state.endpoint.url!r}
            assert requests.get(stack.api_url + "env", timeout=30).status_code == 200
        """
    )
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--target", "embedded", "--stack-name", STACK
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"harness: attached to the running harness up (pid {state.pid})*"])
    result.stdout.fnmatch_lines(["*emulation gaps*", "Api (AWS::ApiGatewayV2::Api)*"])


def _up_to_the_end(template: Path, state_path: Path) -> subprocess.CompletedProcess[str]:
    """A ``harness up`` expected to end by itself (it cannot start)."""
    return run_harness(["up", "--template", str(template)], state_path)


def test_a_second_harness_up_on_the_same_state_file_is_refused(
    running_up: RunningUp, sample_app: Path
) -> None:
    second = _up_to_the_end(sample_app, running_up.state_path)
    assert second.returncode == 1
    assert f"state file {running_up.state_path} belongs to a running harness up" in second.stderr
    assert STATE_FILE_ENV in second.stderr


def test_ctrl_c_removes_the_state_file_and_keeps_the_logs_of_a_failure(
    running_up: RunningUp, state: UpState
) -> None:
    assert requests.get(state.stacks[STACK].api_urls["Api"] + "boom", timeout=30).status_code == 500
    running_up.wait_for(r"^\[ApiFunction\] \[ERROR\] RuntimeError: boom on purpose")
    assert running_up.stop() == 0
    assert not running_up.state_path.exists()
    kept = running_up.wait_for(r"^Logs kept after 1 failed invocation\(s\): (\S+)$")[1]
    try:
        assert "boom on purpose" in "".join(
            log.read_text() for log in Path(kept).glob("*/lambda-logs/*.log")
        )
    finally:
        shutil.rmtree(kept)


def test_a_failed_deploy_says_why_and_keeps_its_logs(tmp_path: Path) -> None:
    broken = REPOSITORY / "fixtures" / "templates" / "broken_sam.yaml"
    completed = _up_to_the_end(broken, tmp_path / "state.json")
    assert completed.returncode == 1
    assert f"harness up: deploy of {broken} failed: " in completed.stderr
    assert "Traceback" not in completed.stderr
    kept = re.search(r"^Logs kept after the failed deploy: (\S+)$", completed.stderr, re.MULTILINE)
    assert kept is not None, completed.stderr
    try:
        assert Path(kept[1], "moto-requests.log").is_file()
    finally:
        shutil.rmtree(kept[1])
    assert not (tmp_path / "state.json").exists()


def test_watch_releases_the_stack_again_when_the_code_changes(tmp_path: Path) -> None:
    """Like ``sam sync --watch``: a saved change goes out through CodeDeploy."""
    app = tmp_path / "app"
    shutil.copytree(REPOSITORY / "fixtures" / "apps" / "canary", app)
    running = start_up(
        ["--watch", "--template", str(app / "template.yaml"), "--parameter",
         "DeploymentType=AllAtOnce"],
        tmp_path,
    )  # fmt: skip
    try:
        api_url = running.wait_for(r"^ApiUrl: (\S+)$")[1]
        running.wait_for("^Serving and watching")
        assert requests.get(api_url + "orders", timeout=30).json()["release"] == "v1"
        source = app / "src" / "orders" / "app.py"
        source.write_text(source.read_text().replace('RELEASE = "v1"', 'RELEASE = "watched"'))
        running.wait_for(r"^  deployment d-\w+ of \S+:live \(CodeDeployDefault.LambdaAllAtOnce\)")
        running.wait_for("^Release of local-dev: UPDATE_COMPLETE")
        answer = requests.get(api_url + "orders", timeout=30).json()
        assert (answer["release"], answer["version"]) == ("watched", "2")
    finally:
        assert running.stop() == 0
