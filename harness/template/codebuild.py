"""The CodeBuild actions of a pipeline template: the project each runs, its buildspec, and the
variables the action passes.

Checks about test actions (which layer, against which stack, as which role) start from the
action and need what CodeBuild would see: the project its ``ProjectName`` refers to, the
buildspec file that project names in the repository, and the action's ``EnvironmentVariables``
(a JSON list, usually inside ``Fn::Sub``). Each failure names the stage and action.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from harness.pipeline.buildspec import Buildspec, BuildspecError, load_buildspec
from harness.pipeline.stages import PipelineAction, PipelineStage
from harness.template.match import render
from harness.template.model import Template
from harness.template.subjects import Resource

# CodeBuild's default when a project names no buildspec.
DEFAULT_BUILDSPEC = "buildspec.yml"


@dataclass(frozen=True)
class CodeBuildAction:
    """A pipeline action that runs a CodeBuild project of this template."""

    stage: PipelineStage
    action: PipelineAction
    project: Resource

    def __str__(self) -> str:
        return (
            f"stage {self.stage.name} action {self.action.name} "
            f"(project {self.project.logical_id}, {self.project.origin.describe()})"
        )


def codebuild_actions(template: Template) -> Iterator[CodeBuildAction]:
    """Every CodeBuild action, in run order, with the project its ``ProjectName`` refers to."""
    for stage in template.pipeline_stages():
        for action in stage.actions:
            if action.provider != "CodeBuild":
                continue
            project = action.configuration.get("ProjectName")
            if not (isinstance(project, dict) and isinstance(project.get("Ref"), str)):
                raise AssertionError(
                    f"stage {stage.name} action {action.name} ({action.location}): ProjectName "
                    f"must refer to a project of this stack, found {render(project)}"
                )
            yield CodeBuildAction(stage, action, template.resource(project["Ref"]))


def actions_that_test(template: Template) -> list[CodeBuildAction]:
    """The CodeBuild actions of category Test."""
    return [found for found in codebuild_actions(template) if found.action.category == "Test"]


def buildspec_of(found: CodeBuildAction, repo_root: Path) -> Buildspec:
    """The buildspec file the action's project runs, loaded and validated."""
    spec = found.project.properties.get("Source", {}).get("BuildSpec", DEFAULT_BUILDSPEC)
    if not isinstance(spec, str) or "\n" in spec:
        raise AssertionError(
            f"{found}: Source.BuildSpec must name a file in the repository, found {render(spec)}"
        )
    path = repo_root / spec
    if not path.is_file():
        raise AssertionError(f"{found}: its buildspec {spec} does not exist in the repository")
    try:
        return load_buildspec(path)
    except BuildspecError as error:
        raise AssertionError(f"{found}: {error}") from None


def action_environment(found: CodeBuildAction) -> dict[str, str]:
    """The action's ``EnvironmentVariables`` (a JSON list, usually inside ``Fn::Sub``)."""
    raw = found.action.configuration.get("EnvironmentVariables", "[]")
    text = raw.get("Fn::Sub") if isinstance(raw, dict) else raw
    text = text[0] if isinstance(text, list) else text
    try:
        entries = json.loads(text)
        return {str(entry["name"]): str(entry["value"]) for entry in entries}
    except (TypeError, KeyError, json.JSONDecodeError):
        raise AssertionError(
            f"{found}: EnvironmentVariables is not a JSON list of name/value pairs: {render(raw)}"
        ) from None
