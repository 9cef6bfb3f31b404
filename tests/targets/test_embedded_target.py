"""The embedded target end to end, on the sample app: deploy, serve, fail like AWS, clean up."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from harness.build.runtimes import Interpreter
from harness.targets.base import StackNotReady, make_client
from harness.targets.embedded.target import EmbeddedStack, EmbeddedTarget
from harness.template.errors import TemplateError


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedTarget]:
    started = EmbeddedTarget(region="eu-west-1", cache_dir=Path(".cache/harness-builds"))
    yield started
    started.teardown()


@pytest.fixture(scope="module")
def stack(target: EmbeddedTarget, sample_app: Path) -> EmbeddedStack:
    return target.deploy(sample_app, "sample", {"Stage": "staging"})


def _get(stack: EmbeddedStack, path: str) -> requests.Response:
    return requests.get(stack.api_url + path, timeout=30)


def test_outputs_and_physical_ids_come_from_cloudformation(stack: EmbeddedStack) -> None:
    table = stack.client("dynamodb").describe_table(TableName=stack.outputs["TableName"])
    assert table["Table"]["TableStatus"] == "ACTIVE"
    assert stack.physical_ids["Table"] == stack.outputs["TableName"]
    assert stack.physical_ids["ApiFunction"].startswith("sample-ApiFunction-")


def test_api_url_is_the_local_loopback_api(stack: EmbeddedStack) -> None:
    assert stack.api_url.startswith("http://127.0.0.1:")
    assert stack.api_url == stack.outputs["ApiUrl"]


def test_unsupported_resources_appear_in_the_gaps(stack: EmbeddedStack) -> None:
    gaps = {gap.logical_id: gap.type for gap in stack.emulation_gaps}
    assert gaps["Api"] == "AWS::ApiGatewayV2::Api"
    assert "Outputs.ApiUrl" not in gaps  # rewritten to the local API, not dropped
    assert "ApiErrorsAlarm" not in gaps
    assert "ApiFunctionAliaslive" not in gaps


def test_the_alias_and_the_alarm_are_created(stack: EmbeddedStack) -> None:
    """Created by the release emulation's models: no longer gaps."""
    function = stack.physical_ids["ApiFunction"]
    alias = stack.client("lambda").get_alias(FunctionName=function, Name="live")
    assert alias["FunctionVersion"] == "1"
    alarms = stack.client("cloudwatch").describe_alarms(
        AlarmNames=[stack.physical_ids["ApiErrorsAlarm"]]
    )["MetricAlarms"]
    assert alarms[0]["Dimensions"] == [{"Name": "FunctionName", "Value": function}]


def test_workers_run_with_the_deployed_environment(stack: EmbeddedStack) -> None:
    body = _get(stack, "env").json()
    assert body["table"] == stack.outputs["TableName"]
    assert body["stage"] == "staging"
    assert body["endpoint"] == stack.endpoint.url


def test_workers_run_on_the_templates_runtime(
    stack: EmbeddedStack, require_interpreter: Callable[[str], Interpreter]
) -> None:
    require_interpreter("python3.12")
    assert _get(stack, "env").json()["python"] == "3.12"


def test_functions_write_to_the_emulated_table(stack: EmbeddedStack) -> None:
    response = requests.put(stack.api_url + "items/abc", data="payload", timeout=30)
    assert response.status_code == 201
    item = stack.client("dynamodb").get_item(
        TableName=stack.outputs["TableName"], Key={"id": {"S": "abc"}}
    )
    assert item["Item"]["body"] == {"S": "payload"}


def test_a_raising_handler_gives_500_and_its_traceback_in_the_logs(stack: EmbeddedStack) -> None:
    mark = stack.log_mark()
    response = _get(stack, "boom")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    logs = stack.failure_logs(mark)
    assert "RuntimeError: boom on purpose" in logs
    assert "(unhandled)" in logs


def test_a_handler_past_its_timeout_gives_500_and_is_replaced(stack: EmbeddedStack) -> None:
    assert stack.workers is not None
    before = [worker.pid for worker in stack.workers.pool("SlowFunction").workers]
    mark = stack.log_mark()
    response = _get(stack, "slow")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    assert "(timeout)" in stack.failure_logs(mark)
    after = [worker.pid for worker in stack.workers.pool("SlowFunction").workers]
    assert after != before
    assert _get(stack, "env").status_code == 200


def test_discovering_a_stack_never_deployed_here_names_it(target: EmbeddedTarget) -> None:
    with pytest.raises(StackNotReady, match="'elsewhere' in region eu-west-1"):
        target.stack("elsewhere")


def test_an_output_naming_a_missing_resource_fails_before_create_stack(
    target: EmbeddedTarget, sample_app: Path, tmp_path: Path
) -> None:
    app = shutil.copytree(sample_app.parent, tmp_path / "app")
    template = app / "template.yaml"
    text = template.read_text()
    template.write_text(text + "  Broken:\n    Value: !GetAtt NoSuchResource.Arn\n")
    with pytest.raises(TemplateError) as raised:
        target.deploy(template, "broken-outputs", {"Stage": "dev"})
    line = text.count("\n") + 2
    assert f"template.yaml:{line}: output Broken: !GetAtt NoSuchResource.Arn" in str(raised.value)
    stacks = make_client("cloudformation", target.endpoint).list_stacks()["StackSummaries"]
    assert "broken-outputs" not in {summary["StackName"] for summary in stacks}


def test_teardown_leaves_no_worker_port_or_directory(sample_app: Path) -> None:
    target = EmbeddedTarget(region="us-east-1", cache_dir=Path(".cache/harness-builds"))
    stack = target.deploy(sample_app, "short-lived", {"Stage": "dev"})
    worker_pid = _get(stack, "env").json()["pid"]
    workdir = target._workdir
    target.teardown()
    assert not workdir.exists()
    assert not Path(f"/proc/{worker_pid}").exists() or _is_zombie(worker_pid)
    with pytest.raises(requests.ConnectionError):
        requests.get(stack.api_url + "env", timeout=5)
    with pytest.raises(requests.ConnectionError):
        requests.get(str(stack.endpoint.url), timeout=5)


def _is_zombie(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def test_teardown_twice_is_harmless(sample_app: Path) -> None:
    target = EmbeddedTarget(region="us-east-1", cache_dir=Path(".cache/harness-builds"))
    target.teardown()
    target.teardown()
    assert os.path.exists(".cache/harness-builds")
