"""The release flow: stages in order, no way to prod around the approval, rollback on failure."""

from __future__ import annotations

import pytest

from harness.pipeline.stages import PipelineAction, PipelineStage
from harness.template import Template
from harness.template.match import MISSING, AnyOf, Regex, match, render

pytestmark = pytest.mark.template

PIPELINE = "AWS::CodePipeline::Pipeline"
RELEASE_ORDER = (
    "Source",
    "Build",
    "DeployDev",
    "IntegrationTest",
    "DeployStaging",
    "SmokeGate",
    "Approval",
    "DeployProd",
    "SmokeProd",
)
APPROVAL_STAGE = "Approval"
SMOKE_GATE_STAGE = "SmokeGate"
PROD_STACK_NAME = Regex(r"-prod$")
PROD_STACK = {"StackName": AnyOf(PROD_STACK_NAME, {"Fn::Sub": PROD_STACK_NAME})}


def where(stage: PipelineStage) -> str:
    return f"stage {stage.name} ({stage.location})"


def deploys_prod(action: PipelineAction) -> bool:
    return action.category == "Deploy" and match(PROD_STACK, action.configuration).ok


def is_manual_approval(action: PipelineAction) -> bool:
    return action.category == "Approval" and action.provider == "Manual"


def test_stages_run_in_release_order(pipeline_template: Template) -> None:
    stages = pipeline_template.pipeline_stages()
    found = [stage.name for stage in stages]
    if found == list(RELEASE_ORDER):
        return
    lines = [
        f"{pipeline_template.label}: the pipeline's stages are not the release order",
        f"  expected: {' -> '.join(RELEASE_ORDER)}",
        f"  found:    {' -> '.join(found)}",
    ]
    missing = [name for name in RELEASE_ORDER if name not in found]
    unexpected = [where(stage) for stage in stages if stage.name not in RELEASE_ORDER]
    if missing:
        lines.append(f"  missing: {', '.join(missing)}")
    if unexpected:
        lines.append(f"  unexpected: {', '.join(unexpected)}")
    misplaced = next(
        (
            (stage, expected)
            for stage, expected in zip(stages, RELEASE_ORDER, strict=False)
            if stage.name != expected
        ),
        None,
    )
    if misplaced is not None:
        stage, expected = misplaced
        lines.append(f"  first out of place: {where(stage)}, where {expected} should run")
    raise AssertionError("\n".join(lines))


def test_prod_is_deployed_only_after_the_smoke_gate_and_the_approval(
    pipeline_template: Template,
) -> None:
    """The approval is the last line before prod: after the staging smoke gate, before the one
    stage that deploys prod, and no action reaches prod before it or alongside it."""
    stages = pipeline_template.pipeline_stages()
    position = {stage.name: index for index, stage in enumerate(stages)}
    if APPROVAL_STAGE not in position:
        raise AssertionError(f"{pipeline_template.label}: no {APPROVAL_STAGE} stage gates prod")
    approval = stages[position[APPROVAL_STAGE]]
    problems = []
    if not any(is_manual_approval(action) for action in approval.actions):
        problems.append(f"{where(approval)} has no manual approval action")
    gate = position.get(SMOKE_GATE_STAGE)
    if gate is None or gate > position[APPROVAL_STAGE]:
        problems.append(f"{where(approval)} does not come after the {SMOKE_GATE_STAGE} stage")
    prod_deploys = [
        (index, stage, action)
        for index, stage in enumerate(stages)
        for action in stage.actions
        if deploys_prod(action)
    ]
    problems += [
        f"{where(stage)}: action {action.name} ({action.location}) deploys prod "
        f"without waiting for the {APPROVAL_STAGE} stage"
        for index, stage, action in prod_deploys
        if index <= position[APPROVAL_STAGE]
    ]
    deploying = sorted({stage.name for _, stage, _ in prod_deploys})
    if len(deploying) != 1:
        problems.append(
            f"exactly one stage must deploy prod, found {', '.join(deploying) or 'none'}"
        )
    assert not problems, "a path to prod around the approval:\n" + "\n".join(
        f"  {problem}" for problem in problems
    )


def test_deploy_stages_roll_back_on_failure(pipeline_template: Template) -> None:
    """A failed deploy returns the stage to the last release that passed it."""
    pipeline = pipeline_template.resources(PIPELINE).one()
    written = pipeline.properties["Stages"]
    stages = pipeline_template.pipeline_stages()
    not_rolled_back = [
        f"  {where(stage)}: OnFailure is {render(written[index].get('OnFailure', MISSING))}"
        for index, stage in enumerate(stages)
        if any(action.category == "Deploy" for action in stage.actions)
        and not match({"OnFailure": {"Result": "ROLLBACK"}}, written[index]).ok
    ]
    assert not not_rolled_back, "deploy stages without OnFailure Result ROLLBACK:\n" + "\n".join(
        not_rolled_back
    )


def test_pipeline_is_v2_and_queues_executions(pipeline_template: Template) -> None:
    """QUEUED: a newer commit waits behind the gate and the approval instead of superseding
    the release being judged; stage rollback needs V2."""
    pipeline_template.resources(PIPELINE).all_match(
        {"Properties": {"PipelineType": "V2", "ExecutionMode": "QUEUED"}}
    )


def test_approval_notifies_a_topic_of_this_stack(pipeline_template: Template) -> None:
    topics = pipeline_template.resources("AWS::SNS::Topic").ids
    approvals = [
        (stage, action)
        for stage in pipeline_template.pipeline_stages()
        for action in stage.actions
        if is_manual_approval(action)
    ]
    assert approvals, f"{pipeline_template.label}: the pipeline has no manual approval action"
    notifies_a_topic = {"NotificationArn": {"Ref": AnyOf(*topics)}}
    silent = [
        f"  {where(stage)}: action {action.name} ({action.location}) NotificationArn is "
        f"{render(action.configuration.get('NotificationArn', MISSING))}"
        for stage, action in approvals
        if not match(notifies_a_topic, action.configuration).ok
    ]
    assert not silent, (
        f"approval actions that notify none of the topics {', '.join(topics) or '(none)'}:\n"
        + "\n".join(silent)
    )
