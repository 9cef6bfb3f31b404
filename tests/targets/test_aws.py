"""The aws target discovers a stack with describe_stacks; botocore's Stubber plays AWS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from harness.targets.aws import AwsTarget
from harness.targets.base import Endpoint, StackNotReady

REGION = "eu-west-1"
STACK = "items-dev"


@pytest.fixture
def cloudformation() -> Iterator[Stubber]:
    client = boto3.client(
        "cloudformation",
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def target(cloudformation: Stubber) -> AwsTarget:
    def client_factory(service: str, endpoint: Endpoint) -> Any:
        assert (service, endpoint.region, endpoint.url) == ("cloudformation", REGION, None)
        return cloudformation.client

    return AwsTarget(region=REGION, client_factory=client_factory)


def _described(status: str, **extra: Any) -> dict[str, Any]:
    stack = {
        "StackName": STACK,
        "StackId": f"arn:aws:cloudformation:{REGION}:123456789012:stack/{STACK}/1",
        "CreationTime": "2026-01-01T00:00:00Z",
        "StackStatus": status,
        **extra,
    }
    return {"Stacks": [stack]}


def _resources() -> dict[str, Any]:
    return {
        "StackResourceSummaries": [
            {
                "LogicalResourceId": "ItemsTable",
                "PhysicalResourceId": "items-dev-ItemsTable-ABC",
                "ResourceType": "AWS::DynamoDB::Table",
                "LastUpdatedTimestamp": "2026-01-01T00:00:00Z",
                "ResourceStatus": "CREATE_COMPLETE",
            }
        ]
    }


@pytest.mark.parametrize("status", ["CREATE_COMPLETE", "UPDATE_COMPLETE"])
def test_a_healthy_stack_gives_outputs_and_physical_ids(
    target: AwsTarget, cloudformation: Stubber, status: str
) -> None:
    outputs = [{"OutputKey": "ApiUrl", "OutputValue": "https://abc.execute-api.x.amazonaws.com"}]
    cloudformation.add_response(
        "describe_stacks", _described(status, Outputs=outputs), {"StackName": STACK}
    )
    cloudformation.add_response("list_stack_resources", _resources(), {"StackName": STACK})
    stack = target.stack(STACK)
    assert stack.api_url == "https://abc.execute-api.x.amazonaws.com/"
    assert stack.physical_ids == {"ItemsTable": "items-dev-ItemsTable-ABC"}
    assert stack.region == REGION


def test_a_missing_stack_names_stack_and_region(target: AwsTarget, cloudformation: Stubber) -> None:
    cloudformation.add_client_error(
        "describe_stacks",
        service_error_code="ValidationError",
        service_message=f"Stack with id {STACK} does not exist",
    )
    with pytest.raises(StackNotReady, match=f"'{STACK}' in region {REGION}: does not exist"):
        target.stack(STACK)


@pytest.mark.parametrize(
    "status",
    ["ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_FAILED", "CREATE_IN_PROGRESS", "DELETE_COMPLETE"],
)
def test_a_stack_not_healthily_complete_is_refused(
    target: AwsTarget, cloudformation: Stubber, status: str
) -> None:
    cloudformation.add_response(
        "describe_stacks", _described(status, StackStatusReason="boom"), {"StackName": STACK}
    )
    with pytest.raises(StackNotReady, match=f"{STACK}.*{REGION}.*is {status}.*boom"):
        target.stack(STACK)


def test_a_stack_rolled_back_to_its_previous_release_is_served(
    target: AwsTarget, cloudformation: Stubber
) -> None:
    """UPDATE_ROLLBACK_COMPLETE serves the old version: the release checks must judge it."""
    cloudformation.add_response(
        "describe_stacks", _described("UPDATE_ROLLBACK_COMPLETE"), {"StackName": STACK}
    )
    cloudformation.add_response("list_stack_resources", _resources(), {"StackName": STACK})
    assert target.stack(STACK).name == STACK


def test_a_stack_without_an_api_url_output_says_which_outputs_it_has(
    target: AwsTarget, cloudformation: Stubber
) -> None:
    outputs = [{"OutputKey": "TableName", "OutputValue": "t"}]
    cloudformation.add_response(
        "describe_stacks", _described("CREATE_COMPLETE", Outputs=outputs), {"StackName": STACK}
    )
    cloudformation.add_response("list_stack_resources", _resources(), {"StackName": STACK})
    stack = target.stack(STACK)
    with pytest.raises(StackNotReady, match=r"no output 'ApiUrl' .*TableName"):
        _ = stack.api_url


def test_the_aws_target_never_deploys(target: AwsTarget) -> None:
    with pytest.raises(NotImplementedError, match="never deploys"):
        target.deploy(Path("app/template.yaml"), STACK, {"Stage": "dev"})
    assert "deploy" not in target.capabilities


def _summary(logical_id: str, resource_type: str, physical_id: str) -> dict[str, object]:
    return {
        "LogicalResourceId": logical_id,
        "PhysicalResourceId": physical_id,
        "ResourceType": resource_type,
        "LastUpdatedTimestamp": "2026-01-01T00:00:00Z",
        "ResourceStatus": "CREATE_COMPLETE",
    }


def test_without_an_api_url_output_the_api_url_comes_from_the_stacks_api(
    target: AwsTarget, cloudformation: Stubber
) -> None:
    resources = [
        _summary("ServerlessRestApi", "AWS::ApiGateway::RestApi", "r3st4p1id"),
        _summary("ServerlessRestApiProdStage", "AWS::ApiGateway::Stage", "Prod"),
        _summary("ServerlessRestApiDeployment1", "AWS::ApiGateway::Deployment", "d1"),
    ]
    cloudformation.add_response(
        "describe_stacks", _described("CREATE_COMPLETE", Outputs=[]), {"StackName": STACK}
    )
    cloudformation.add_response(
        "list_stack_resources", {"StackResourceSummaries": resources}, {"StackName": STACK}
    )
    stack = target.stack(STACK)
    assert stack.api_url == f"https://r3st4p1id.execute-api.{REGION}.amazonaws.com/Prod/"


def test_with_several_apis_harness_api_picks_one(
    target: AwsTarget, cloudformation: Stubber
) -> None:
    resources = [
        _summary("ShopApi", "AWS::ApiGateway::RestApi", "shop1"),
        _summary("ShopApiStage", "AWS::ApiGateway::Stage", "dev"),
        _summary("EventsApi", "AWS::ApiGatewayV2::Api", "events1"),
        _summary("EventsApiApiGatewayDefaultStage", "AWS::ApiGatewayV2::Stage", "$default"),
    ]
    cloudformation.add_response(
        "describe_stacks", _described("CREATE_COMPLETE", Outputs=[]), {"StackName": STACK}
    )
    cloudformation.add_response(
        "list_stack_resources", {"StackResourceSummaries": resources}, {"StackName": STACK}
    )
    stack = target.stack(STACK)
    with pytest.raises(StackNotReady, match=r"has 2 APIs \(ShopApi, EventsApi\).*harness_api"):
        _ = stack.api_url
    stack.preferred_api = "EventsApi"
    assert stack.api_url == f"https://events1.execute-api.{REGION}.amazonaws.com/"
    stack.preferred_api = "ShopApi"
    assert stack.api_url == f"https://shop1.execute-api.{REGION}.amazonaws.com/dev/"
    stack.preferred_api = "Nope"
    with pytest.raises(StackNotReady, match=r"no API .Nope.*ShopApi, EventsApi"):
        _ = stack.api_url
