"""``harness logs`` on AWS: CloudWatch Logs, with botocore's Stubber playing the account.

Nothing here can reach CloudWatch Logs, and no emulator on this machine holds Lambda's
log groups (the embedded target's workers write files), so Stubber answers as the API
references document: ``ListStackResources``, ``GetFunctionConfiguration``
(``LoggingConfig``), ``GetStage`` of both API Gateway versions and ``FilterLogEvents``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from harness.cli import logs as logs_command
from harness.logs.cloudwatch import LOOKBACK_S, StackLogGroups, log_group_of
from harness.logs.files import LogsError

REGION = "eu-west-1"
STACK = "items-prod"
GROUP_ARN = f"arn:aws:logs:{REGION}:123456789012:log-group:/apis/items-access:*"


@pytest.fixture
def stubbers() -> Iterator[dict[str, Stubber]]:
    services = ("cloudformation", "lambda", "apigateway", "apigatewayv2", "logs")
    clients = {
        service: boto3.client(
            service,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        for service in services
    }
    stubbers = {service: Stubber(client) for service, client in clients.items()}
    for stubber in stubbers.values():
        stubber.activate()
    yield stubbers
    for stubber in stubbers.values():
        stubber.assert_no_pending_responses()
        stubber.deactivate()


def _resource(logical_id: str, kind: str, physical: str) -> dict[str, Any]:
    return {
        "LogicalResourceId": logical_id,
        "PhysicalResourceId": physical,
        "ResourceType": kind,
        "LastUpdatedTimestamp": "2024-05-01T10:00:00Z",
        "ResourceStatus": "CREATE_COMPLETE",
    }


def _discovered(stubbers: dict[str, Stubber]) -> StackLogGroups:
    _queue_resources(stubbers)
    return StackLogGroups.discover(STACK, lambda service: stubbers[service].client)


def _queue_resources(stubbers: dict[str, Stubber]) -> None:
    stubbers["cloudformation"].add_response(
        "list_stack_resources",
        {
            "StackResourceSummaries": [
                _resource("WriteFunction", "AWS::Lambda::Function", "items-prod-Write-AbC"),
                _resource("ReadFunction", "AWS::Lambda::Function", "items-prod-Read-XyZ"),
                _resource("HttpApi", "AWS::ApiGatewayV2::Api", "h1"),
                _resource("HttpApiApiGatewayDefaultStage", "AWS::ApiGatewayV2::Stage", "$default"),
                _resource("RestApi", "AWS::ApiGateway::RestApi", "r1"),
                _resource("RestApiProdStage", "AWS::ApiGateway::Stage", "Prod"),
            ]
        },
        {"StackName": STACK},
    )


def _queue_configuration(stubbers: dict[str, Stubber], name: str, **logging: str) -> None:
    stubbers["lambda"].add_response(
        "get_function_configuration",
        {"FunctionName": name, **({"LoggingConfig": logging} if logging else {})},
        {"FunctionName": name},
    )


def test_functions_log_to_their_logging_config_group_else_aws_lambda(
    stubbers: dict[str, Stubber],
) -> None:
    stack = _discovered(stubbers)
    assert stack.function_ids() == ["ReadFunction", "WriteFunction"]
    assert stack.api_ids() == ["HttpApi", "RestApi"]
    assert stack.function("items-prod-Write-AbC") == "WriteFunction"
    _queue_configuration(
        stubbers, "items-prod-Write-AbC", LogFormat="JSON", LogGroup="/items/shared"
    )
    _queue_configuration(stubbers, "items-prod-Read-XyZ")
    assert stack.function_group("WriteFunction") == "/items/shared"
    assert stack.function_group("ReadFunction") == "/aws/lambda/items-prod-Read-XyZ"


def test_an_unknown_function_is_refused_naming_the_stacks_functions(
    stubbers: dict[str, Stubber],
) -> None:
    stack = _discovered(stubbers)
    with pytest.raises(LogsError, match="has no function 'Nope'; its functions: ReadFunction, "):
        stack.function("Nope")


def test_access_logs_go_where_each_stages_access_log_settings_say(
    stubbers: dict[str, Stubber],
) -> None:
    stack = _discovered(stubbers)
    stubbers["apigatewayv2"].add_response(
        "get_stage",
        {"StageName": "$default", "AccessLogSettings": {"DestinationArn": GROUP_ARN}},
        {"ApiId": "h1", "StageName": "$default"},
    )
    stubbers["apigateway"].add_response(
        "get_stage", {"stageName": "Prod"}, {"restApiId": "r1", "stageName": "Prod"}
    )
    assert stack.access_log_group("HttpApi") == "/apis/items-access"
    with pytest.raises(LogsError, match="API RestApi \\(stage Prod\\) writes no access log"):
        stack.access_log_group("RestApi")
    assert log_group_of("arn:aws:logs:r:1:log-group:plain") == "plain"


def _event(event_id: str, timestamp_ms: int, message: str) -> dict[str, Any]:
    return {
        "eventId": event_id,
        "timestamp": timestamp_ms,
        "message": message,
        "logStreamName": "s",
        "ingestionTime": timestamp_ms,
    }


def test_events_come_from_filter_log_events_with_the_pattern_as_given_and_follow_dedupes(
    stubbers: dict[str, Stubber],
) -> None:
    stack = _discovered(stubbers)
    _queue_configuration(stubbers, "items-prod-Write-AbC")
    group = "/aws/lambda/items-prod-Write-AbC"
    pattern = "%ERR(OR)?%"  # CloudWatch's own syntax passes through, unparsed
    logs = stubbers["logs"]
    first = {"logGroupName": group, "startTime": 900_000, "filterPattern": pattern}
    logs.add_response(
        "filter_log_events",
        {"events": [_event("1", 1_000_500, "ERROR one\n")], "nextToken": "page-2"},
        first,
    )
    logs.add_response(
        "filter_log_events",
        {"events": [_event("2", 1_000_100, "ERROR two")]},
        {**first, "nextToken": "page-2"},
    )
    reader = stack.reader(["WriteFunction"], [], pattern)
    events = reader.read(900.0, None)
    assert [(event.source, event.message) for event in events] == [
        ("WriteFunction", "ERROR two"),
        ("WriteFunction", "ERROR one"),
    ]
    newest_ms = 1_000_500
    logs.add_response(
        "filter_log_events",
        {"events": [_event("1", newest_ms, "ERROR one"), _event("3", 1_002_000, "ERROR three")]},
        {
            "logGroupName": group,
            "startTime": int(newest_ms - LOOKBACK_S * 1000),
            "filterPattern": pattern,
        },
    )
    assert [event.message for event in reader.read(900.0, None)] == ["ERROR three"]


def test_a_group_no_invocation_created_yet_has_no_events(stubbers: dict[str, Stubber]) -> None:
    stack = _discovered(stubbers)
    _queue_configuration(stubbers, "items-prod-Read-XyZ")
    stubbers["logs"].add_client_error(
        "filter_log_events", "ResourceNotFoundException", "The specified log group does not exist."
    )
    assert stack.reader(["ReadFunction"], [], "").read(None, 2_000.0) == []


def test_the_command_on_aws_prints_the_events_readable(
    stubbers: dict[str, Stubber],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(
        "harness.targets.base.make_client", lambda service, endpoint: stubbers[service].client
    )
    _queue_resources(stubbers)
    stubbers["apigatewayv2"].add_response(
        "get_stage",
        {"StageName": "$default", "AccessLogSettings": {"DestinationArn": GROUP_ARN}},
        {"ApiId": "h1", "StageName": "$default"},
    )
    stubbers["logs"].add_response(
        "filter_log_events",
        {"events": [_event("1", 1_714_557_600_250, '{"requestId": "r-1", "status": "200"}')]},
        {"logGroupName": "/apis/items-access", "startTime": 1_714_557_000_000},
    )
    status = logs_command.main(
        ["--target", "aws", "--stack-name", STACK, "--region", REGION,
         "--api", "HttpApi", "--since", "2024-05-01T09:50:00Z"]
    )  # fmt: skip
    shown = capsys.readouterr()
    assert status == 0, shown.err
    assert shown.out == "2024-05-01T10:00:00.250Z [HttpApi] requestId=r-1 status=200\n"


def test_the_command_on_aws_needs_the_stack_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert logs_command.main(["--target", "aws", "--all"]) == 1
    assert "name the stack with --stack-name (or HARNESS_STACK_NAME)" in capsys.readouterr().err
