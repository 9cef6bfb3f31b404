"""One execution of the pipeline on one long-lived embedded target.

Stages run in order; within a stage the actions of one ``RunOrder`` run in parallel and
the next ``RunOrder`` starts when all of them succeeded. A failed action fails its stage
and stops the execution; a stage with ``OnFailure: ROLLBACK`` then runs again with the
artifacts and variables of its last successful execution (kept by earlier rehearsals
under the cache dir, with the artifact bucket's objects they need), and when there is
none says so, as CodePipeline refuses a rollback without one. A manual approval that is
neither given (``--approve``) nor answered at a prompt stops the execution; its state is
kept so ``--resume`` carries on from the next stage, on a new embedded target (the
stacks of the stages before the approval are not there any more; the artifact bucket
is). ``ExecutionMode: QUEUED`` (and ``SUPERSEDED``, which cannot stop another process)
makes a second rehearsal of the same checkout wait for the first.

``--baseline REF`` (:attr:`RehearsalOptions.baseline`) plays the pipeline's previous
execution first: REF's run, on the same embedded target, approvals approved, its record
apart (``rehearsal-baseline.json`` beside the record). Then the execution asked for
starts on what it left, as an execution on AWS starts on what the last one deployed: its
CloudFormation actions update the stacks (so a ``DeploymentPreference`` canary really
shifts traffic, and an alarm can roll it back), ``OnFailure: ROLLBACK`` has the
baseline's artifacts to go back to, and the stages' stacks are where the release checks
compare versions. A baseline that fails stops the rehearsal there (there is nothing to
release on top of). A resumed execution runs its baseline again first (the embedded
target of the stopped one is gone), so the stages after the approval update too.

While the rehearsal runs, its embedded target is described in ``harness up``'s state-file
format at :attr:`RehearsalOptions.state_file` (``.cache/rehearsal/embedded-state.json``):
the endpoint, capabilities, and every stack's outputs and API URLs.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from harness.build.package import create_bucket
from harness.pipeline.actions import APPROVE, PROMPT, ArtifactStore, RunContext, run_action
from harness.pipeline.codebuild import allow_builds, cancel_builds
from harness.pipeline.credentials import CredentialsEndpoint
from harness.pipeline.definition import Action, Pipeline, Stage, read_pipeline
from harness.pipeline.deployer import EmbeddedStackDeployer
from harness.pipeline.intrinsics import Account
from harness.pipeline.progress import Progress, final_table
from harness.pipeline.record import (
    FAILED,
    NOT_RUN,
    STOPPED,
    SUCCEEDED,
    ActionRecord,
    RunRecord,
    StageRecord,
)
from harness.pipeline.source import find_change, trigger_verdict
from harness.pipeline.variables import Variables
from harness.targets.base import make_client
from harness.targets.embedded.release.clock import DEFAULT_TIME_SCALE
from harness.targets.embedded.target import EmbeddedTarget

if TYPE_CHECKING:
    from botocore.client import BaseClient

ACCOUNT_ID = "123456789012"


@dataclass
class RehearsalOptions:
    """How to rehearse; paths are absolute."""

    repo: Path
    template: Path
    parameters: dict[str, str] = field(default_factory=dict)
    ref: str | None = None
    since: str | None = None
    approval: str = PROMPT
    resume: bool = False
    region: str = "us-east-1"
    stack_name: str = "pipeline"
    record_path: Path | None = None
    cache_dir: Path | None = None
    variables: dict[str, str] = field(default_factory=dict)
    baseline: str | None = None
    """A git ref whose execution runs first on the same target (see the module doc)."""
    release_time_scale: float = DEFAULT_TIME_SCALE
    """How many times faster than AWS the embedded target's releases run."""

    @property
    def state_dir(self) -> Path:
        return (self.cache_dir or self.repo / ".cache") / "rehearsal"

    @property
    def state_file(self) -> Path:
        """The running embedded target, in ``harness up``'s state-file format."""
        return self.state_dir / "embedded-state.json"

    @property
    def record_file(self) -> Path:
        return self.record_path or self.repo / "reports" / "rehearsal.json"

    @property
    def baseline_record_file(self) -> Path:
        record = self.record_file
        return record.with_name(f"{record.stem}-baseline{record.suffix}")


@dataclass
class _Account:
    """What every execution of one rehearsal shares: the embedded target and its roles."""

    deployer: EmbeddedStackDeployer
    credentials: CredentialsEndpoint

    @property
    def target(self) -> EmbeddedTarget:
        return self.deployer.target


@contextmanager
def _account(options: RehearsalOptions) -> Iterator[_Account]:
    target = EmbeddedTarget(
        options.region,
        options.state_dir.parent / "harness-builds",
        release_time_scale=options.release_time_scale,
    )
    deployer = EmbeddedStackDeployer(target, options.state_file)
    try:
        credentials = CredentialsEndpoint()
    except BaseException:
        deployer.close()
        raise
    try:
        yield _Account(deployer, credentials)
    finally:
        credentials.close()
        deployer.close()


def rehearse(options: RehearsalOptions, progress: Progress | None = None) -> RunRecord:
    """Run (or resume) one execution and write its record; the record's status is the verdict."""
    progress = progress or Progress()
    state_dir = options.state_dir
    state_dir.mkdir(parents=True, exist_ok=True)
    account = Account(ACCOUNT_ID, options.region, options.stack_name)
    pipeline = read_pipeline(options.template, options.parameters, account)
    record_path = options.record_file
    started = time.monotonic()
    with _queued(pipeline, state_dir, progress):
        resume = _load_resume(state_dir) if options.resume else None
        if resume is None and (state_dir / "resume.json").is_file():
            progress.line("a rehearsal stopped at an approval is discarded: this one starts anew")
            (state_dir / "resume.json").unlink()
        _sweep_runs(state_dir / "runs", keep=Path(str(resume["record"])).parent if resume else None)
        execution_id = resume["execution_id"] if resume else str(uuid.uuid4())
        record = (
            RunRecord.read(Path(resume["record"]))
            if resume
            else RunRecord(execution_id, pipeline.name, str(options.template), source={})
        )
        if not resume:
            verdict = _trigger_check(pipeline, options, record)
            if verdict is not None:
                record.status, record.stopped_reason = NOT_RUN, verdict
                progress.line(f"no execution: {verdict}")
                record.write(record_path)
                return record
        baseline = str(resume.get("baseline") or "") if resume else options.baseline
        allow_builds()
        try:
            with _account(options) as account:
                if baseline and not _baseline_succeeded(
                    pipeline, options, baseline, record, account, progress=progress
                ):
                    return record
                _execute(
                    pipeline,
                    options,
                    record,
                    resume,
                    account,
                    progress=progress,
                    state_dir=state_dir,
                    baseline=baseline,
                )
        except KeyboardInterrupt:
            record.status, record.stopped_reason = STOPPED, "interrupted (Ctrl-C)"
            raise
        finally:
            record.seconds = round(time.monotonic() - started, 2) + (
                float(resume["seconds"]) if resume else 0.0
            )
            record.write(record_path)
            progress.close()
            progress.line(final_table(record))
    return record


def _baseline_succeeded(
    pipeline: Pipeline,
    options: RehearsalOptions,
    ref: str,
    record: RunRecord,
    account: _Account,
    *,
    progress: Progress,
) -> bool:
    """Run the baseline execution of ``ref``; False (and ``record`` says why) if it failed."""
    path = options.baseline_record_file
    progress.line(f"== baseline: the previous execution, of {ref} (approvals approved)")
    baseline = RunRecord(
        str(uuid.uuid4()), pipeline.name, str(options.template), source={"ref": ref}
    )
    started = time.monotonic()
    try:
        _execute(
            pipeline,
            replace(options, ref=ref, approval=APPROVE, resume=False, baseline=None),
            baseline,
            None,
            account,
            progress=progress,
            state_dir=options.state_dir,
            baseline=None,
        )
    finally:
        baseline.seconds = round(time.monotonic() - started, 2)
        baseline.write(path)
        record.baseline = {
            "ref": ref,
            "execution_id": baseline.execution_id,
            "status": baseline.status,
            "seconds": baseline.seconds,
            "record": str(path),
        }
    progress.line(
        f"== baseline {ref}: {baseline.status} in {baseline.seconds:.1f} s (record {path})"
    )
    if baseline.status == SUCCEEDED:
        return True
    record.status = FAILED
    record.stopped_reason = (
        f"the baseline execution of {ref} did not succeed ({baseline.stopped_reason}): "
        "there is nothing to release on top of"
    )
    return False


def _trigger_check(pipeline: Pipeline, options: RehearsalOptions, record: RunRecord) -> str | None:
    source_stage = pipeline.stages[0].actions[0] if pipeline.stages else None
    branch = str((source_stage.configuration if source_stage else {}).get("BranchName", "main"))
    change = find_change(options.repo, options.ref, options.since, branch)
    record.source = {
        "ref": options.ref or "working tree",
        "base": change.base,
        "changed_files": list(change.files),
    }
    for trigger in pipeline.triggers:
        verdict = trigger_verdict(trigger, change.files)
        if verdict is not None:
            return verdict
    return None


def _execute(
    pipeline: Pipeline,
    options: RehearsalOptions,
    record: RunRecord,
    resume: Mapping[str, object] | None,
    account: _Account,
    *,
    progress: Progress,
    state_dir: Path,
    baseline: str | None,
) -> None:
    run_dir = state_dir / "runs" / record.execution_id
    logs_dir = options.repo / "reports" / "rehearsal-logs" / record.execution_id[:8]
    target = account.target
    variables = Variables({**pipeline.variables, **options.variables}, record.execution_id)
    stopped = False
    try:
        s3 = make_client("s3", target.endpoint)
        create_bucket(s3, pipeline.artifact_bucket, options.region)
        first_stage = 0
        if resume:
            for namespace, values in dict(resume["variables"]).items():  # type: ignore[arg-type]
                variables.publish(namespace, values)
            _restore_bucket(s3, pipeline.artifact_bucket, run_dir / "bucket")
            first_stage = int(resume["next_stage"])  # type: ignore[arg-type]
            _approve_resumed(record)
        context = RunContext(
            pipeline=pipeline,
            execution_id=record.execution_id,
            repo=options.repo,
            ref=options.ref,
            work_dir=run_dir / "work",
            logs_dir=logs_dir,
            artifacts=ArtifactStore(run_dir / "artifacts"),
            variables=variables,
            deployer=account.deployer,
            endpoint=target.endpoint,
            credentials=account.credentials,
            progress=progress,
            codebuild_cache=state_dir / "codebuild-cache",
            approval=options.approval,
            read_parameter=lambda kind, reference: _read_parameter(target, kind, reference),
        )
        record.status = SUCCEEDED
        for index, stage in enumerate(pipeline.stages[first_stage:], start=first_stage):
            stage_record = _run_stage(stage, context, state_dir, s3)
            record.stages.append(stage_record)
            record.variables = variables.snapshot()
            if stage_record.status == STOPPED:
                record.status, stopped = STOPPED, True
                record.stopped_reason = (
                    f"waiting for approval in stage {stage.name}; continue with "
                    "`python -m harness rehearse --resume` (or --approve next time)"
                )
                _save_resume(
                    state_dir,
                    record,
                    next_stage=index + 1,
                    variables=variables,
                    s3=s3,
                    pipeline=pipeline,
                    run_dir=run_dir,
                    baseline=baseline,
                )
                return
            if stage_record.status != SUCCEEDED:
                record.status = FAILED
                failed = next(a for a in stage_record.actions if a.status == FAILED)
                record.stopped_reason = f"{stage.name}.{failed.name} failed: {failed.failure}"
                return
        (state_dir / "resume.json").unlink(missing_ok=True)
    finally:
        if not stopped:
            shutil.rmtree(run_dir, ignore_errors=True)


def _run_group(group: list[Action], context: RunContext) -> list[ActionRecord]:
    """One RunOrder's actions at once; Ctrl-C stops their builds before it propagates."""
    pool = ThreadPoolExecutor(max_workers=len(group))
    try:
        return list(pool.map(lambda action: run_action(action, context), group))
    except KeyboardInterrupt:
        cancel_builds()
        raise
    finally:
        pool.shutdown(wait=True)


def _run_stage(stage: Stage, context: RunContext, state_dir: Path, s3: BaseClient) -> StageRecord:
    context.progress.stage_started(stage.name)
    started = time.monotonic()
    stage_record = StageRecord(stage.name)
    for group in stage.run_orders():
        results = _run_group(group, context)
        stage_record.actions += results
        statuses = {result.status for result in results}
        if FAILED in statuses:
            stage_record.status = FAILED
            break
        if STOPPED in statuses:
            stage_record.status = STOPPED
            break
    if stage_record.status == SUCCEEDED and stage.on_failure == "ROLLBACK":
        _keep_last_success(stage, context, state_dir, s3)
    elif stage_record.status == FAILED and stage.on_failure == "ROLLBACK":
        stage_record.rollback = _rollback(stage, context, state_dir, s3)
    stage_record.seconds = round(time.monotonic() - started, 2)
    context.progress.stage_finished(stage_record)
    return stage_record


def _sweep_runs(runs: Path, keep: Path | None) -> None:
    """Remove what an interrupted or killed rehearsal left, but a resumable run's state."""
    if not runs.is_dir():
        return
    for path in runs.iterdir():
        if path != keep:
            shutil.rmtree(path, ignore_errors=True)


def _keep_last_success(stage: Stage, context: RunContext, state_dir: Path, s3: BaseClient) -> None:
    """Keep what this stage consumed, for a later execution's rollback of it."""
    kept = state_dir / "last-success" / stage.name
    shutil.rmtree(kept, ignore_errors=True)
    for name in {name for action in stage.actions for name in action.input_artifacts}:
        shutil.copytree(context.artifacts.path(name), kept / "artifacts" / name, symlinks=True)
    _save_bucket(s3, context.pipeline.artifact_bucket, kept / "bucket")
    (kept / "variables.json").write_text(json.dumps(context.variables.snapshot()))


def _rollback(stage: Stage, context: RunContext, state_dir: Path, s3: BaseClient) -> str:
    kept = state_dir / "last-success" / stage.name
    if not (kept / "variables.json").is_file():
        return (
            f"rollback not possible: no earlier successful execution of {stage.name} "
            "(CodePipeline refuses a rollback then too)"
        )
    context.progress.line(f"   rolling {stage.name} back to its last successful artifacts")
    _restore_bucket(s3, context.pipeline.artifact_bucket, kept / "bucket")
    artifacts = ArtifactStore(context.work_dir / f"rollback-{stage.name}")
    for path in (kept / "artifacts").iterdir():
        artifacts.put(path.name, path)
    variables = Variables({}, context.execution_id)
    for namespace, values in json.loads((kept / "variables.json").read_text()).items():
        variables.publish(namespace, values)
    rollback_context = RunContext(
        **{**vars(context), "artifacts": artifacts, "variables": variables, "change_sets": {}}
    )
    for group in stage.run_orders():
        results = _run_group(group, rollback_context)
        failed = [result for result in results if result.status != SUCCEEDED]
        if failed:
            return f"rollback failed: {failed[0].name}: {failed[0].failure}"
    return "rolled back to the last successful execution's artifacts"


def _approve_resumed(record: RunRecord) -> None:
    for stage in record.stages:
        if stage.status == STOPPED:
            stage.status = SUCCEEDED
            for action in stage.actions:
                if action.status == STOPPED:
                    action.status, action.summary = SUCCEEDED, "approved (--resume)"


def _save_resume(
    state_dir: Path,
    record: RunRecord,
    *,
    next_stage: int,
    variables: Variables,
    s3: BaseClient,
    pipeline: Pipeline,
    run_dir: Path,
    baseline: str | None,
) -> None:
    _save_bucket(s3, pipeline.artifact_bucket, run_dir / "bucket")
    kept_record = run_dir / "record.json"
    record.write(kept_record)
    (state_dir / "resume.json").write_text(
        json.dumps(
            {
                "execution_id": record.execution_id,
                "next_stage": next_stage,
                "variables": variables.snapshot(),
                "record": str(kept_record),
                "seconds": record.seconds,
                "baseline": baseline,
            }
        )
    )


def _load_resume(state_dir: Path) -> dict[str, object]:
    path = state_dir / "resume.json"
    if not path.is_file():
        raise RehearsalError(f"nothing to resume: no stopped rehearsal in {state_dir}")
    return json.loads(path.read_text())


class RehearsalError(RuntimeError):
    """The rehearsal cannot start; the message says why and what to do."""


def _save_bucket(s3: BaseClient, bucket: str, directory: Path) -> None:
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            target = directory / item["Key"]
            target.parent.mkdir(parents=True, exist_ok=True)
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"]
            target.write_bytes(body.read())


def _restore_bucket(s3: BaseClient, bucket: str, directory: Path) -> None:
    if not directory.is_dir():
        return
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            key = path.relative_to(directory).as_posix()
            s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())


def _read_parameter(target: EmbeddedTarget, kind: str, reference: str) -> str:
    """A ``PARAMETER_STORE`` name or ``SECRETS_MANAGER`` ``id[:json-key[:stage[:version]]]``."""
    if kind == "PARAMETER_STORE":
        ssm = make_client("ssm", target.endpoint)
        return ssm.get_parameter(Name=reference, WithDecryption=True)["Parameter"]["Value"]
    secret_id, _, rest = reference.partition(":")
    if reference.startswith("arn:"):
        parts = reference.split(":")
        secret_id, rest = ":".join(parts[:7]), ":".join(parts[7:])
    json_key, _, rest = rest.partition(":")
    stage, _, version = rest.partition(":")
    secrets = make_client("secretsmanager", target.endpoint)
    arguments = {"SecretId": secret_id}
    if stage:
        arguments["VersionStage"] = stage
    if version:
        arguments["VersionId"] = version
    value = secrets.get_secret_value(**arguments)["SecretString"]
    return str(json.loads(value)[json_key]) if json_key else value


@contextmanager
def _queued(pipeline: Pipeline, state_dir: Path, progress: Progress) -> Iterator[None]:
    """QUEUED (and SUPERSEDED): one execution at a time per checkout; PARALLEL: no wait."""
    if pipeline.execution_mode == "PARALLEL":
        yield
        return
    lock_path = state_dir / "execution.lock"
    with lock_path.open("a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "another process"
            progress.line(
                f"QUEUED ({pipeline.execution_mode}): waiting for the running rehearsal "
                f"({holder}) to finish"
            )
            fcntl.flock(lock, fcntl.LOCK_EX)
        lock.seek(0)
        lock.truncate()
        lock.write(f"pid {os.getpid()}")
        lock.flush()
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
