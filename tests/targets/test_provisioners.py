"""Cognito and Secrets Manager resources created by moto's CloudFormation, with real values.

A stack holding them is created on a moto server over HTTP, as the embedded target does;
the values its outputs and exports carry are checked against moto's own service APIs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.cloudformation.parsing import get_model_list

from harness.targets.embedded import provisioners
from harness.targets.embedded.moto_models import install_models

POOL_STACK = {
    "Resources": {
        "Pool": {
            "Type": "AWS::Cognito::UserPool",
            "Properties": {
                "UserPoolName": {"Fn::Sub": "${AWS::StackName}-users"},
                "Policies": {"PasswordPolicy": {"MinimumLength": 10}},
            },
        },
        "Client": {
            "Type": "AWS::Cognito::UserPoolClient",
            "Properties": {"UserPoolId": {"Ref": "Pool"}, "GenerateSecret": "true"},
        },
        "Admins": {
            "Type": "AWS::Cognito::UserPoolGroup",
            "Properties": {"UserPoolId": {"Ref": "Pool"}, "GroupName": "admins", "Precedence": 2},
        },
        "Domain": {
            "Type": "AWS::Cognito::UserPoolDomain",
            "Properties": {"UserPoolId": {"Ref": "Pool"}, "Domain": "pool-login"},
        },
        "Secret": {
            "Type": "AWS::SecretsManager::Secret",
            "Properties": {
                "GenerateSecretString": {
                    "SecretStringTemplate": '{"user": "app"}',
                    "GenerateStringKey": "password",
                    "PasswordLength": 20,
                }
            },
        },
    },
    "Outputs": {
        "PoolId": {"Value": {"Ref": "Pool"}, "Export": {"Name": "pool-id"}},
        "PoolArn": {"Value": {"Fn::GetAtt": ["Pool", "Arn"]}},
        "ProviderUrl": {"Value": {"Fn::GetAtt": ["Pool", "ProviderURL"]}},
        "ClientId": {"Value": {"Ref": "Client"}},
        "ClientSecret": {"Value": {"Fn::GetAtt": ["Client", "ClientSecret"]}},
        "Group": {"Value": {"Ref": "Admins"}},
        "Distribution": {"Value": {"Fn::GetAtt": ["Domain", "CloudFrontDistribution"]}},
        "SecretArn": {"Value": {"Ref": "Secret"}, "Export": {"Name": "secret-arn"}},
    },
}
IMPORTING_STACK = {
    "Resources": {
        "PoolIdParameter": {
            "Type": "AWS::SSM::Parameter",
            "Properties": {
                "Name": "/importer/pool-id",
                "Type": "String",
                "Value": {"Fn::ImportValue": "pool-id"},
            },
        }
    },
    "Outputs": {"Secret": {"Value": {"Fn::ImportValue": "secret-arn"}}},
}


# A second, minimal stack: the one that is deleted again.
POOL_STACK_B = {
    "Resources": {
        "Pool": {"Type": "AWS::Cognito::UserPool"},
        "Client": {
            "Type": "AWS::Cognito::UserPoolClient",
            "Properties": {"UserPoolId": {"Ref": "Pool"}},
        },
        "Secret": {"Type": "AWS::SecretsManager::Secret", "Properties": {"SecretString": "s"}},
    },
    "Outputs": {
        "PoolId": {"Value": {"Ref": "Pool"}},
        "SecretArn": {"Value": {"Ref": "Secret"}},
    },
}


@pytest.fixture(scope="module")
def clients(moto_endpoint: dict[str, str]) -> dict[str, Any]:
    install_models()
    return {
        name: boto3.client(name, **moto_endpoint)
        for name in ("cloudformation", "cognito-idp", "secretsmanager", "ssm")
    }


@pytest.fixture(scope="module")
def outputs(clients: dict[str, Any]) -> Iterator[dict[str, str]]:
    cloudformation = clients["cloudformation"]
    cloudformation.create_stack(StackName="pools", TemplateBody=json.dumps(POOL_STACK))
    stack = cloudformation.describe_stacks(StackName="pools")["Stacks"][0]
    yield {output["OutputKey"]: output["OutputValue"] for output in stack["Outputs"]}
    cloudformation.delete_stack(StackName="pools")


@pytest.mark.parametrize("provisioner", list(provisioners.provisioned_types()))
def test_moto_still_lacks_a_model_of_its_own_for_each_provisioned_type(provisioner: str) -> None:
    """Once moto creates a type itself, its provisioner must go: moto's models come first."""
    own = {
        model.cloudformation_type()
        for model in get_model_list()
        if model.__module__.startswith("moto.")
    }
    assert provisioner not in own


def test_the_user_pool_exists_with_its_properties_and_its_documented_return_values(
    clients: dict[str, Any], outputs: dict[str, str]
) -> None:
    pool = clients["cognito-idp"].describe_user_pool(UserPoolId=outputs["PoolId"])["UserPool"]
    assert pool["Name"] == "pools-users"
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 10
    assert outputs["PoolArn"] == pool["Arn"]
    assert outputs["ProviderUrl"] == f"https://cognito-idp.us-east-1.amazonaws.com/{pool['Id']}"


def test_the_client_group_and_domain_belong_to_the_pool(
    clients: dict[str, Any], outputs: dict[str, str]
) -> None:
    idp = clients["cognito-idp"]
    client = idp.describe_user_pool_client(
        UserPoolId=outputs["PoolId"], ClientId=outputs["ClientId"]
    )["UserPoolClient"]
    assert client["ClientSecret"] == outputs["ClientSecret"]
    group = idp.get_group(UserPoolId=outputs["PoolId"], GroupName=outputs["Group"])["Group"]
    assert group["Precedence"] == 2
    domain = idp.describe_user_pool_domain(Domain="pool-login")["DomainDescription"]
    assert domain["UserPoolId"] == outputs["PoolId"]
    assert outputs["Distribution"] == domain["CloudFrontDistribution"]


def test_the_secret_holds_a_generated_password_in_its_template(
    clients: dict[str, Any], outputs: dict[str, str]
) -> None:
    value = clients["secretsmanager"].get_secret_value(SecretId=outputs["SecretArn"])
    secret = json.loads(value["SecretString"])
    assert secret["user"] == "app"
    assert len(secret["password"]) == 20
    assert value["ARN"] == outputs["SecretArn"]


def test_another_stack_imports_their_exports(
    clients: dict[str, Any], outputs: dict[str, str]
) -> None:
    cloudformation = clients["cloudformation"]
    cloudformation.create_stack(StackName="importer", TemplateBody=json.dumps(IMPORTING_STACK))
    try:
        parameter = clients["ssm"].get_parameter(Name="/importer/pool-id")["Parameter"]
        assert parameter["Value"] == outputs["PoolId"]
        stack = cloudformation.describe_stacks(StackName="importer")["Stacks"][0]
        assert stack["Outputs"][0]["OutputValue"] == outputs["SecretArn"]
    finally:
        cloudformation.delete_stack(StackName="importer")


def test_they_are_listed_as_the_stacks_resources_with_their_physical_ids(
    clients: dict[str, Any], outputs: dict[str, str]
) -> None:
    resources = clients["cloudformation"].list_stack_resources(StackName="pools")
    physical = {
        resource["LogicalResourceId"]: resource["PhysicalResourceId"]
        for resource in resources["StackResourceSummaries"]
    }
    assert physical["Pool"] == outputs["PoolId"]
    assert physical["Client"] == outputs["ClientId"]
    assert physical["Domain"] == "pool-login"


def test_deleting_the_stack_deletes_them(clients: dict[str, Any]) -> None:
    cloudformation = clients["cloudformation"]
    cloudformation.create_stack(StackName="short-lived", TemplateBody=json.dumps(POOL_STACK_B))
    stack = cloudformation.describe_stacks(StackName="short-lived")["Stacks"][0]
    values = {output["OutputKey"]: output["OutputValue"] for output in stack["Outputs"]}
    cloudformation.delete_stack(StackName="short-lived")
    pools = clients["cognito-idp"].list_user_pools(MaxResults=60)["UserPools"]
    assert values["PoolId"] not in {pool["Id"] for pool in pools}
    secrets = clients["secretsmanager"].list_secrets()["SecretList"]
    assert values["SecretArn"] not in {secret["ARN"] for secret in secrets}
