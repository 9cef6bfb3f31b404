"""The stages and actions of a CodePipeline, in the order the pipeline runs them.

CloudFormation lists actions of a stage in any order and sequences them by ``RunOrder``
(default 1); a review of "tests run before approval" must read them in that order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.template.match import render
from harness.template.subjects import Resource


@dataclass(frozen=True)
class PipelineAction:
    """One action; ``category``/``provider`` come from its ``ActionTypeId``."""

    name: str
    category: str
    provider: str
    run_order: int
    configuration: Mapping[str, Any]
    input_artifacts: list[str]
    output_artifacts: list[str]
    location: str | None
    body: Mapping[str, Any] = field(repr=False)


@dataclass(frozen=True)
class PipelineStage:
    """One stage and its actions, sorted by ``RunOrder`` (ties keep template order)."""

    name: str
    actions: list[PipelineAction]
    location: str | None


def artifact_store_location(pipeline: Resource) -> str:
    """The logical id of the bucket the pipeline's ``ArtifactStore`` names (a ``Ref``)."""
    location = (pipeline.properties.get("ArtifactStore") or {}).get("Location")
    logical_id = location.get("Ref") if isinstance(location, Mapping) else None
    if not isinstance(logical_id, str):
        raise AssertionError(
            f"{pipeline.heading()}: ArtifactStore.Location must be a Ref to a bucket of this "
            f"stack, found {render(location)}"
        )
    return logical_id


def pipeline_stages(pipeline: Resource) -> list[PipelineStage]:
    """The stages of an ``AWS::CodePipeline::Pipeline`` resource, in order."""
    stages = []
    for stage_index, stage in enumerate(pipeline.properties.get("Stages") or []):
        stage_path = ("Properties", "Stages", stage_index)
        actions = [
            _action(pipeline, action, (*stage_path, "Actions", index))
            for index, action in enumerate(stage.get("Actions") or [])
        ]
        actions.sort(key=lambda action: action.run_order)
        stages.append(PipelineStage(str(stage.get("Name")), actions, pipeline.locate(stage_path)))
    return stages


def _action(pipeline: Resource, action: Mapping[str, Any], path: tuple[Any, ...]) -> PipelineAction:
    type_id = action.get("ActionTypeId") or {}
    run_order = action.get("RunOrder", 1)
    if not isinstance(run_order, int):
        raise AssertionError(
            f"{pipeline.logical_id} action {action.get('Name')!r} at {pipeline.locate(path)}: "
            f"RunOrder must be a literal integer to order actions, found {run_order!r}"
        )
    return PipelineAction(
        name=str(action.get("Name")),
        category=str(type_id.get("Category")),
        provider=str(type_id.get("Provider")),
        run_order=run_order,
        configuration=action.get("Configuration") or {},
        input_artifacts=[artifact.get("Name") for artifact in action.get("InputArtifacts") or []],
        output_artifacts=[artifact.get("Name") for artifact in action.get("OutputArtifacts") or []],
        location=pipeline.locate(path),
        body=action,
    )
