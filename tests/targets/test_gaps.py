"""Emulation gaps: what moto cannot create is removed, references rewritten, all listed."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from harness.targets.embedded.gaps import is_supported, remove_unsupported

API_URL = "http://127.0.0.1:4321/"
ORIGINS = {"Api": API_URL.rstrip("/")}


def _transformed_shape() -> dict[str, Any]:
    """The resources the SAM transform makes for a function with an alias behind an HTTP API."""
    return {
        "Parameters": {"Stage": {"Type": "String"}},
        "Resources": {
            "Table": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "BillingMode": "PAY_PER_REQUEST",
                    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                },
            },
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Handler": "a.b"}},
            "FnVersion1": {
                "Type": "AWS::Lambda::Version",
                "Properties": {"FunctionName": {"Ref": "Fn"}},
            },
            "FnAliaslive": {
                "Type": "AWS::Lambda::Alias",
                "Properties": {
                    "FunctionName": {"Ref": "Fn"},
                    "Name": "live",
                    "FunctionVersion": {"Fn::GetAtt": ["FnVersion1", "Version"]},
                },
            },
            "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {}},
            "ApiStage": {
                "Type": "AWS::ApiGatewayV2::Stage",
                "Properties": {"ApiId": {"Ref": "Api"}},
            },
            "FnPermission": {
                "Type": "AWS::Lambda::Permission",
                "DependsOn": ["ApiStage", "Table"],
                "Properties": {
                    "FunctionName": {"Ref": "FnAliaslive"},
                    "SourceArn": {"Fn::Sub": "arn:aws:execute-api:r:a:${Api}/*/GET/items"},
                },
            },
            "ErrorsAlarm": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "Namespace": "AWS/Lambda",
                    "MetricName": "Errors",
                    "Dimensions": [{"Name": "Resource", "Value": {"Fn::Sub": "${Fn}:live"}}],
                    "Statistic": "Sum",
                    "Period": 60,
                    "EvaluationPeriods": 1,
                    "Threshold": 0,
                    "ComparisonOperator": "GreaterThanThreshold",
                },
            },
            "DeployApp": {
                "Type": "AWS::CodeDeploy::Application",
                "Properties": {"ComputePlatform": "Lambda"},
            },
            "Hook": {
                "Type": "Custom::Seed",
                "Properties": {"ServiceToken": {"Fn::GetAtt": ["Fn", "Arn"]}},
            },
        },
        "Outputs": {
            "ApiUrl": {
                "Value": {"Fn::Sub": "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/"}
            },
            "AliasArn": {"Value": {"Ref": "FnAliaslive"}},
            "TableName": {"Value": {"Ref": "Table"}},
            "StageName": {"Value": {"Fn::GetAtt": "ApiStage.StageName"}},
        },
    }


@pytest.fixture
def removed() -> tuple[dict[str, Any], dict[str, str]]:
    template, gaps = remove_unsupported(_transformed_shape(), api_origins=ORIGINS)
    return template, {gap.logical_id: gap.reason for gap in gaps}


def test_unsupported_resource_types_are_removed_and_listed(removed) -> None:
    template, gaps = removed
    for logical_id in ("Api", "ApiStage"):
        assert logical_id not in template["Resources"]
        assert logical_id in gaps
    assert "AWS::ApiGatewayV2::Stage" in gaps["ApiStage"]


def test_supported_and_custom_resources_are_kept_unchanged(removed) -> None:
    template, gaps = removed
    original = _transformed_shape()["Resources"]
    for logical_id in ("Table", "Fn", "FnVersion1", "Hook"):
        assert template["Resources"][logical_id] == original[logical_id]
        assert logical_id not in gaps


def test_the_release_emulations_resources_are_kept(removed) -> None:
    """Aliases, alarms and CodeDeploy are created by the release emulation's models."""
    template, gaps = removed
    for logical_id in ("FnAliaslive", "ErrorsAlarm", "DeployApp"):
        assert logical_id in template["Resources"]
        assert logical_id not in gaps
    permission = template["Resources"]["FnPermission"]
    assert permission["Properties"]["FunctionName"] == {"Ref": "FnAliaslive"}


def test_sub_references_to_removed_resources_become_their_logical_id(removed) -> None:
    permission = removed[0]["Resources"]["FnPermission"]
    assert permission["Properties"]["SourceArn"] == {
        "Fn::Sub": "arn:aws:execute-api:r:a:Api/*/GET/items"
    }


def test_depends_on_forgets_removed_resources(removed) -> None:
    assert removed[0]["Resources"]["FnPermission"]["DependsOn"] == ["Table"]


def test_api_url_output_becomes_the_local_api(removed) -> None:
    template, gaps = removed
    assert template["Outputs"]["ApiUrl"]["Value"] == API_URL
    assert "Outputs.ApiUrl" not in gaps


def test_outputs_naming_removed_resources_are_dropped_and_listed(removed) -> None:
    template, gaps = removed
    assert set(template["Outputs"]) == {"ApiUrl", "TableName", "AliasArn"}
    assert "ApiStage" in gaps["Outputs.StageName"]


def test_without_a_local_api_the_api_url_output_is_dropped_too() -> None:
    template, gaps = remove_unsupported(
        _transformed_shape(),
    )
    assert "ApiUrl" not in template["Outputs"]
    assert "Outputs.ApiUrl" in {gap.logical_id for gap in gaps}


def test_sub_with_local_variables_shadowing_a_removed_id_is_left_alone() -> None:
    shape = _transformed_shape()
    shape["Resources"]["Fn"]["Properties"]["Description"] = {
        "Fn::Sub": ["${Api} and ${ApiStage}", {"Api": "literal"}]
    }
    template, _ = remove_unsupported(shape, api_origins=ORIGINS)
    assert template["Resources"]["Fn"]["Properties"]["Description"] == {
        "Fn::Sub": ["${Api} and ApiStage", {"Api": "literal"}]
    }


def test_input_template_is_not_modified() -> None:
    shape = _transformed_shape()
    before = copy.deepcopy(shape)
    remove_unsupported(shape, api_origins=ORIGINS)
    assert shape == before


@pytest.mark.parametrize(
    ("resource_type", "supported"),
    [
        ("AWS::DynamoDB::Table", True),
        ("AWS::Lambda::Function", True),
        ("AWS::Lambda::Permission", True),
        ("AWS::Custom::Anything", False),
        ("Custom::Seed", True),
        ("AWS::ApiGatewayV2::Api", False),
        ("AWS::Lambda::Alias", True),
        ("AWS::CloudWatch::Alarm", True),
        ("AWS::CodeDeploy::DeploymentGroup", True),
        ("AWS::CloudWatch::CompositeAlarm", False),
        ("AWS::CloudFormation::WaitCondition", False),
    ],
)
def test_support_follows_motos_own_model_map(resource_type: str, supported: bool) -> None:
    assert is_supported(resource_type) is supported


def test_the_rewritten_template_is_created_by_moto(moto_endpoint) -> None:
    import boto3

    template, _ = remove_unsupported(_transformed_shape(), api_origins=ORIGINS)
    del template["Resources"]["Hook"]  # a custom resource needs a live ServiceToken
    template["Resources"]["Fn"] = {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Handler": "index.handler",
            "Runtime": "python3.12",
            "Role": {"Fn::GetAtt": ["FnRole", "Arn"]},
            "Code": {"ZipFile": "def handler(event, context):\n    return 1\n"},
        },
    }
    template["Resources"]["FnRole"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}},
    }
    cloudformation = boto3.client("cloudformation", **moto_endpoint)
    cloudformation.create_stack(
        StackName="gaps",
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": "Stage", "ParameterValue": "dev"}],
    )
    described = cloudformation.describe_stacks(StackName="gaps")["Stacks"][0]
    assert described["StackStatus"] == "CREATE_COMPLETE"
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}
    assert outputs["ApiUrl"] == API_URL
    assert outputs["AliasArn"].endswith(":live")


def _with_optional_subscriber() -> dict[str, Any]:
    """A topic whose subscription (which moto cannot create) exists only when an endpoint is set."""
    return {
        "Parameters": {"Endpoint": {"Type": "String", "Default": ""}},
        "Conditions": {"HasEndpoint": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Endpoint"}, ""]}]}},
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {}},
            "Subscription": {
                "Type": "AWS::SNS::Subscription",
                "Condition": "HasEndpoint",
                "Properties": {"TopicArn": {"Ref": "Topic"}, "Endpoint": {"Ref": "Endpoint"}},
            },
        },
    }


def test_a_resource_whose_condition_is_false_is_no_gap() -> None:
    template, gaps = remove_unsupported(_with_optional_subscriber(), parameters={})
    assert gaps == []
    # Left for moto, which skips it by its condition as CloudFormation does.
    assert "Subscription" in template["Resources"]


def test_a_resource_whose_condition_holds_is_a_gap() -> None:
    template, gaps = remove_unsupported(
        _with_optional_subscriber(), parameters={"Endpoint": "ops@example.com"}
    )
    assert [gap.logical_id for gap in gaps] == ["Subscription"]
    assert "Subscription" not in template["Resources"]


def test_a_condition_unknown_offline_counts_as_true() -> None:
    shape = _with_optional_subscriber()
    shape["Conditions"]["HasEndpoint"] = {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}
    _, gaps = remove_unsupported(shape, parameters={})
    assert [gap.logical_id for gap in gaps] == ["Subscription"]


def test_an_exported_output_naming_a_removed_resource_keeps_a_placeholder_and_says_so() -> None:
    shape = _transformed_shape()
    shape["Outputs"]["ExportedApiId"] = {"Value": {"Ref": "Api"}, "Export": {"Name": "api-id"}}
    template, gaps = remove_unsupported(shape, api_origins=ORIGINS)
    assert template["Outputs"]["ExportedApiId"] == {"Value": "Api", "Export": {"Name": "api-id"}}
    reason = next(gap.reason for gap in gaps if gap.logical_id == "Outputs.ExportedApiId")
    assert "exported with a placeholder" in reason
