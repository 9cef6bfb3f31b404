"""CodeBuild actions: each test layer runs from a buildspec in the repo, against the stack
deployed just before it, and reports into report groups this stack declares."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pipeline_plan import TEST_STAGES

from harness.pipeline.buildspec import tox_envs
from harness.pipeline.stages import PipelineStage
from harness.template import Template
from harness.template.codebuild import (
    action_environment,
    actions_that_test,
    buildspec_of,
    codebuild_actions,
)
from harness.template.match import MISSING, AnyOf, match, render

pytestmark = pytest.mark.template

# The tox environment each Test stage runs (the app stage its action must name: TEST_STAGES).
TEST_LAYERS = {"IntegrationTest": "integration", "SmokeGate": "smoke", "SmokeProd": "smoke"}
PROD_SMOKE_STAGE = "SmokeProd"
# The smoke plugin's escape hatch from prod's readonly-only selection.
MUTATING_ON_PROD_FLAG = "--smoke-allow-mutating-on-prod"
REPORTS_DIRECTORY = "reports/"
REPORT_GROUP = "AWS::CodeBuild::ReportGroup"


def last_deployed_stack(earlier: list[PipelineStage]) -> Any:
    """``StackName`` of the last deploy action among ``earlier`` stages, if any."""
    deploys = [
        action.configuration.get("StackName")
        for stage in earlier
        for action in stage.actions
        if action.category == "Deploy"
    ]
    return deploys[-1] if deploys else None


def test_test_actions_run_their_layer_from_a_buildspec_in_the_repo(
    pipeline_template: Template, repo_root: Path
) -> None:
    found_actions = actions_that_test(pipeline_template)
    problems = [
        f"  stage {stage}: no Test action runs the {layer} layer"
        for stage, layer in TEST_LAYERS.items()
        if not any(found.stage.name == stage for found in found_actions)
    ]
    for found in found_actions:
        layer = TEST_LAYERS.get(found.stage.name)
        if layer is None:
            problems.append(f"  {found}: a Test action outside {', '.join(TEST_LAYERS)}")
        elif not buildspec_of(found, repo_root).runs_tox_env(layer):
            problems.append(f"  {found}: its buildspec never runs tox -e {layer}")
    assert not problems, "test stages that do not run their layer:\n" + "\n".join(problems)


def test_test_buildspecs_report_from_the_reports_directory(
    pipeline_template: Template, repo_root: Path
) -> None:
    """A buildspec that runs tox runs test layers; their JUnit files land in reports/."""
    problems = []
    for found in codebuild_actions(pipeline_template):
        buildspec = buildspec_of(found, repo_root)
        if not any(tox_envs(command) for command in buildspec.all_commands()):
            continue
        if not any(not group.is_coverage for group in buildspec.reports.values()):
            problems.append(f"  {found}: {buildspec.source} declares no test report")
        outside = [
            path for path in buildspec.report_files() if not path.startswith(REPORTS_DIRECTORY)
        ]
        if outside:
            problems.append(
                f"  {found}: {buildspec.source} reports files outside {REPORTS_DIRECTORY}: "
                f"{', '.join(outside)}"
            )
    assert not problems, "test buildspecs without reports:\n" + "\n".join(problems)


def test_report_groups_are_declared_and_referenced(
    pipeline_template: Template, repo_root: Path
) -> None:
    """Buildspecs name report groups by ARN, from a project variable holding a declared group.

    A group named in the buildspec alone is created on the first run as ``<project>-<name>``:
    that needs ``codebuild:CreateReportGroup`` and leaves a group this stack does not own.
    """
    declared = {group.logical_id: group for group in pipeline_template.resources(REPORT_GROUP)}
    referenced: set[str] = set()
    problems = []
    for found in codebuild_actions(pipeline_template):
        variables = {
            variable.get("Name"): variable.get("Value")
            for variable in found.project.properties.get("Environment", {}).get(
                "EnvironmentVariables", []
            )
        }
        buildspec = buildspec_of(found, repo_root)
        for key, group in buildspec.reports.items():
            if not key.startswith("$"):
                problems.append(
                    f"  {found}: {buildspec.source} reports.{key} names a group, which CodeBuild "
                    "creates on the first run; pass a declared group's ARN in a project variable"
                )
                continue
            name = key.removeprefix("$").strip("{}")
            value = variables.get(name, MISSING)
            target = value.get("Fn::GetAtt", [None])[0] if isinstance(value, dict) else None
            if target not in declared:
                problems.append(
                    f"  {found}: {buildspec.source} reports.{key}: the project sets {name} to "
                    f"{render(value)}, not the ARN of a declared report group"
                )
                continue
            referenced.add(target)
            expected_type = "CODE_COVERAGE" if group.is_coverage else "TEST"
            if declared[target].properties.get("Type") != expected_type:
                problems.append(
                    f"  {found}: {target} receives {group.file_format} reports, so its Type "
                    f"must be {expected_type}"
                )
    problems += [
        f"  {logical_id} ({group.origin.describe()}): declared, but no buildspec reports to it"
        for logical_id, group in declared.items()
        if logical_id not in referenced
    ]
    assert not problems, "report groups not wired end to end:\n" + "\n".join(problems)


def test_each_test_action_targets_the_stack_deployed_before_it(
    pipeline_template: Template,
) -> None:
    """The stack name and stage passed to the suite are the ones the previous deploy released;
    the stage also decides the smoke plugin's prod safety (readonly tests only on prod)."""
    stages = pipeline_template.pipeline_stages()
    problems = []
    for found in actions_that_test(pipeline_template):
        environment = action_environment(found)
        expected_stage = TEST_STAGES.get(found.stage.name)
        if environment.get("HARNESS_STAGE") != expected_stage:
            problems.append(
                f"  {found}: passes HARNESS_STAGE={environment.get('HARNESS_STAGE')!r}, "
                f"expected {expected_stage!r}"
            )
        deployed = last_deployed_stack(stages[: stages.index(found.stage)])
        stack = environment.get("HARNESS_STACK_NAME")
        if stack is None or not match(AnyOf(stack, {"Fn::Sub": stack}), deployed).ok:
            problems.append(
                f"  {found}: passes HARNESS_STACK_NAME={stack!r}, but the stack deployed "
                f"before it is {render(deployed)}"
            )
    assert not problems, "test actions aimed at the wrong stack:\n" + "\n".join(problems)


def test_prod_smoke_runs_read_only(pipeline_template: Template, repo_root: Path) -> None:
    """The action passes stage prod, so the smoke plugin runs readonly tests only, and nothing
    in its action, project or buildspec lifts that."""
    prod_smokes = [
        found
        for found in actions_that_test(pipeline_template)
        if found.stage.name == PROD_SMOKE_STAGE
    ]
    assert prod_smokes, f"{pipeline_template.label}: no Test action in stage {PROD_SMOKE_STAGE}"
    problems = []
    for found in prod_smokes:
        stage = action_environment(found).get("HARNESS_STAGE")
        if stage != "prod":
            problems.append(f"  {found}: passes HARNESS_STAGE={stage!r}, not 'prod'")
        buildspec = buildspec_of(found, repo_root)
        places = {
            "the action's configuration": json.dumps(found.action.configuration),
            "the project's Environment": json.dumps(found.project.properties.get("Environment")),
            f"{buildspec.source} commands": " ".join(buildspec.all_commands()),
            f"{buildspec.source} env": json.dumps(dict(buildspec.env.variables)),
        }
        problems += [
            f"  {found}: {place} passes {MUTATING_ON_PROD_FLAG}"
            for place, text in places.items()
            if MUTATING_ON_PROD_FLAG in text
        ]
    assert not problems, "the prod smoke may mutate prod:\n" + "\n".join(problems)
