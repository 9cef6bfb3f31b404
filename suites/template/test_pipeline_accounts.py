"""Per-stage accounts: each stage's actions run as that stage's roles, in that stage's account
(the roles ``pipeline/stage-bootstrap.yaml`` creates there), and the artifact store grants
exactly those roles of exactly those accounts.

A stage's account is its ``<Stage>AccountId`` parameter (empty: the pipeline's own account);
role ARNs are read as ``Fn::Sub`` text, ``arn:${AWS::Partition}:iam::${Account}:role/...``,
with ``Account`` the variable holding the stage's account. The names of the stage roles come
from the bootstrap template, so renaming a role on one side only fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from pipeline_plan import DEPLOY_STAGES, TEST_STAGES

from harness.pipeline.stages import artifact_store_location
from harness.template import Statement, Template
from harness.template.codebuild import action_environment, actions_that_test, buildspec_of
from harness.template.iam import role_of
from harness.template.match import RefersTo, match, render
from harness.template.sub import sub_text, sub_variables

pytestmark = pytest.mark.template

PIPELINE = "AWS::CodePipeline::Pipeline"
ACCOUNT_PARAMETERS = {"dev": "DevAccountId", "staging": "StagingAccountId", "prod": "ProdAccountId"}
# The bootstrap's roles, by what the pipeline uses them for.
DEPLOYMENT_ROLE = "DeploymentRole"
EXECUTION_ROLE = "CloudFormationExecutionRole"
TEST_ROLE = "TestRole"
# The action variable holding the role a test action's suite runs as.
ROLE_VARIABLE = "STAGE_ROLE_ARN"
# Actions that read or write what the store holds (key administration reads none of it).
USES_CONTENT = re.compile(r"^(kms:(Decrypt|Encrypt|GenerateDataKey|ReEncrypt)|s3:)")
_IAM_ARN = re.compile(r"^arn:\$\{AWS::Partition\}:iam::\$\{([\w:]+)\}:(.+)$")


def stage_role(bootstrap: Template, logical_id: str, stage: str) -> str:
    """The ``role/<path><name>`` part of a bootstrap role's ARN once deployed for ``stage``."""
    role = bootstrap.resource(logical_id)
    name = sub_text(role.properties.get("RoleName")).replace("${Stage}", stage)
    return f"role{role.properties.get('Path', '/')}{name}"


def arn_account_and_name(value: Any, variables: Mapping[str, Any] | None = None) -> tuple[Any, str]:
    """(the account expression, ``role/...``) of an IAM ARN written as ``Fn::Sub``."""
    text = sub_text(value) if not isinstance(value, str) else value
    found = _IAM_ARN.match(text)
    if found is None:
        return None, text
    account = found.group(1)
    known = variables if variables is not None else sub_variables(value)
    return known.get(account, {"Ref": account}), found.group(2)


def in_stage_account(account: Any, stage: str) -> bool:
    """Whether an account expression is the stage's account parameter and no other stage's."""
    others = [name for key, name in ACCOUNT_PARAMETERS.items() if key != stage]
    return match(RefersTo(ACCOUNT_PARAMETERS[stage]), account).ok and not any(
        match(RefersTo(other), account).ok for other in others
    )


def names_stage_role(
    value: Any, bootstrap: Template, logical_id: str, stage: str, variables: Any = None
) -> str | None:
    """``None`` when ``value`` is the stage's bootstrap role in its account; else why not."""
    account, name = arn_account_and_name(value, variables)
    expected = stage_role(bootstrap, logical_id, stage)
    if name != expected or not in_stage_account(account, stage):
        return (
            f"is {render(value)}, not {expected} in the {stage} account "
            f"({ACCOUNT_PARAMETERS[stage]})"
        )
    return None


def test_each_deploy_action_runs_as_its_stages_roles(
    pipeline_template: Template, bootstrap_template: Template
) -> None:
    """Each CloudFormation action assumes the stage's deployment role (action ``RoleArn``) and
    hands CloudFormation the stage's execution role (configuration ``RoleArn``)."""
    problems = []
    stages = {stage.name: stage for stage in pipeline_template.pipeline_stages()}
    for stage_name, stage in DEPLOY_STAGES.items():
        if stage_name not in stages:
            problems.append(f"  no stage {stage_name}")
            continue
        for action in stages[stage_name].actions:
            where = f"stage {stage_name} action {action.name} ({action.location})"
            why = names_stage_role(
                action.body.get("RoleArn"), bootstrap_template, DEPLOYMENT_ROLE, stage
            )
            if why:
                problems.append(f"  {where}: RoleArn {why}")
            if "TemplatePath" in action.configuration:
                why = names_stage_role(
                    action.configuration.get("RoleArn"), bootstrap_template, EXECUTION_ROLE, stage
                )
                if why:
                    problems.append(f"  {where}: Configuration.RoleArn {why}")
    assert not problems, "deploy actions not run as their stage's roles:\n" + "\n".join(problems)


def test_each_test_action_runs_as_its_stages_test_role(
    pipeline_template: Template, bootstrap_template: Template, repo_root: Path
) -> None:
    """The action names the stage's test role, its project may assume that role and no
    other, and the buildspec makes the suite run as it before running tox."""
    problems = []
    for found in actions_that_test(pipeline_template):
        stage = TEST_STAGES.get(found.stage.name)
        if stage is None:
            continue
        raw = found.action.configuration.get("EnvironmentVariables")
        role = action_environment(found).get(ROLE_VARIABLE)
        why = names_stage_role(role, bootstrap_template, TEST_ROLE, stage, sub_variables(raw))
        if why:
            problems.append(f"  {found}: {ROLE_VARIABLE} {why}")
        service_role = role_of(found.project.properties.get("ServiceRole"), str(found))
        assumable = list(assumed_roles(pipeline_template.role_statements(service_role)))
        wrong = [
            render(resource)
            for resource in assumable
            if names_stage_role(resource, bootstrap_template, TEST_ROLE, stage)
        ]
        if not assumable or wrong:
            problems.append(
                f"  {found}: its role {service_role} may assume {wrong or 'no role'}, "
                f"not only the {stage} test role"
            )
        buildspec = buildspec_of(found, repo_root)
        commands = buildspec.all_commands()
        first_tox = next((i for i, c in enumerate(commands) if c.startswith("tox")), len(commands))
        before = " ".join(commands[:first_tox])
        if f"${ROLE_VARIABLE}" not in before or "AWS_PROFILE" not in before:
            problems.append(
                f"  {found}: {buildspec.source} never sets AWS_PROFILE to ${ROLE_VARIABLE} "
                "before running tox"
            )
    assert not problems, "test actions not run as their stage's role:\n" + "\n".join(problems)


def assumed_roles(statements: Any) -> Iterator[Any]:
    """The resources of the Allow statements granting ``sts:AssumeRole``."""
    for statement in statements:
        body = statement.body
        if body.get("Effect") == "Allow" and any(
            action in ("sts:AssumeRole", "sts:*", "*") for action in body.get("Action", [])
        ):
            yield from body.get("Resource", [])


def test_pipeline_role_may_assume_only_the_stage_deployment_roles(
    pipeline_template: Template, bootstrap_template: Template
) -> None:
    pipeline = pipeline_template.resources(PIPELINE).one()
    role = role_of(pipeline.properties.get("RoleArn"), pipeline.heading())
    assumable = list(assumed_roles(pipeline_template.role_statements(role)))
    stages_of = {
        render(resource): [
            stage
            for stage in ACCOUNT_PARAMETERS
            if not names_stage_role(resource, bootstrap_template, DEPLOYMENT_ROLE, stage)
        ]
        for resource in assumable
    }
    unmatched = [resource for resource, stages in stages_of.items() if not stages]
    assert not unmatched, (
        f"{pipeline.heading()}: its role {role} may assume {unmatched}, "
        "which are no stage's deployment role"
    )
    covered = {stage for stages in stages_of.values() for stage in stages}
    missing = sorted(set(ACCOUNT_PARAMETERS) - covered)
    assert not missing, (
        f"{pipeline.heading()}: its role {role} cannot assume the deployment role of {missing}"
    )


def stage_of_grant(statement: Statement, bootstrap: Template) -> tuple[str | None, set[str]]:
    """The stage whose account a grant names as principal, and the roles of that account its
    ``aws:PrincipalArn`` condition names."""
    account, name = arn_account_and_name(statement.body.get("Principal", {}).get("AWS"))
    stage = next((s for s in ACCOUNT_PARAMETERS if in_stage_account(account, s)), None)
    named = statement.body.get("Condition", {}).get("ArnEquals", {}).get("aws:PrincipalArn", [])
    roles = set()
    for role in named if isinstance(named, list) else [named]:
        role_account, role_name = arn_account_and_name(role)
        roles.add(role_name if stage and in_stage_account(role_account, stage) else render(role))
    return (stage if name == "root" else None), roles


def test_artifact_store_grants_exactly_each_stages_deployment_roles(
    pipeline_template: Template, bootstrap_template: Template
) -> None:
    """The bucket and its key grant each stage account's deployment and execution roles (the
    template and the code they deploy), and nothing else outside this stack."""
    pipeline = pipeline_template.resources(PIPELINE).one()
    bucket = artifact_store_location(pipeline)
    key_reference = pipeline.properties["ArtifactStore"]["EncryptionKey"]["Id"]
    keys = pipeline_template.referred_to(key_reference, "AWS::KMS::Key").ids
    bucket_policies = pipeline_template.resources(
        "AWS::S3::BucketPolicy", where={"Properties": {"Bucket": {"Ref": bucket}}}
    ).ids
    expected = {
        stage: {
            stage_role(bootstrap_template, role, stage)
            for role in (DEPLOYMENT_ROLE, EXECUTION_ROLE)
        }
        for stage in ACCOUNT_PARAMETERS
    }
    problems = []
    for store, owners in ((bucket, bucket_policies), (", ".join(keys), keys)):
        granted = set()
        for grant in pipeline_template.policy_statements().only(*owners):
            principal = grant.body.get("Principal", {})
            uses = any(USES_CONTENT.search(action) for action in grant.body.get("Action", []))
            if grant.body.get("Effect") != "Allow" or "AWS" not in principal or not uses:
                continue
            if all("Fn::GetAtt" in value for value in _aws_principals(principal)):
                continue  # roles of this stack
            stage, roles = stage_of_grant(grant, bootstrap_template)
            if stage is None or roles != expected[stage]:
                problems.append(
                    f"  {grant.heading()}\n    grants {sorted(roles)} of "
                    f"{stage or 'an account that is no stage'}, expected "
                    f"{sorted(expected.get(stage or '', set()))}"
                )
            else:
                granted.add(stage)
        problems += [
            f"  {store}: grants nothing to the {stage} account's deployment roles"
            for stage in ACCOUNT_PARAMETERS
            if stage not in granted
        ]
    assert not problems, "the artifact store's grants beyond this stack:\n" + "\n".join(problems)


def _aws_principals(principal: Mapping[str, Any]) -> list[Any]:
    values = principal["AWS"]
    return [
        value if isinstance(value, Mapping) else {}
        for value in (values if isinstance(values, list) else [values])
    ]
