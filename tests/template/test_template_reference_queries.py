"""The queries that follow references: a role's permissions, the resources a value names,
values read as ``Fn::Sub`` text, and the service behind a resource type."""

from __future__ import annotations

from typing import Any

import pytest

from harness.template import Template
from harness.template.iam import service_prefix
from harness.template.sub import sub_text, sub_variables

ROLE_ARN = {"Fn::GetAtt": ["Role", "Arn"]}
DOCUMENT: dict[str, Any] = {
    "Resources": {
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "Policies": [
                    {
                        "PolicyName": "inline",
                        "PolicyDocument": {
                            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]
                        },
                    }
                ]
            },
        },
        "Attached": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "Roles": [{"Ref": "Role"}],
                "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sqs:Send*"}]},
            },
        },
        "Elsewhere": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "Roles": [{"Ref": "Other"}],
                "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "*"}]},
            },
        },
        "Key": {"Type": "AWS::KMS::Key", "Properties": {}},
        "OtherKey": {"Type": "AWS::KMS::Key", "Properties": {}},
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"KmsMasterKeyId": {"Ref": "Key"}}},
    }
}


def test_role_statements_are_its_inline_and_attached_policies_only() -> None:
    statements = Template(DOCUMENT).role_statements("Role")
    assert [statement.body["Action"] for statement in statements] == [
        ["s3:GetObject"],
        ["sqs:Send*"],
    ]


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ({"Ref": "Key"}, ["Key"]),
        ({"Fn::GetAtt": ["Key", "Arn"]}, ["Key"]),
        ({"Fn::Sub": "arn:aws:kms:r:a:key/${Key}"}, ["Key"]),
        ("alias/aws/sns", []),
    ],
)
def test_referred_to_finds_the_resources_a_value_names(value: Any, named: list[str]) -> None:
    assert Template(DOCUMENT).referred_to(value, "AWS::KMS::Key").ids == named


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({"Ref": "Api"}, "${Api}"),
        (ROLE_ARN, "${Role.Arn}"),
        ({"Fn::Sub": "${Fn}:live"}, "${Fn}:live"),
        (
            {"Fn::Sub": ["role/${Prefix}-${Who}", {"Who": "tester", "Prefix": {"Ref": "P"}}]},
            "role/${Prefix}-tester",
        ),
        ("$default", "$default"),
    ],
)
def test_values_read_as_sub_text_whichever_form_they_take(value: Any, text: str) -> None:
    assert sub_text(value) == text


def test_sub_variables_are_those_of_the_list_form_only() -> None:
    assert sub_variables({"Fn::Sub": ["${A}", {"A": "x"}]}) == {"A": "x"}
    assert sub_variables({"Fn::Sub": "${A}"}) == {}
    assert sub_variables("text") == {}


@pytest.mark.parametrize(
    ("resource_type", "prefix"),
    [
        ("AWS::ApiGatewayV2::Api", "apigateway"),
        ("AWS::Logs::LogGroup", "logs"),
        ("AWS::CloudWatch::Dashboard", "cloudwatch"),
        ("AWS::DynamoDB::Table", "dynamodb"),
        ("AWS::StepFunctions::StateMachine", "states"),
    ],
)
def test_service_prefix_is_the_iam_prefix_of_the_type(resource_type: str, prefix: str) -> None:
    assert service_prefix(resource_type) == prefix
