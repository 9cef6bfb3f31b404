"""The pipeline's action providers, as the rehearsal executes them.

* ``Source`` (CodeStarSourceConnection, CodeCommit): :mod:`harness.pipeline.source`.
* ``CodeBuild`` (Build and Test categories): the project's buildspec from the primary input
  artifact, run by :mod:`harness.pipeline.codebuild` in a clean copy of each input artifact;
  ``BatchEnabled`` runs the buildspec's ``batch`` builds concurrently, ``CombineArtifacts``
  puts each build's artifacts in a folder named by its identifier (as the CodePipeline
  action reference says). The variables of a batch are not exported to the namespace.
* ``CloudFormation`` (Deploy): ``CHANGE_SET_REPLACE`` records the change set (template and
  parameters) and checks the capabilities a SAM template needs; ``CHANGE_SET_EXECUTE``
  deploys it; ``CREATE_UPDATE`` and ``REPLACE_ON_FAILURE`` deploy at once; ``DELETE_ONLY``
  deletes. ``ParameterOverrides`` win over a ``TemplateConfiguration`` file's
  ``Parameters``; ``OutputFileName`` writes the outputs as JSON into the output artifact,
  and the outputs are the namespace's variables. Deploys go through a
  :class:`~harness.pipeline.deployer.StackDeployer`: a stack that exists is updated (its
  canaries run), an update rolled back fails the action naming the failed resource, the
  CodeDeploy deployment and the alarm, an update with no changes succeeds.
* ``Manual`` (Approval): approved by ``--approve``, asked on a terminal, else the run stops
  there, resumable.
"""

from __future__ import annotations

import json
import shutil
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.pipeline.buildspec import BatchBuild, Buildspec, BuildspecError, load_buildspec
from harness.pipeline.codebuild import BuildRequest, BuildResult, run_build
from harness.pipeline.credentials import CredentialsEndpoint
from harness.pipeline.definition import (
    Action,
    EnvironmentVariable,
    Pipeline,
    Project,
    action_environment_variables,
)
from harness.pipeline.deployer import StackDeployer
from harness.pipeline.progress import Progress
from harness.pipeline.record import FAILED, STOPPED, SUCCEEDED, ActionRecord
from harness.pipeline.source import export_source, source_variables
from harness.pipeline.variables import Variables
from harness.targets.base import Endpoint
from harness.template.loader import load_document

APPROVE, STOP, PROMPT = "approve", "stop", "prompt"


class ActionFailed(RuntimeError):
    """The action failed; the message is what CodePipeline would show as its summary."""


class ArtifactStore:
    """Named artifacts as directories; actions get clean copies, never the stored one."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()

    def path(self, name: str) -> Path:
        path = self.root / name
        if not path.is_dir():
            raise ActionFailed(f"input artifact {name} does not exist (no earlier action made it)")
        return path

    def copy(self, name: str, destination: Path) -> Path:
        shutil.copytree(self.path(name), destination, symlinks=True)
        return destination

    def put(self, name: str, directory: Path) -> Path:
        with self._lock:
            target = self.root / name
            shutil.rmtree(target, ignore_errors=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(directory, target, symlinks=True)
            return target

    def file(self, reference: str, where: str) -> Path:
        """``Artifact::path/in/it`` as CloudFormation actions name template files."""
        name, separator, inside = reference.partition("::")
        if not separator:
            raise ActionFailed(f"{where}: {reference!r} must be ArtifactName::path")
        path = self.path(name) / inside
        if not path.is_file():
            raise ActionFailed(f"{where}: {inside} is not in artifact {name}")
        return path


@dataclass
class RunContext:
    """What every action of one execution shares."""

    pipeline: Pipeline
    execution_id: str
    repo: Path
    ref: str | None
    work_dir: Path
    logs_dir: Path
    artifacts: ArtifactStore
    variables: Variables
    deployer: StackDeployer
    endpoint: Endpoint
    credentials: CredentialsEndpoint
    progress: Progress
    codebuild_cache: Path
    approval: str
    read_parameter: Callable[[str, str], str]
    change_sets: dict[tuple[str, str], tuple[Path, dict[str, str]]] = field(default_factory=dict)
    build_numbers: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_build_number(self, project: str) -> int:
        with self.lock:
            self.build_numbers[project] = self.build_numbers.get(project, 0) + 1
            return self.build_numbers[project]


def run_action(action: Action, context: RunContext) -> ActionRecord:
    """Execute one action; its record says how it went (never raises for a failure)."""
    record = ActionRecord(action.stage, action.name, action.provider)
    started = time.monotonic()
    context.progress.action_started(action.label)
    try:
        configuration = context.variables.resolve(dict(action.configuration), action.label)
        runner = _RUNNERS.get((action.category, action.provider)) or _RUNNERS.get(
            (None, action.provider)
        )
        if runner is None:
            raise ActionFailed(
                f"{action.category}/{action.provider} actions are not rehearsed (emulation gap)"
            )
        runner(action, configuration, context, record)
    except (ActionFailed, ValueError, OSError) as error:
        record.status, record.failure = FAILED, str(error)
    except Exception as error:  # a defect of the rehearsal itself: fail the action, say so
        record.status = FAILED
        record.failure = f"internal error of the rehearsal: {type(error).__name__}: {error}"
        context.progress.line(traceback.format_exc())
    record.seconds = round(time.monotonic() - started, 2)
    if action.namespace and record.status == SUCCEEDED:
        context.variables.publish(action.namespace, record.variables)
    context.progress.action_finished(record)
    return record


# -- Source ----------------------------------------------------------------------------------


def _source(
    action: Action, configuration: Mapping[str, Any], context: RunContext, record: ActionRecord
) -> None:
    (output,) = action.output_artifacts
    staging = context.work_dir / f"source-{uuid.uuid4().hex[:8]}"
    export_source(context.repo, context.ref, staging)
    context.artifacts.put(output, staging)
    shutil.rmtree(staging, ignore_errors=True)
    record.artifacts[output] = str(context.artifacts.root / output)
    record.variables = source_variables(
        context.repo, context.ref, action.provider, dict(configuration)
    )
    record.summary = f"{context.ref or 'working tree'} at {record.variables['CommitId'][:12]}"


# -- CodeBuild -------------------------------------------------------------------------------


def _codebuild(
    action: Action, configuration: Mapping[str, Any], context: RunContext, record: ActionRecord
) -> None:
    project = context.pipeline.project(action)
    primary = configuration.get("PrimarySource") or (action.input_artifacts or [None])[0]
    if primary is None:
        raise ActionFailed(f"{action.label}: a CodeBuild action needs an input artifact")
    spec_path = context.artifacts.path(primary) / project.buildspec
    try:
        buildspec = load_buildspec(spec_path)
    except BuildspecError as error:
        raise ActionFailed(f"buildspec of project {project.name}: {error}") from None
    variables = {
        variable.name: _variable_value(variable, context)
        for variable in (*project.environment, *action_environment_variables(action, configuration))
    }
    batch = str(configuration.get("BatchEnabled", "false")).lower() == "true"
    builds: list[BatchBuild | None] = [None]
    if batch:
        builds = _batch_builds(project.name, project.batch_config, buildspec)
    plan = _BuildPlan(project.name, project.timeout_minutes, buildspec, primary, variables)
    results: list[BuildResult]
    with ThreadPoolExecutor(max_workers=len(builds)) as pool:
        results = list(
            pool.map(
                lambda build: _one_build(action, context, build, plan),
                builds,
            )
        )
    _record_builds(record, results)
    failing = [
        result
        for result, build in zip(results, builds, strict=True)
        if not result.succeeded and not (build is not None and build.ignore_failure)
    ]
    _store_output(action, configuration, context, record, results=results, batch=batch)
    if not batch:
        record.variables = dict(results[0].exported)
    if failing:
        first = failing[0]
        who = f"build {first.identifier}: " if first.identifier else ""
        tests = (
            f"; failed tests: {', '.join(record.failed_tests[:5])}" if record.failed_tests else ""
        )
        raise ActionFailed(f"{who}{first.failure or 'the build failed'}{tests}")


def _batch_builds(
    project: str, batch_config: Mapping[str, Any] | None, buildspec: Buildspec
) -> list[BatchBuild | None]:
    if batch_config is None:
        raise ActionFailed(
            f"BatchEnabled, but project {project} has no BuildBatchConfig (StartBuildBatch fails)"
        )
    if buildspec.batch is None:
        raise ActionFailed(f"BatchEnabled, but {buildspec.source} has no batch section")
    allowed = (batch_config.get("Restrictions") or {}).get("MaximumBuildsAllowed")
    if allowed is not None and len(buildspec.batch.builds) > int(allowed):
        raise ActionFailed(
            f"batch of {len(buildspec.batch.builds)} builds, but project {project} allows "
            f"{allowed} (BuildBatchConfig.Restrictions.MaximumBuildsAllowed)"
        )
    return list(buildspec.batch.builds)


@dataclass(frozen=True)
class _BuildPlan:
    """What every build of one CodeBuild action shares."""

    project: str
    timeout_minutes: int
    buildspec: Buildspec
    primary: str
    variables: Mapping[str, str]


def _one_build(
    action: Action, context: RunContext, batch: BatchBuild | None, plan: _BuildPlan
) -> BuildResult:
    project, primary = plan.project, plan.primary
    number = context.next_build_number(project)
    build_id = f"{project}:{uuid.uuid4()}"
    identifier = batch.identifier if batch is not None else None
    work = context.work_dir / f"build-{uuid.uuid4().hex[:8]}"
    work.mkdir(parents=True)
    source = context.artifacts.copy(primary, work / "src")
    secondary = {
        name: context.artifacts.copy(name, work / f"src-{name}")
        for name in action.input_artifacts
        if name != primary
    }
    spec = plan.buildspec
    if batch is not None and batch.buildspec is not None:
        spec = load_buildspec(source / batch.buildspec)
    account = context.pipeline.account
    assert account is not None
    log = context.logs_dir / f"{action.stage}.{action.name}" / f"{identifier or 'build'}.log"
    label = action.label
    request = BuildRequest(
        project_name=project,
        buildspec=spec,
        source_dir=source,
        secondary_sources=secondary,
        variables=plan.variables,
        codebuild_variables=_codebuild_variables(
            context,
            project=project,
            build_id=build_id,
            number=number,
            identifier=identifier,
            log=log,
        ),
        cache_dir=context.codebuild_cache,
        timeout_s=plan.timeout_minutes * 60.0,
        identifier=identifier,
        batch_variables=batch.variables if batch is not None else {},
    )
    try:
        container = (
            context.codebuild_cache.parent / "containers" / project / (identifier or "build")
        )
        return run_build(
            request,
            container_root=container,
            base_environment=_aws_environment(context, context.pipeline.projects[project]),
            read_parameter=context.read_parameter,
            log_path=log,
            on_phase=lambda phase: context.progress.action_phase(
                label, f"{identifier + ' ' if identifier else ''}{phase}"
            ),
        )
    finally:
        shutil.rmtree(source, ignore_errors=True)
        for path in secondary.values():
            shutil.rmtree(path, ignore_errors=True)


def _codebuild_variables(
    context: RunContext,
    *,
    project: str,
    build_id: str,
    number: int,
    identifier: str | None,
    log: Path,
) -> dict[str, str]:
    account = context.pipeline.account
    assert account is not None
    arn = (
        f"arn:{account.partition}:codebuild:{account.region}:{account.account_id}:build/{build_id}"
    )
    values = {
        "CODEBUILD_BUILD_ID": build_id,
        "CODEBUILD_BUILD_ARN": arn,
        "CODEBUILD_BUILD_NUMBER": str(number),
        "CODEBUILD_BUILD_IMAGE": context.pipeline.projects[project].image,
        "CODEBUILD_INITIATOR": f"codepipeline/{context.pipeline.name}",
        "CODEBUILD_BUILD_URL": log.resolve().as_uri(),
        "CODEBUILD_LOG_PATH": build_id.split(":", 1)[1],
        "CODEBUILD_START_TIME": str(int(time.time() * 1000)),
        "CODEBUILD_RESOLVED_SOURCE_VERSION": context.variables.snapshot()
        .get("SourceVariables", {})
        .get("CommitId", ""),
        "CODEBUILD_SOURCE_VERSION": (
            f"arn:{account.partition}:s3:::{context.pipeline.artifact_bucket}/"
            f"{context.pipeline.name}/{context.execution_id}"
        ),
        "AWS_REGION": account.region,
        "AWS_DEFAULT_REGION": account.region,
    }
    if identifier is not None:
        values["CODEBUILD_BATCH_BUILD_IDENTIFIER"] = identifier
    return values


def _aws_environment(context: RunContext, project: Project) -> dict[str, str]:
    """The endpoint every AWS client of the build uses, and the role's credentials URI."""
    return {
        "AWS_ENDPOINT_URL": str(context.endpoint.url),
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": context.credentials.uri_for(project.service_role),
        # What the endpoint emulates, read by the harness's aws target (harness up's format).
        "HARNESS_STATE_FILE": str(context.deployer.state_file),
    }


def _variable_value(variable: EnvironmentVariable, context: RunContext) -> str:
    if variable.type == "PLAINTEXT":
        return variable.value
    if variable.type in ("PARAMETER_STORE", "SECRETS_MANAGER"):
        return context.read_parameter(variable.type, variable.value)
    raise ActionFailed(f"environment variable {variable.name}: unknown type {variable.type}")


def _record_builds(record: ActionRecord, results: list[BuildResult]) -> None:
    counts = [0, 0, 0, 0]
    for result in results:
        record.builds.append(
            {
                "id": result.build_id,
                "identifier": result.identifier,
                "status": result.status,
                "seconds": result.seconds,
                "failure": result.failure,
                "log": str(result.log),
                "phases": [vars(phase) for phase in result.phases],
                "warnings": result.warnings,
            }
        )
        for report in result.reports:
            record.reports.append({**vars(report), "build": result.identifier})
            record.failed_tests += report.failed_tests
            if report.line_coverage is None:
                counts[0] += report.passed
                counts[1] += report.failures
                counts[2] += report.errors
                counts[3] += report.skipped
        record.gaps += result.warnings
    if any(report.get("line_coverage") is None for report in record.reports):
        record.summary = (
            f"{counts[0]} passed, {counts[1]} failed, {counts[2]} errors, {counts[3]} skipped"
            + (f" in {len(results)} builds" if len(results) > 1 else "")
        )


def _store_output(
    action: Action,
    configuration: Mapping[str, Any],
    context: RunContext,
    record: ActionRecord,
    *,
    results: list[BuildResult],
    batch: bool,
) -> None:
    if not action.output_artifacts:
        return
    (output,) = action.output_artifacts[:1]
    combine = str(configuration.get("CombineArtifacts", "false")).lower() == "true"
    staging = context.work_dir / f"output-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    for result in results:
        if result.artifact_dir is None:
            continue
        target = staging / str(result.identifier) if batch and combine else staging
        shutil.copytree(result.artifact_dir, target, dirs_exist_ok=True)
    context.artifacts.put(output, staging)
    shutil.rmtree(staging, ignore_errors=True)
    record.artifacts[output] = str(context.artifacts.root / output)


# -- CloudFormation --------------------------------------------------------------------------


def _cloudformation(
    action: Action, configuration: Mapping[str, Any], context: RunContext, record: ActionRecord
) -> None:
    mode = str(configuration.get("ActionMode", ""))
    stack = str(configuration.get("StackName", ""))
    if not stack:
        raise ActionFailed("StackName is required")
    change_set = str(configuration.get("ChangeSetName", ""))
    if mode == "DELETE_ONLY":
        deleted = context.deployer.delete(stack)
        record.summary = f"stack {stack} {'deleted' if deleted else 'did not exist'}"
        return
    if mode == "CHANGE_SET_EXECUTE":
        pending = context.change_sets.pop((stack, change_set), None)
        if pending is None:
            raise ActionFailed(f"ChangeSet [{change_set}] does not exist for stack {stack}")
        template, parameters = pending
    elif mode in ("CHANGE_SET_REPLACE", "CREATE_UPDATE", "REPLACE_ON_FAILURE"):
        template = context.artifacts.file(str(configuration.get("TemplatePath", "")), action.label)
        _check_capabilities(template, str(configuration.get("Capabilities", "")))
        parameters = _parameters(configuration, context, action.label)
        if mode == "CHANGE_SET_REPLACE":
            kept = context.work_dir / f"changeset-{uuid.uuid4().hex[:8]}"
            shutil.copytree(template.parent, kept, symlinks=True)
            context.change_sets[(stack, change_set)] = (kept / template.name, parameters)
            record.summary = f"change set {change_set} for {stack} ({len(parameters)} parameters)"
            return
    else:
        raise ActionFailed(f"ActionMode {mode!r} is not rehearsed")
    _deploy(
        action,
        configuration,
        context,
        record,
        stack=stack,
        template=template,
        parameters=parameters,
    )


def _deploy(
    action: Action,
    configuration: Mapping[str, Any],
    context: RunContext,
    record: ActionRecord,
    *,
    stack: str,
    template: Path,
    parameters: Mapping[str, str],
) -> None:
    """Create or update the stack; a rolled-back update fails the action, no changes do not.

    An update CloudFormation rolls back (here: a CodeDeploy deployment stopped by its alarm
    or a failed hook) fails the action with the first failed resource and its reason, as
    CodePipeline's message gives them (see :mod:`harness.pipeline.deployer`); the stack is
    left ``UPDATE_ROLLBACK_COMPLETE``, a state a later update starts from. An update with
    nothing to change succeeds: CodePipeline treats an empty change set as done (CDK
    Pipelines, which creates and executes a change set for every stack on every
    execution, relies on it), unlike ``aws cloudformation deploy`` without
    ``--no-fail-on-empty-changeset``.
    """
    try:
        deployed = context.deployer.deploy(stack, template, parameters)
    except Exception as error:  # the deploy's own error is the action's summary
        raise ActionFailed(f"stack {stack}: {error}") from error
    record.deployments = list(deployed.deployments)
    if deployed.rolled_back:
        failed = f"{deployed.failed_resource} UPDATE_FAILED: " if deployed.failed_resource else ""
        raise ActionFailed(f"stack {stack} is {deployed.status}: {failed}{deployed.reason}")
    outputs = context.deployer.outputs(stack)
    record.variables = dict(outputs)
    record.gaps = [gap.describe() for gap in context.deployer.gaps(stack)]
    shifted = ", ".join(
        f"{deployment['deployment_id']} {deployment['target']} {deployment['status']}"
        for deployment in deployed.deployments
    )
    record.summary = f"{deployed.status} {stack}: {len(outputs)} outputs" + (
        f"; CodeDeploy {shifted}" if shifted else ""
    )
    output_file = configuration.get("OutputFileName")
    if output_file and action.output_artifacts:
        staging = context.work_dir / f"outputs-{uuid.uuid4().hex[:8]}"
        staging.mkdir(parents=True)
        (staging / str(output_file)).write_text(json.dumps(outputs, indent=2))
        context.artifacts.put(action.output_artifacts[0], staging)
        record.artifacts[action.output_artifacts[0]] = str(
            context.artifacts.root / action.output_artifacts[0]
        )


def _parameters(
    configuration: Mapping[str, Any], context: RunContext, where: str
) -> dict[str, str]:
    parameters: dict[str, str] = {}
    config_file = configuration.get("TemplateConfiguration")
    if config_file:
        path = context.artifacts.file(str(config_file), where)
        try:
            document = json.loads(path.read_text())
        except json.JSONDecodeError as error:
            raise ActionFailed(f"TemplateConfiguration {config_file}: not JSON ({error})") from None
        parameters |= {str(k): str(v) for k, v in (document.get("Parameters") or {}).items()}
    overrides = configuration.get("ParameterOverrides")
    if overrides:
        try:
            parameters |= {str(k): str(v) for k, v in json.loads(str(overrides)).items()}
        except (json.JSONDecodeError, AttributeError) as error:
            raise ActionFailed(f"ParameterOverrides is not a JSON object: {error}") from None
    return parameters


def _check_capabilities(template: Path, capabilities: str) -> None:
    """What CloudFormation refuses without: AUTO_EXPAND for macros, IAM for IAM resources."""
    document = load_document(template)
    given = {item.strip() for item in capabilities.split(",") if item.strip()}
    needed = []
    if document.get("Transform") and "CAPABILITY_AUTO_EXPAND" not in given:
        needed.append("CAPABILITY_AUTO_EXPAND")
    resources = (document.get("Resources") or {}).values()
    makes_roles = any(
        str(resource.get("Type", "")).startswith("AWS::IAM::")
        or (
            resource.get("Type") == "AWS::Serverless::Function"
            and "Role" not in (resource.get("Properties") or {})
        )
        for resource in resources
    )
    if makes_roles and not given & {"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"}:
        needed.append("CAPABILITY_IAM")
    if needed:
        raise ActionFailed(f"Requires capabilities : [{', '.join(needed)}]")


# -- Manual approval -------------------------------------------------------------------------


def _approval(
    action: Action, configuration: Mapping[str, Any], context: RunContext, record: ActionRecord
) -> None:
    custom = str(configuration.get("CustomData", ""))
    link = str(configuration.get("ExternalEntityLink", ""))
    record.variables = {}
    shown = f"{custom}" + (f"\n   link: {link}" if link else "")
    mode = context.approval
    if mode == PROMPT and not sys.stdin.isatty():
        mode = STOP
    if mode == APPROVE:
        record.summary = f"approved (--approve): {custom}"
        return
    if mode == PROMPT:
        context.progress.line(f"   approval requested: {shown}")
        answer = input("   approve? [y/N] ").strip().lower()
        if answer in ("y", "yes"):
            record.summary = f"approved at the prompt: {custom}"
            return
        raise ActionFailed(f"rejected at the prompt: {custom}")
    record.status = STOPPED
    record.summary = f"waiting for approval: {shown}"


_RUNNERS: dict[tuple[str | None, str], Callable[..., None]] = {
    ("Source", "CodeStarSourceConnection"): _source,
    ("Source", "CodeCommit"): _source,
    (None, "CodeBuild"): _codebuild,
    ("Deploy", "CloudFormation"): _cloudformation,
    ("Approval", "Manual"): _approval,
}
