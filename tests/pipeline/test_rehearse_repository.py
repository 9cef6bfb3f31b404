"""This repository's pipeline rehearsed end to end (minutes each: marked ``rehearsal``).

The caches a real CodeBuild host keeps (pip, uv, the SAM CLI, ``sam build --cached``) are
this checkout's ``.cache``, shared by every test here, so only the first run is cold. The
canary rehearsal runs once for the module: its baseline is a green run of this repository
to SmokeProd (the first test reads it), the release after it is rolled back on prod.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from types import TracebackType

import pytest
import requests

from harness.cli.rehearse import pipeline_template
from harness.pipeline.actions import APPROVE
from harness.pipeline.definition import read_pipeline
from harness.pipeline.intrinsics import Account
from harness.pipeline.progress import Progress
from harness.pipeline.record import FAILED, SUCCEEDED, ActionRecord, RunRecord
from harness.pipeline.rehearsal import ACCOUNT_ID, RehearsalOptions, rehearse
from harness.pipeline.source import export_source
from harness.targets.embedded.up_state import read_running
from tests.pipeline.conftest import git

pytestmark = [pytest.mark.rehearsal, pytest.mark.timeout(1500)]

REPO = Path(__file__).resolve().parents[2]
PROD_STACK = "items-api-prod"


def every_stage() -> list[str]:
    """The stages of this repository's pipeline template, in order."""
    account = Account(ACCOUNT_ID, "us-east-1", "pipeline")
    parameters = {"RepositoryName": "owner/items", "KeyAdministratorArns": "arn:aws:iam::1:role/A"}
    return [
        stage.name for stage in read_pipeline(pipeline_template(REPO), parameters, account).stages
    ]


def rehearsal_options(repo: Path, record_dir: Path, **options: object) -> RehearsalOptions:
    settings = {
        "repo": repo,
        "template": pipeline_template(repo),
        "parameters": {
            "RepositoryName": "owner/items",
            "KeyAdministratorArns": "arn:aws:iam::123456789012:role/Admin",
        },
        "approval": APPROVE,
        "record_path": record_dir / "rehearsal.json",
        "cache_dir": REPO / ".cache",
        **options,
    }
    return RehearsalOptions(**settings)


def run(given: RehearsalOptions) -> RunRecord:
    return rehearse(given, Progress(io.StringIO(), live=False))


def copy_of_this_repository(copy: Path) -> Path:
    """This checkout's files committed on ``main`` of a new repository."""
    export_source(REPO, None, copy)
    git(copy, "init", "-q", "-b", "main")
    git(copy, "add", "-A")
    git(copy, "commit", "-qm", "copy")
    return copy


def action(record: RunRecord, stage: str, name: str) -> ActionRecord:
    found = record.stage(stage)
    assert found is not None, f"stage {stage} did not run: {record.stopped_reason}"
    return next(action for action in found.actions if action.name == name)


def seed(repo: Path, function: str, condition: str, message: str) -> None:
    """Make the read route ``function`` raise when ``condition`` holds (a Python expression)."""
    routes = repo / "app" / "src" / "items" / "routes_read.py"
    text = routes.read_text()
    head = text[text.index(f"def {function}(") :]
    body = head.index('"""', head.index('"""') + 3) + 3  # after the docstring
    at = text.index(f"def {function}(") + body
    raised = f"\n    if {condition}:\n        raise RuntimeError({json.dumps(message)})"
    seeded = text[:at] + raised + text[at:]  # ruff-formatted as written: Build's lint passes
    routes.write_text(seeded)


class Users:
    """Prod's users, played: from the moment prod's API exists (its URL read from the state
    file the rehearsal publishes) until the run ends, a request every 50 ms to its list
    route, as real users keep calling it through a release. Answers counted by status (0:
    no answer)."""

    def __init__(self, state_file: Path, stack: str) -> None:
        self.state_file = state_file
        self.stack = stack
        self.answers: Counter[int] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="prod-users", daemon=True)

    def __enter__(self) -> Users:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _api_url(self) -> str | None:
        state = read_running(self.state_file)
        stack = state.stacks.get(self.stack) if state else None
        return stack.outputs.get("ApiUrl") if stack else None

    def _run(self) -> None:
        session = requests.Session()
        url = None
        while not self._stop.wait(0.05):
            url = url or self._api_url()
            if url is None:
                continue
            try:
                self.answers[session.get(url + "items", timeout=10).status_code] += 1
            except requests.RequestException:
                self.answers[0] += 1


class CanaryRehearsal:
    """The module's one canary rehearsal: its options, record, baseline and prod's users."""

    def __init__(self, options: RehearsalOptions, record: RunRecord, users: Users) -> None:
        self.options = options
        self.record = record
        self.baseline = RunRecord.read(options.baseline_record_file)
        self.users = users


@pytest.fixture(scope="module")
def canary_rehearsal(tmp_path_factory: pytest.TempPathFactory) -> CanaryRehearsal:
    """Prod runs the good release (the baseline: this repository as it is); the next commit
    errors on every listing, only on prod, so the gates before prod pass."""
    work = tmp_path_factory.mktemp("canary")
    repo = copy_of_this_repository(work / "items")
    seed(repo, "list_items", '__import__("os").environ.get("STAGE") == "prod"', "prod only")
    git(repo, "commit", "-qam", "bad prod release")
    options = rehearsal_options(repo, work, baseline="HEAD~1")
    with Users(options.state_file, PROD_STACK) as users:
        record = run(options)
    return CanaryRehearsal(options, record, users)


def smoke_reports(record: RunRecord, stage: str) -> list[dict[str, object]]:
    found = record.stage(stage)
    assert found is not None, f"{stage} did not run: {record.stopped_reason}"
    return [report for action in found.actions for report in action.reports]


def test_a_rehearsal_of_this_repository_reaches_smoke_prod_green(
    canary_rehearsal: CanaryRehearsal,
) -> None:
    """The canary rehearsal's baseline: this repository's pipeline, Source to SmokeProd."""
    record = canary_rehearsal.baseline
    assert record.status == SUCCEEDED, record.stopped_reason
    assert [stage.name for stage in record.stages] == every_stage()
    integration = record.stage("IntegrationTest")
    assert integration is not None
    suite = integration.actions[0]
    assert [build["identifier"] for build in suite.builds] == ["shard_1", "shard_2"]
    assert "passed" in record.variables["IntegrationTestVariables"]["TEST_SUMMARY"]
    assert "passed" in record.variables["SmokeGateVariables"]["TEST_SUMMARY"]
    assert action(record, "DeployProd", "ExecuteChangeSet").summary.startswith(
        f"CREATE_COMPLETE {PROD_STACK}"
    )


def test_the_gates_run_the_release_checks_at_the_embedded_endpoint(
    canary_rehearsal: CanaryRehearsal,
) -> None:
    """The state file declares the embedded target's lambda_alias, codedeploy and alarms:
    the smoke gate's release checks run, on stacks just created (baseline) and just
    updated through CodeDeploy (the release after it)."""
    for record in (canary_rehearsal.baseline, canary_rehearsal.record):
        (gate,) = smoke_reports(record, "SmokeGate")
        assert gate["failures"] == gate["errors"] == 0, gate["failed_tests"]
        assert list(gate["skipped_tests"]) == [], "every smoke test runs on staging"
    (prod,) = smoke_reports(canary_rehearsal.baseline, "SmokeProd")
    assert prod["failures"] == prod["errors"] == 0, prod["failed_tests"]
    assert not [test for test in prod["skipped_tests"] if "test_release" in str(test)]
    staging = action(canary_rehearsal.record, "DeployStaging", "ExecuteChangeSet")
    assert staging.summary.startswith("UPDATE_COMPLETE items-api-staging"), staging.summary
    assert staging.deployments
    assert {deployment["status"] for deployment in staging.deployments} == {"Succeeded"}


def test_a_bad_prod_release_is_rolled_back_by_its_canary_alarm(
    canary_rehearsal: CanaryRehearsal,
) -> None:
    """The canary's errors alarm sees the users' failing requests; CodeDeploy stops the
    deployment and returns the alias, CloudFormation rolls the stack back, DeployProd fails
    naming the stack, the deployment and the alarm, and SmokeProd never runs."""
    record = canary_rehearsal.record
    assert record.status == FAILED
    execute = action(record, "DeployProd", "ExecuteChangeSet")
    assert execute.status == FAILED
    stopped = [d for d in execute.deployments if d["status"] == "Stopped"]
    assert len(stopped) == 1, execute.deployments
    (deployment,) = stopped
    assert deployment["config"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    assert deployment["shifts"] == [0.1], "rolled back inside the canary"
    assert deployment["error"]["code"] == "ALARM_ACTIVE"
    assert deployment["rollback"]
    (alarm,) = deployment["alarms"]
    failure = str(execute.failure)
    assert failure.startswith(f"stack {PROD_STACK} is UPDATE_ROLLBACK_COMPLETE: "), failure
    assert "ItemsReadFunctionAliaslive UPDATE_FAILED" in failure
    assert deployment["deployment_id"] in failure
    assert alarm in failure
    assert "ReadErrorsAlarm" in alarm
    assert record.stopped_reason == f"DeployProd.ExecuteChangeSet failed: {failure}"
    prod = record.stage("DeployProd")
    assert prod is not None
    assert prod.rollback == "rolled back to the last successful execution's artifacts"
    assert record.stage("SmokeProd") is None, "SmokeProd must never run"
    users = canary_rehearsal.users.answers
    assert users[500] >= 1, users
    assert users[200] > users[500], users


def test_a_seeded_handler_bug_stops_the_release_before_prod(tmp_path: Path) -> None:
    """A handler bug the unit layer cannot see (it breaks only on Lambda's runtime, which sets
    ``AWS_EXECUTION_ENV`` and the in-process unit API does not) passes Build and goes red
    once deployed, naming the test that stopped it; DeployProd never runs."""
    repo = copy_of_this_repository(tmp_path / "items")
    seed(
        repo,
        "health",
        '__import__("os").environ.get("AWS_EXECUTION_ENV")',
        "seeded: breaks on the Lambda runtime only",
    )
    record = run(rehearsal_options(repo, tmp_path))
    assert record.status == FAILED
    failed = next(stage for stage in record.stages if stage.status == FAILED)
    assert failed.name in ("IntegrationTest", "SmokeGate"), record.stopped_reason
    assert record.stage("DeployProd") is None, "DeployProd must never run"
    stopping = next(action for action in failed.actions if action.status == FAILED)
    assert any("test_health" in test for test in stopping.failed_tests), stopping.failed_tests
    assert "test_health" in str(record.stopped_reason)


def test_rehearse_command_stops_at_the_approval_and_resumes(tmp_path: Path) -> None:
    """``--stop-at-approval`` then ``--resume``, through the command line."""
    record = tmp_path / "cli.json"
    command = [sys.executable, "-m", "harness", "rehearse", "--record", str(record)]
    stopped = subprocess.run([*command, "--stop-at-approval"], cwd=REPO, check=False)
    assert stopped.returncode == 0
    assert RunRecord.read(record).status == "Stopped"
    resumed = subprocess.run([*command, "--resume"], cwd=REPO, check=False)
    assert resumed.returncode == 0
    final = RunRecord.read(record)
    assert final.status == SUCCEEDED, final.stopped_reason
    assert [stage.name for stage in final.stages] == every_stage()
