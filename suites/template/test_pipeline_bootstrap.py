"""The stage bootstrap (``pipeline/stage-bootstrap.yaml``): its roles trust only the pipeline's
roles that use them, the CloudFormation execution role can do no more than create the app's
kinds of resources under the stack's name, and the prod test role only reads.

``sam pipeline bootstrap`` gives its CloudFormation execution role ``Action: *`` on ``*``; this
one lists what the app template needs, so a new kind of resource in the app fails the deploy
until the role grants it (and this suite says which service is missing).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pipeline_plan import TEST_STAGES

from harness import (
    READ_ONLY_ACTION,
    WILDCARD_ACTION,
    Absent,
    Contains,
    Each,
    Present,
    Regex,
    Resource,
    Statement,
    Template,
    actions_that_test,
    role_of,
    service_prefix,
    sub_text,
)

pytestmark = pytest.mark.template

STAGES = ("dev", "staging", "prod")
PIPELINE = "AWS::CodePipeline::Pipeline"
DEPLOYMENT_ROLE = "DeploymentRole"
EXECUTION_ROLE = "CloudFormationExecutionRole"
TEST_ROLE = "TestRole"
PIPELINE_ACCOUNT = "${PipelineAccountId}"
# What every app stack of this stage is named and names its resources by.
STACK_NAME = "${AppStackPrefix}-${Stage}"
# Services the execution role needs beyond the app's own resource types: CloudFormation (the
# SAM transform) and S3 (Lambda reads the packaged code with the role's credentials).
DEPLOY_SERVICES = {"cloudformation", "s3"}
# Resources the execution role may name without the stack's name, and why each cannot carry it.
UNNAMED_RESOURCES = (
    # AWS-owned: the SAM transform and CodeDeploy's predefined Lambda configurations.
    re.compile(r":aws:transform/"),
    re.compile(r":deploymentconfig:CodeDeployDefault\.Lambda"),
    # The pipeline's artifact store (another stack, maybe another account).
    re.compile(r"^arn:\$\{AWS::Partition\}:s3:::\$\{AppStackPrefix\}-artifacts-"),
    # HTTP API ids are random: API Gateway paths of HTTP APIs and their tags only.
    re.compile(r":apigateway:\$\{AWS::Region\}::/(apis|apis/\*|tags/\*)$"),
)
# Actions with no resource-level permissions: "*" (or every log group) is their only resource
# (GetRandomPassword generates the app's token; it reads or writes no secret).
NO_RESOURCE_ACTIONS = re.compile(
    r"^(logs:(CreateLogDelivery|DeleteLogDelivery|DescribeResourcePolicies|GetLogDelivery"
    r"|ListLogDeliveries|PutResourcePolicy|UpdateLogDelivery|DescribeLogGroups)|kms:CreateKey"
    r"|secretsmanager:GetRandomPassword)$"
)
# Keys have random ids: a key grant must be narrowed by a condition, the stack's tag or the
# pipeline key's alias.
KEY_CONDITION = re.compile(r"^(aws:ResourceTag/aws:cloudformation:stack-name|kms:ResourceAliases)$")


def trusted_principal_arns(template: Template, role: str) -> list[str]:
    """The ``aws:PrincipalArn`` values a role's trust policy names, as ``Fn::Sub`` text."""
    names = []
    for statement in template.policy_statements().only(role):
        if statement.path[:2] != ("Properties", "AssumeRolePolicyDocument"):
            continue
        named = statement.body.get("Condition", {}).get("ArnEquals", {}).get("aws:PrincipalArn")
        values = named if isinstance(named, list) else [named]
        names += [sub_text(value) for value in values if value is not None]
    return names


def pipeline_role_arn(role: Resource) -> str:
    """The ARN a named role of the pipeline template gets, written as the bootstrap writes it."""
    path, name = role.properties.get("Path", "/"), sub_text(role.properties.get("RoleName"))
    return f"arn:${{AWS::Partition}}:iam::{PIPELINE_ACCOUNT}:role{path}{name}"


def test_stage_roles_trust_only_the_pipeline_roles_that_use_them(
    bootstrap_template: Template, pipeline_template: Template
) -> None:
    """The deployment role trusts the pipeline's service role; each stage's test role trusts
    the role of the project that tests that stage; both in the pipeline account, by name."""
    pipeline = pipeline_template.resources(PIPELINE).one()
    service_role = pipeline_template.resource(
        role_of(pipeline.properties.get("RoleArn"), pipeline.heading())
    )
    testers = {
        TEST_STAGES[found.stage.name]: pipeline_template.resource(
            role_of(found.project.properties.get("ServiceRole"), str(found))
        )
        for found in actions_that_test(pipeline_template)
        if found.stage.name in TEST_STAGES
    }
    problems = []
    for stage in STAGES:
        deployed = bootstrap_template.with_parameters(Stage=stage)
        for role, pipeline_role in (
            (DEPLOYMENT_ROLE, service_role),
            (TEST_ROLE, testers.get(stage)),
        ):
            expected = [pipeline_role_arn(pipeline_role)] if pipeline_role else []
            trusted = trusted_principal_arns(deployed, role)
            if trusted != expected or not expected:
                heading = deployed.resource(role).heading()
                problems.append(
                    f"  {heading}: with Stage={stage} it trusts {trusted}, "
                    f"expected only {expected or 'a pipeline role testing ' + stage}"
                )
    assert not problems, "stage roles trusting the wrong principals:\n" + "\n".join(problems)


def allowed(statements: Any) -> Iterator[Statement]:
    for statement in statements:
        if statement.body.get("Effect") == "Allow":
            yield statement


def test_execution_role_is_limited_to_the_apps_resource_types_and_the_stacks_names(
    bootstrap_template: Template, transformed: Callable[..., Template]
) -> None:
    """No wildcard action and no NotAction/NotResource; only the services of the resource types
    the app's transformed template declares; IAM only on roles named after the stack; every
    resource named after the stack, or one of the documented exceptions."""
    role = bootstrap_template.resource(EXECUTION_ROLE)
    bootstrap_template.resources("AWS::IAM::Role").only(EXECUTION_ROLE).all_match(
        {"Properties": {"ManagedPolicyArns": Absent()}}
    )
    statements = bootstrap_template.role_statements(EXECUTION_ROLE)
    statements.none_match({"Action": Contains([WILDCARD_ACTION])})
    statements.none_match({"NotAction": Present()})
    statements.none_match({"NotResource": Present()})
    app_services = {service_prefix(r.type) for r in transformed("prod").resources()}
    services = DEPLOY_SERVICES | app_services
    problems = []
    for statement in allowed(statements):
        body = statement.body
        foreign = sorted({action.split(":")[0] for action in body["Action"]} - services)
        if foreign:
            problems.append(
                f"  {statement.heading()}\n    uses {foreign}, which no app resource type needs"
            )
        for resource in body.get("Resource", []):
            text = sub_text(resource)
            if f"{STACK_NAME}-" in text or f"{STACK_NAME}/" in text:
                continue
            if any(pattern.search(text) for pattern in UNNAMED_RESOURCES):
                continue
            if all(NO_RESOURCE_ACTIONS.match(action) for action in body["Action"]):
                continue
            keys = [key for operator in (body.get("Condition") or {}).values() for key in operator]
            if ":key/" in text and any(KEY_CONDITION.match(key) for key in keys):
                continue
            problems.append(
                f"  {statement.heading()}\n    {text} is not named after the stack ({STACK_NAME})"
            )
    iam = statements.where({"Effect": "Allow", "Action": Contains([Regex(r"^iam:")])})
    iam.all_match(
        {"Resource": Each({"Fn::Sub": Regex(r":role/\$\{AppStackPrefix\}-\$\{Stage\}-")})},
        allow_empty=True,
    )
    assert not problems, f"{role.heading()} reaches beyond the app:\n" + "\n".join(problems)


def test_prod_test_role_can_only_read(bootstrap_template: Template) -> None:
    """The prod smoke's role in the prod account: describe and get calls only, no item access
    beyond reads (read-only by IAM, not only by the smoke suite's markers)."""
    prod = bootstrap_template.with_parameters(Stage="prod")
    prod.role_statements(TEST_ROLE).where({"Effect": "Allow"}).all_match(
        {"Action": Each(READ_ONLY_ACTION)}
    )
