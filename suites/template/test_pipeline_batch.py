"""The integration suite runs as a CodeBuild batch of shards: configured, bounded, least privilege.

The IntegrationTest stage's Test action starts a batch (``BatchEnabled``) of the shards its
buildspec lists, with their reports combined into one artifact; the project's
``BuildBatchConfig`` bounds the batch (builds, compute types, time) and names the role
CodeBuild runs the batch as, which may only run this project's builds; a Build action after
it merges the shards' reports and exports the summary the approval shows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import (
    AnyOf,
    CodeBuildAction,
    Each,
    PipelineAction,
    RefersTo,
    Template,
    buildspec_of,
    codebuild_actions,
    role_of,
)

pytestmark = pytest.mark.template

INTEGRATION_STAGE = "IntegrationTest"
SHARD_VARIABLE = "HARNESS_SHARD"
# What a batch's service role needs to run the builds of its batch, per the CodeBuild guide.
BATCH_ACTIONS = {"codebuild:StartBuild", "codebuild:StopBuild", "codebuild:RetryBuild"}


def _integration_actions(template: Template) -> list[CodeBuildAction]:
    found = [item for item in codebuild_actions(template) if item.stage.name == INTEGRATION_STAGE]
    assert found, f"{template.label}: no CodeBuild action in stage {INTEGRATION_STAGE}"
    return found


def _batch_action(template: Template) -> CodeBuildAction:
    batches = [
        item
        for item in _integration_actions(template)
        if item.action.configuration.get("BatchEnabled") == "true"
    ]
    assert len(batches) == 1, (
        f"{template.label}: stage {INTEGRATION_STAGE} must run exactly one batch build "
        f'(BatchEnabled: "true"), found {len(batches)}'
    )
    return batches[0]


def test_integration_suite_runs_as_a_batch_of_every_shard(
    pipeline_template: Template, repo_root: Path
) -> None:
    """Each build of the batch runs shard K/N, and together they run 1/N to N/N exactly."""
    found = _batch_action(pipeline_template)
    assert found.action.category == "Test", f"{found}: the batch is the stage's Test action"
    assert found.action.configuration.get("CombineArtifacts") == "true", (
        f'{found}: CombineArtifacts must be "true" so the merge sees every shard\'s report'
    )
    buildspec = buildspec_of(found, repo_root)
    assert buildspec.batch is not None, f"{found}: {buildspec.source} has no batch section"
    shards = sorted(build.variables.get(SHARD_VARIABLE, "") for build in buildspec.batch.builds)
    count = len(shards)
    expected = sorted(f"{index}/{count}" for index in range(1, count + 1))
    assert count > 1, f"{found}: a batch of {count} build does not shard anything"
    assert shards == expected, (
        f"{found}: the batch's builds set {SHARD_VARIABLE} to {shards}, expected {expected}"
    )
    assert not buildspec.batch.fast_fail, (
        f"{found}: fast-fail stops the other shards, and their failures go unreported"
    )


def test_batch_is_bounded_by_the_projects_batch_config(
    pipeline_template: Template, repo_root: Path
) -> None:
    found = _batch_action(pipeline_template)
    config = found.project.properties.get("BuildBatchConfig")
    assert config, f"{found}: BatchEnabled needs the project's BuildBatchConfig"
    buildspec = buildspec_of(found, repo_root)
    builds = len(buildspec.batch.builds) if buildspec.batch else 0
    restrictions = config.get("Restrictions") or {}
    allowed = restrictions.get("MaximumBuildsAllowed")
    message = f"{found}: Restrictions.MaximumBuildsAllowed ({allowed}) must allow {builds} shards"
    assert isinstance(allowed, int), message
    assert builds <= allowed, message
    compute = found.project.properties["Environment"]["ComputeType"]
    assert restrictions.get("ComputeTypesAllowed") == [compute], (
        f"{found}: Restrictions.ComputeTypesAllowed must be exactly the project's {compute}"
    )
    timeout = config.get("TimeoutInMins")
    message = f"{found}: the batch's TimeoutInMins ({timeout}) must not outlast a build's timeout"
    assert isinstance(timeout, int), message
    assert timeout <= found.project.properties["TimeoutInMinutes"], message
    assert config.get("CombineArtifacts") is True, f"{found}: BuildBatchConfig.CombineArtifacts"


def test_batch_role_runs_only_this_projects_builds(pipeline_template: Template) -> None:
    found = _batch_action(pipeline_template)
    config = found.project.properties["BuildBatchConfig"]
    role = role_of(config.get("ServiceRole"), found.project.heading())
    trust = pipeline_template.resource(role).properties["AssumeRolePolicyDocument"]["Statement"]
    assert [statement["Principal"] for statement in trust] == [
        {"Service": "codebuild.amazonaws.com"}
    ], f"{role}: only CodeBuild may assume the batch role"
    statements = pipeline_template.role_statements(role).where({"Effect": "Allow"})
    statements.all_match(
        {
            "Action": Each(AnyOf(*BATCH_ACTIONS)),
            "Resource": Each(RefersTo(found.project.logical_id)),
        }
    )
    granted = {action for statement in statements for action in statement.body["Action"]}
    assert granted == BATCH_ACTIONS, (
        f"{role}: grants {sorted(granted)}, expected {sorted(BATCH_ACTIONS)}"
    )


def test_pipeline_role_may_start_the_batch(pipeline_template: Template) -> None:
    found = _batch_action(pipeline_template)
    pipeline = pipeline_template.resources("AWS::CodePipeline::Pipeline").one()
    role = role_of(pipeline.properties.get("RoleArn"), pipeline.heading())
    granted = {
        action
        for statement in pipeline_template.role_statements(role).where(
            {"Effect": "Allow", "Resource": RefersTo(found.project.logical_id)}
        )
        for action in statement.body["Action"]
    }
    missing = {"codebuild:StartBuildBatch", "codebuild:BatchGetBuildBatches"} - granted
    assert not missing, f"{role}: cannot run the batch of {found}: missing {sorted(missing)}"


def test_shard_reports_are_merged_into_the_approvals_summary(pipeline_template: Template) -> None:
    """After the batch, one action reads the combined reports and exports TEST_SUMMARY in the
    namespace the approval reads."""
    batch = _batch_action(pipeline_template)
    (combined,) = batch.action.output_artifacts
    mergers: list[PipelineAction] = [
        item.action
        for item in _integration_actions(pipeline_template)
        if combined in item.action.input_artifacts
    ]
    assert len(mergers) == 1, f"{batch}: no single action merges its output {combined}"
    (merger,) = mergers
    assert merger.run_order > batch.action.run_order, f"{merger.name} must run after the batch"
    assert merger.body.get("Namespace") == "IntegrationTestVariables", (
        f"{merger.name}: its namespace must be IntegrationTestVariables (the approval reads it)"
    )
