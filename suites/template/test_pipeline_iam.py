"""Least privilege in the pipeline: no wildcard actions in any policy, the CloudFormation
execution role confined to the app's names, the prod smoke read-only, approvals deliverable."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest

from harness.template import ResourceSet, Statement, Template
from harness.template.match import (
    Absent,
    AnyOf,
    Contains,
    Each,
    Not,
    Present,
    RefersTo,
    Regex,
    render,
)

pytestmark = pytest.mark.template

PIPELINE = "AWS::CodePipeline::Pipeline"
WILDCARD_ACTION = Regex(r"^(\*|[\w-]+:\*)$")
# The one statement allowed a service-wide action: a Deny that grants nothing and is the only
# way to cover every request made without TLS.
TLS_DENY = {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": AnyOf(False, "false")}}}
IAM_ACTION = Regex(r"^iam:", re.IGNORECASE)
# IAM names under the app's prefix (the AppStackPrefix parameter) in this account; the hyphen
# keeps prefix "items-api" from also covering "items-api2".
APP_IAM_RESOURCE = {
    "Fn::Sub": Regex(
        r"^arn:\$\{AWS::Partition\}:iam::\$\{AWS::AccountId\}:[\w-]+/\$\{AppStackPrefix\}-"
    )
}
READ_ONLY_ACTION = Regex(r"^[\w-]+:(Get|List|Describe|BatchGet|Query|Scan)", re.IGNORECASE)
# What any CodeBuild project writes about itself: its log stream and its test reports.
OWN_BUILD_RECORDS = Regex(
    r"^(logs:(CreateLogStream|PutLogEvents)"
    r"|codebuild:(CreateReport|UpdateReport|BatchPutTestCases|BatchPutCodeCoverages))$"
)
PROD_SMOKE_STAGE = "SmokeProd"


def role_statements(template: Template, role: str) -> ResourceSet[Statement]:
    """The permissions of a role: its inline policies and the policies attached to it."""
    attached = template.resources(
        where={
            "Type": AnyOf("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"),
            "Properties": {"Roles": Contains([{"Ref": role}])},
        }
    )
    return template.iam_statements().only(role, *attached.ids)


def ref(value: Any) -> str | None:
    """The logical id a ``Ref`` names; ``None`` for anything else."""
    return value.get("Ref") if isinstance(value, Mapping) else None


def role_of(arn: Any, owner: str) -> str:
    """The logical id in a ``Fn::GetAtt [Role, Arn]``; ``owner`` names who passed it."""
    if isinstance(arn, Mapping) and isinstance(arn.get("Fn::GetAtt"), list):
        return str(arn["Fn::GetAtt"][0])
    raise AssertionError(f"{owner}: expected a role of this stack, found {render(arn)}")


def test_no_policy_allows_every_action(pipeline_template: Template) -> None:
    statements = pipeline_template.policy_statements()
    statements.where(Not(TLS_DENY)).none_match({"Action": Contains([WILDCARD_ACTION])})
    statements.none_match({"Effect": "Allow", "NotAction": Present()})


def test_cloudformation_execution_role_touches_only_the_apps_iam_resources(
    pipeline_template: Template,
) -> None:
    """The role that deploys the app can create roles, so it could create an admin role for
    itself; confining every IAM action to the app's name prefix prevents that."""
    roles = {
        role_of(action.configuration.get("RoleArn"), f"stage {stage.name} action {action.name}")
        for stage in pipeline_template.pipeline_stages()
        for action in stage.actions
        if action.provider == "CloudFormation" and "TemplatePath" in action.configuration
    }
    assert roles, f"{pipeline_template.label}: no CloudFormation action deploys with a RoleArn"
    # Managed policies are out of this check's sight: none may be attached.
    pipeline_template.resources("AWS::IAM::Role").only(*roles).all_match(
        {"Properties": {"ManagedPolicyArns": Absent()}}
    )
    for role in sorted(roles):
        statements = role_statements(pipeline_template, role)
        iam = statements.where({"Effect": "Allow", "Action": Contains([IAM_ACTION])})
        iam.all_match({"Resource": Each(APP_IAM_RESOURCE)}, allow_empty=True)
        statements.none_match({"NotResource": Present()})


def test_prod_smoke_can_only_read(pipeline_template: Template) -> None:
    """Read-only enforced by IAM, not only by test markers: nothing beyond reads, except the
    build's own logs and test reports."""
    projects = [
        ref(action.configuration.get("ProjectName"))
        for stage in pipeline_template.pipeline_stages()
        if stage.name == PROD_SMOKE_STAGE
        for action in stage.actions
    ]
    smoke_projects = pipeline_template.resources("AWS::CodeBuild::Project").only(*projects)
    assert smoke_projects, f"{pipeline_template.label}: no project runs stage {PROD_SMOKE_STAGE}"
    for project in smoke_projects:
        role = role_of(project.properties.get("ServiceRole"), project.heading())
        role_statements(pipeline_template, role).where({"Effect": "Allow"}).all_match(
            {"Action": Each(AnyOf(READ_ONLY_ACTION, OWN_BUILD_RECORDS))}
        )


def test_pipeline_role_can_deliver_approval_requests(pipeline_template: Template) -> None:
    """The approval's notification goes out as the pipeline role: it must be allowed to
    publish to the topic and, when the topic is encrypted, to use the topic's key."""
    pipeline = pipeline_template.resources(PIPELINE).one()
    role = role_of(pipeline.properties.get("RoleArn"), pipeline.heading())
    topics = {
        ref(action.configuration.get("NotificationArn"))
        for stage in pipeline_template.pipeline_stages()
        for action in stage.actions
        if action.category == "Approval"
    }
    approval_topics = pipeline_template.resources("AWS::SNS::Topic").only(*topics)
    assert approval_topics, f"{pipeline_template.label}: no approval action names a topic"
    statements = role_statements(pipeline_template, role)
    for topic in approval_topics:
        statements.any_match(
            {
                "Effect": "Allow",
                "Action": Contains(["sns:Publish"]),
                "Resource": Contains([{"Ref": topic.logical_id}]),
            }
        )
        key = ref(topic.properties.get("KmsMasterKeyId"))
        if key is not None:
            pipeline_template.policy_statements().only(key).any_match(
                {
                    "Effect": "Allow",
                    "Principal": RefersTo(role),
                    "Action": Contains(["kms:GenerateDataKey"]),
                }
            )
