"""The pipeline as deployed: stages, actions, projects and triggers with every value resolved.

Read with the template layer's loader (:class:`harness.template.Template`, the same
``harness_pipeline_template`` the template suite checks), its conditions evaluated for the
given parameters (:mod:`harness.template.conditions`), its stages in ``RunOrder``
(:mod:`harness.pipeline.stages`), and every intrinsic computed for the rehearsal's
emulated account (:mod:`harness.pipeline.intrinsics`). Pipeline variables
(``#{...}``) stay as written: they are resolved when the action runs.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.pipeline.intrinsics import Account, Resolver, UnresolvedIntrinsic
from harness.template import Template
from harness.template.conditions import parameter_values
from harness.template.errors import TemplateError


class PipelineDefinitionError(ValueError):
    """The pipeline template cannot be rehearsed; the message names the file and the part."""


@dataclass(frozen=True)
class EnvironmentVariable:
    """A CodeBuild variable: ``PLAINTEXT``, ``PARAMETER_STORE`` or ``SECRETS_MANAGER``."""

    name: str
    value: str
    type: str = "PLAINTEXT"


@dataclass(frozen=True)
class Project:
    """A CodeBuild project of the pipeline stack."""

    logical_id: str
    name: str
    buildspec: str
    image: str
    compute_type: str
    environment: tuple[EnvironmentVariable, ...]
    timeout_minutes: int
    cache_modes: tuple[str, ...]
    batch_config: Mapping[str, Any] | None
    service_role: str


@dataclass(frozen=True)
class Action:
    """One action with its configuration resolved (pipeline variables still ``#{...}``)."""

    stage: str
    name: str
    category: str
    owner: str
    provider: str
    run_order: int
    configuration: Mapping[str, Any]
    input_artifacts: tuple[str, ...]
    output_artifacts: tuple[str, ...]
    namespace: str | None
    role_arn: str | None
    timeout_minutes: int | None
    location: str | None

    @property
    def label(self) -> str:
        return f"{self.stage}.{self.name}"


@dataclass(frozen=True)
class Stage:
    """A stage; ``on_failure`` is ``OnFailure.Result`` (``ROLLBACK``, ``FAIL``, or None)."""

    name: str
    actions: tuple[Action, ...]
    on_failure: str | None = None

    def run_orders(self) -> list[list[Action]]:
        """The actions grouped by ``RunOrder``: each group runs in parallel, groups in order."""
        return [
            list(group)
            for _, group in itertools.groupby(self.actions, key=lambda action: action.run_order)
        ]


@dataclass(frozen=True)
class Trigger:
    """A V2 push trigger of a source action: branch and file-path globs."""

    source_action: str
    branch_includes: tuple[str, ...] = ()
    branch_excludes: tuple[str, ...] = ()
    file_includes: tuple[str, ...] = ()
    file_excludes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pipeline:
    """What the rehearsal runs."""

    name: str
    source: Path
    pipeline_type: str
    execution_mode: str
    artifact_bucket: str
    variables: Mapping[str, str]
    triggers: tuple[Trigger, ...]
    stages: tuple[Stage, ...]
    projects: Mapping[str, Project] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)
    account: Account | None = None

    def project(self, action: Action) -> Project:
        name = action.configuration.get("ProjectName")
        if name not in self.projects:
            raise PipelineDefinitionError(
                f"{self.source}: {action.label}: ProjectName {name!r} is no CodeBuild project "
                "of the pipeline stack"
            )
        return self.projects[name]


def read_pipeline(path: Path, parameters: Mapping[str, str], account: Account) -> Pipeline:
    """The only ``AWS::CodePipeline::Pipeline`` of the template at ``path``, resolved."""
    template = Template.from_file(path)
    missing = [
        name
        for name, declaration in template.parameters.items()
        if name not in parameters and "Default" not in declaration
    ]
    if missing:
        raise PipelineDefinitionError(
            f"{path}: parameters without a value or default: {', '.join(missing)} "
            "(give them with --parameter KEY=VALUE)"
        )
    unknown = sorted(set(parameters) - set(template.parameters))
    if unknown:
        raise PipelineDefinitionError(f"{path}: no such parameter: {', '.join(unknown)}")
    try:
        deployed = template.with_parameters(**parameters)
    except TemplateError as error:
        raise PipelineDefinitionError(f"{path}: {error}") from error
    values = parameter_values(template.document, parameters)
    resolver = Resolver(deployed.document, values, account)
    try:
        return _pipeline(path, deployed, resolver, values)
    except UnresolvedIntrinsic as error:
        raise PipelineDefinitionError(f"{path}: {error}") from error


def _pipeline(
    path: Path, template: Template, resolver: Resolver, values: Mapping[str, Any]
) -> Pipeline:
    owner = template.resources("AWS::CodePipeline::Pipeline").one()
    where = f"Resources.{owner.logical_id}.Properties"
    properties = resolver.resolve(dict(owner.properties), where)
    stages = []
    for stage_index, written in enumerate(template.pipeline_stages()):
        stage_body = properties["Stages"][stage_index]
        actions = tuple(
            _action(written.name, action, resolver, f"{where}.Stages.{stage_index}")
            for action in written.actions
        )
        on_failure = (stage_body.get("OnFailure") or {}).get("Result")
        stages.append(Stage(written.name, actions, on_failure))
    store = properties.get("ArtifactStore") or {}
    return Pipeline(
        name=str(properties.get("Name") or resolver.ref(owner.logical_id)),
        source=path,
        pipeline_type=str(properties.get("PipelineType", "V1")),
        execution_mode=str(properties.get("ExecutionMode", "SUPERSEDED")),
        artifact_bucket=str(store.get("Location", "")),
        variables={
            str(variable["Name"]): str(variable.get("DefaultValue", ""))
            for variable in properties.get("Variables") or []
        },
        triggers=tuple(_trigger(trigger) for trigger in properties.get("Triggers") or []),
        stages=tuple(stages),
        projects={
            project.name: project
            for project in (
                _project(resource.logical_id, resource.properties, resolver)
                for resource in template.resources("AWS::CodeBuild::Project")
            )
        },
        parameters=values,
        account=resolver.account,
    )


def _action(stage: str, written: Any, resolver: Resolver, where: str) -> Action:
    body = resolver.resolve(dict(written.body), f"{where}.{written.name}")
    type_id = body.get("ActionTypeId") or {}
    return Action(
        stage=stage,
        name=written.name,
        category=str(type_id.get("Category")),
        owner=str(type_id.get("Owner", "AWS")),
        provider=str(type_id.get("Provider")),
        run_order=written.run_order,
        configuration=dict(body.get("Configuration") or {}),
        input_artifacts=tuple(written.input_artifacts),
        output_artifacts=tuple(written.output_artifacts),
        namespace=body.get("Namespace"),
        role_arn=body.get("RoleArn"),
        timeout_minutes=body.get("TimeoutInMinutes"),
        location=written.location,
    )


def _project(logical_id: str, written: Mapping[str, Any], resolver: Resolver) -> Project:
    where = f"Resources.{logical_id}.Properties"
    properties = resolver.resolve(dict(written), where)
    environment = properties.get("Environment") or {}
    cache = properties.get("Cache") or {}
    return Project(
        logical_id=logical_id,
        name=str(properties.get("Name") or resolver.ref(logical_id)),
        buildspec=str((properties.get("Source") or {}).get("BuildSpec", "buildspec.yml")),
        image=str(environment.get("Image", "")),
        compute_type=str(environment.get("ComputeType", "")),
        environment=tuple(
            EnvironmentVariable(
                str(item["Name"]), str(item.get("Value", "")), str(item.get("Type", "PLAINTEXT"))
            )
            for item in environment.get("EnvironmentVariables") or []
        ),
        timeout_minutes=int(properties.get("TimeoutInMinutes", 60)),
        cache_modes=tuple(cache.get("Modes") or ()) if cache.get("Type") == "LOCAL" else (),
        batch_config=properties.get("BuildBatchConfig"),
        service_role=str(properties.get("ServiceRole", "")),
    )


def _trigger(trigger: Mapping[str, Any]) -> Trigger:
    git = trigger.get("GitConfiguration") or {}
    push = (git.get("Push") or [{}])[0]
    branches = push.get("Branches") or {}
    files = push.get("FilePaths") or {}
    return Trigger(
        source_action=str(git.get("SourceActionName", "")),
        branch_includes=tuple(branches.get("Includes") or ()),
        branch_excludes=tuple(branches.get("Excludes") or ()),
        file_includes=tuple(files.get("Includes") or ()),
        file_excludes=tuple(files.get("Excludes") or ()),
    )


def action_environment_variables(
    action: Action, configuration: Mapping[str, Any]
) -> tuple[EnvironmentVariable, ...]:
    """The action's ``EnvironmentVariables`` (a JSON list of name/value/type objects) in
    ``configuration`` (the action's, pipeline variables resolved)."""
    raw = configuration.get("EnvironmentVariables")
    if raw is None:
        return ()
    try:
        entries = json.loads(raw) if isinstance(raw, str) else raw
        return tuple(
            EnvironmentVariable(
                str(entry["name"]), str(entry["value"]), str(entry.get("type", "PLAINTEXT"))
            )
            for entry in entries
        )
    except (TypeError, KeyError, json.JSONDecodeError):
        raise PipelineDefinitionError(
            f"{action.label}: EnvironmentVariables is not a JSON list of name/value objects: "
            f"{raw!r}"
        ) from None
