"""Least privilege in the pipeline and its stage bootstrap: no wildcard actions in any policy,
resource policies grant only named principals, the prod smoke read-only, approvals
deliverable. (The stage roles' own scope is checked in ``test_pipeline_bootstrap``.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from harness import (
    NAMED_PRINCIPALS,
    READ_ONLY_ACTION,
    WILDCARD_ACTION,
    AnyOf,
    Contains,
    Each,
    Not,
    Present,
    RefersTo,
    Regex,
    Template,
    role_of,
)

pytestmark = pytest.mark.template

PIPELINE = "AWS::CodePipeline::Pipeline"
# The one statement allowed a service-wide action: a Deny that grants nothing and is the only
# way to cover every request made without TLS.
TLS_DENY = {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": AnyOf(False, "false")}}}
# What any CodeBuild project writes about itself: its log stream and its test reports.
OWN_BUILD_RECORDS = Regex(
    r"^(logs:(CreateLogStream|PutLogEvents)"
    r"|codebuild:(CreateReport|UpdateReport|BatchPutTestCases|BatchPutCodeCoverages))$"
)
PROD_SMOKE_STAGE = "SmokeProd"
ASSUME_ROLE = "sts:AssumeRole"


def ref(value: Any) -> str | None:
    """The logical id a ``Ref`` names; ``None`` for anything else."""
    return value.get("Ref") if isinstance(value, Mapping) else None


def test_no_policy_allows_every_action(
    pipeline_template: Template, bootstrap_template: Template
) -> None:
    for template in (pipeline_template, bootstrap_template):
        statements = template.policy_statements()
        statements.where(Not(TLS_DENY)).none_match({"Action": Contains([WILDCARD_ACTION])})
        statements.none_match({"Effect": "Allow", "NotAction": Present()})


def test_resource_policies_grant_only_named_principals(
    pipeline_template: Template, bootstrap_template: Template
) -> None:
    """Key and bucket policies and trust policies: no grant to anyone or to a whole account
    (a stage account, the pipeline account) unless an aws:PrincipalArn condition names who."""
    for template in (pipeline_template, bootstrap_template):
        template.policy_statements().all_match(NAMED_PRINCIPALS)


def test_prod_smoke_can_only_read(pipeline_template: Template) -> None:
    """Read-only enforced by IAM, not only by test markers: nothing beyond reads, except the
    build's own logs and test reports, and assuming the stage's test role (which may only
    read: ``test_pipeline_bootstrap``)."""
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
        pipeline_template.role_statements(role).where({"Effect": "Allow"}).all_match(
            {"Action": Each(AnyOf(READ_ONLY_ACTION, OWN_BUILD_RECORDS, ASSUME_ROLE))}
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
    statements = pipeline_template.role_statements(role)
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
