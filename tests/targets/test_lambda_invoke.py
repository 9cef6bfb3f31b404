"""Lambda's Invoke API on the embedded endpoint runs the deployed code in its workers.

Real clients only: boto3's ``lambda.invoke`` and the AWS CLI against the endpoint, on the
sample app. Every status, header and error code below is Lambda's (see the module doc of
:mod:`harness.targets.embedded.lambda_api` for the references).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from harness.targets.embedded.lambda_api import (
    ASYNC_PAYLOAD_LIMIT,
    LOG_TAIL_BYTES,
    SYNC_PAYLOAD_LIMIT,
)
from harness.targets.embedded.target import EmbeddedStack, EmbeddedTarget

REGION = "us-east-1"
_WAIT_S = 30


@pytest.fixture(scope="module")
def target() -> Iterator[EmbeddedTarget]:
    started = EmbeddedTarget(region=REGION, cache_dir=Path(".cache/harness-builds"))
    yield started
    started.teardown()


@pytest.fixture(scope="module")
def stack(target: EmbeddedTarget, sample_app: Path) -> EmbeddedStack:
    return target.deploy(sample_app, "invoke-api", {"Stage": "dev"})


@pytest.fixture(scope="module")
def function_name(stack: EmbeddedStack) -> str:
    return stack.physical_ids["ApiFunction"]


def _invoke(stack: EmbeddedStack, event: Any = None, **arguments: Any) -> dict[str, Any]:
    if event is not None:
        arguments["Payload"] = json.dumps(event).encode()
    arguments.setdefault("FunctionName", stack.physical_ids["ApiFunction"])
    response = stack.client("lambda").invoke(**arguments)
    response["Body"] = response.pop("Payload").read()
    return response


def _error_code(error: pytest.ExceptionInfo[ClientError]) -> tuple[int, str]:
    response = error.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]


def test_request_response_returns_the_handlers_payload(stack: EmbeddedStack) -> None:
    response = _invoke(stack, {"rawPath": "/env"})
    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert response["ExecutedVersion"] == "$LATEST"
    body = json.loads(response["Body"])
    assert body["table"] == stack.outputs["TableName"]
    assert body["endpoint"] == stack.endpoint.url


def test_the_function_can_be_named_by_arn_or_partial_arn(
    stack: EmbeddedStack, function_name: str
) -> None:
    arn = f"arn:aws:lambda:{REGION}:123456789012:function:{function_name}"
    for name in (arn, f"123456789012:function:{function_name}"):
        response = _invoke(stack, {"rawPath": "/env"}, FunctionName=name)
        assert json.loads(response["Body"])["stage"] == "dev"


def test_latest_a_version_and_the_alias_are_accepted_as_qualifiers(
    stack: EmbeddedStack, function_name: str
) -> None:
    """Each says which version ran: the alias runs the version it points to."""
    executed = {
        "alias": _invoke(stack, {"rawPath": "/env"}, FunctionName=f"{function_name}:live"),
        "latest": _invoke(stack, {"rawPath": "/env"}, Qualifier="$LATEST"),
        "version": _invoke(stack, {"rawPath": "/env"}, Qualifier="1"),
    }
    assert {name: r["StatusCode"] for name, r in executed.items()} == dict.fromkeys(executed, 200)
    assert {name: r["ExecutedVersion"] for name, r in executed.items()} == {
        "alias": "1",
        "latest": "$LATEST",
        "version": "1",
    }


def test_an_unknown_qualifier_is_not_found_as_lambda_words_it(
    stack: EmbeddedStack, function_name: str
) -> None:
    with pytest.raises(ClientError) as raised:
        _invoke(stack, {}, Qualifier="7")
    assert _error_code(raised) == (404, "ResourceNotFoundException")
    assert raised.value.response["Error"]["Message"] == (
        f"Function not found: arn:aws:lambda:{REGION}:123456789012:function:{function_name}:7"
    )


def test_a_qualifier_given_twice_must_agree(stack: EmbeddedStack, function_name: str) -> None:
    with pytest.raises(ClientError) as raised:
        _invoke(stack, {}, FunctionName=f"{function_name}:live", Qualifier="$LATEST")
    assert _error_code(raised) == (400, "InvalidParameterValueException")


def test_an_unhandled_error_is_a_200_with_the_error_document(stack: EmbeddedStack) -> None:
    response = _invoke(stack, {"rawPath": "/boom"})
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    document = json.loads(response["Body"])
    assert document["errorType"] == "RuntimeError"
    assert document["errorMessage"] == "boom on purpose"
    assert document["requestId"] == response["ResponseMetadata"]["RequestId"]
    assert any("raise RuntimeError" in line for line in document["stackTrace"])


def test_a_timeout_is_reported_as_lambda_reports_it(stack: EmbeddedStack) -> None:
    response = _invoke(stack, {}, FunctionName=stack.physical_ids["SlowFunction"])
    assert response["FunctionError"] == "Unhandled"
    document = json.loads(response["Body"])
    assert document["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in document["errorMessage"]


def test_tail_returns_this_invocations_log(stack: EmbeddedStack) -> None:
    response = _invoke(stack, {"rawPath": "/env"}, LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    log = base64.b64decode(response["LogResult"]).decode()
    assert f"env requested by {request_id}" in log
    assert f"REPORT RequestId: {request_id}" in log
    assert "LogResult" not in _invoke(stack, {"rawPath": "/env"})


def test_tail_keeps_only_the_last_4_kb(stack: EmbeddedStack) -> None:
    response = _invoke(stack, {"noise_lines": 1_000}, LogType="Tail")
    log = base64.b64decode(response["LogResult"])
    assert len(log) == LOG_TAIL_BYTES
    assert b"noise line 00999" in log
    assert b"noise line 00000" not in log
    assert log.rstrip().splitlines()[-1].startswith(b"REPORT RequestId:")


def test_dry_run_answers_204_and_runs_nothing(stack: EmbeddedStack) -> None:
    mark = stack.log_mark()
    response = _invoke(stack, {"rawPath": "/env"}, InvocationType="DryRun")
    assert response["StatusCode"] == 204
    assert response["Body"] == b""
    assert stack.journal.since(mark) == []


def _stored_item(stack: EmbeddedStack, item_id: str) -> dict[str, Any]:
    """The item with ``item_id`` once a background invocation has written it."""
    dynamodb = stack.client("dynamodb")
    deadline = time.monotonic() + _WAIT_S
    item: dict[str, Any] = {}
    while "Item" not in item and time.monotonic() < deadline:
        time.sleep(0.05)
        item = dynamodb.get_item(TableName=stack.outputs["TableName"], Key={"id": {"S": item_id}})
    return item.get("Item", {})


def _put_event(item_id: str) -> dict[str, Any]:
    return {"rawPath": f"/items/{item_id}", "pathParameters": {"id": item_id}, "body": "later"}


def test_event_answers_202_and_runs_in_the_background(stack: EmbeddedStack) -> None:
    response = _invoke(stack, _put_event("async-1"), InvocationType="Event")
    assert response["StatusCode"] == 202
    assert response["Body"] == b""
    assert _stored_item(stack, "async-1")["body"] == {"S": "later"}


def test_the_deprecated_invoke_async_is_an_event_invocation(
    stack: EmbeddedStack, function_name: str
) -> None:
    response = stack.client("lambda").invoke_async(
        FunctionName=function_name, InvokeArgs=json.dumps(_put_event("async-2")).encode()
    )
    assert response["Status"] == 202
    assert _stored_item(stack, "async-2")["body"] == {"S": "later"}


def test_an_event_payload_over_1_mb_is_refused(stack: EmbeddedStack) -> None:
    with pytest.raises(ClientError) as raised:
        _invoke(stack, {"pad": "x" * ASYNC_PAYLOAD_LIMIT}, InvocationType="Event")
    assert _error_code(raised) == (413, "RequestEntityTooLargeException")


def test_a_failed_event_invocation_is_logged(
    stack: EmbeddedStack, caplog: pytest.LogCaptureFixture
) -> None:
    _invoke(stack, {"rawPath": "/boom"}, InvocationType="Event")
    deadline = time.monotonic() + _WAIT_S
    while "boom on purpose" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "asynchronous invocation of invoke-api-ApiFunction-" in caplog.text
    assert "RuntimeError: boom on purpose" in caplog.text


def test_a_payload_that_is_not_json_is_refused(stack: EmbeddedStack) -> None:
    with pytest.raises(ClientError) as raised:
        stack.client("lambda").invoke(FunctionName=stack.physical_ids["ApiFunction"], Payload=b"{")
    assert _error_code(raised) == (400, "InvalidRequestContentException")


def test_a_payload_over_6_mb_is_refused_as_lambda_refuses_it(stack: EmbeddedStack) -> None:
    with pytest.raises(ClientError) as raised:
        _invoke(stack, {"pad": "x" * SYNC_PAYLOAD_LIMIT})
    assert _error_code(raised) == (413, "RequestEntityTooLargeException")
    assert f"smaller than {SYNC_PAYLOAD_LIMIT} bytes" in raised.value.response["Error"]["Message"]


def test_an_unknown_function_is_not_found(stack: EmbeddedStack) -> None:
    with pytest.raises(ClientError) as raised:
        _invoke(stack, {}, FunctionName="no-such-function")
    assert _error_code(raised) == (404, "ResourceNotFoundException")


def test_a_function_without_a_worker_says_why_it_cannot_run(stack: EmbeddedStack) -> None:
    lambda_client = stack.client("lambda")
    role = stack.client("iam").create_role(
        RoleName="invoke-api-direct", AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]
    lambda_client.create_function(
        FunctionName="created-directly",
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": b"not a zip file, never run"},
    )
    with pytest.raises(ClientError) as raised:
        _invoke(stack, {}, FunctionName="created-directly")
    assert _error_code(raised) == (409, "ResourceConflictException")
    assert "no worker runs its code" in raised.value.response["Error"]["Message"]


def test_other_calls_pass_through_to_moto(stack: EmbeddedStack, function_name: str) -> None:
    configuration = stack.client("lambda").get_function_configuration(FunctionName=function_name)
    assert configuration["Handler"] == "handlers.api"
    tables = stack.client("dynamodb").list_tables()["TableNames"]
    assert stack.outputs["TableName"] in tables


def test_the_aws_cli_invokes_a_function(
    stack: EmbeddedStack, function_name: str, tmp_path: Path
) -> None:
    out = tmp_path / "out.json"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "awscli",
            "lambda",
            "invoke",
            "--function-name",
            function_name,
            "--payload",
            json.dumps({"rawPath": "/env"}),
            str(out),
        ],
        env={**os.environ, **_cli_environment(stack)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == {"StatusCode": 200, "ExecutedVersion": "$LATEST"}
    assert json.loads(out.read_text())["table"] == stack.outputs["TableName"]


def _cli_environment(stack: EmbeddedStack) -> dict[str, str]:
    credentials = stack.endpoint.credentials or {}
    return {
        "AWS_ENDPOINT_URL": str(stack.endpoint.url),
        "AWS_DEFAULT_REGION": stack.region,
        "AWS_ACCESS_KEY_ID": credentials["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": credentials["aws_secret_access_key"],
        "AWS_SESSION_TOKEN": credentials["aws_session_token"],
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


NO_DOCKER_SCRIPT = """
import os, sys
from pathlib import Path
import boto3
from botocore.exceptions import ClientError
from harness.targets.embedded.target import EmbeddedTarget

target = EmbeddedTarget(region="us-east-1", cache_dir=Path(".cache/harness-builds"))
stack = target.deploy(Path(sys.argv[1]), "no-docker", {"Stage": "dev"})
client = stack.client("lambda")
client.invoke(FunctionName=stack.physical_ids["ApiFunction"], Payload=b'{"rawPath": "/env"}')
for name in ("no-such-function", "created-directly"):
    if name == "created-directly":
        role = stack.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")
        client.create_function(
            FunctionName=name, Runtime="python3.12", Role=role["Role"]["Arn"],
            Handler="index.handler", Code={"ZipFile": b"never run"},
        )
    try:
        client.invoke(FunctionName=name)
    except ClientError:
        pass
zombies = []
for stat in Path("/proc").glob("[0-9]*/stat"):
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
    except OSError:
        continue
    if fields[0] == "Z" and int(fields[1]) == os.getpid():
        zombies.append(stat.parent.name)
print("zombies:", zombies)
target.teardown()
"""


def test_moto_never_tries_docker_and_leaves_no_zombie(sample_app: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-c", NO_DOCKER_SCRIPT, str(sample_app)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "zombies: []" in completed.stdout
    assert "docker" not in (completed.stdout + completed.stderr).lower()
