"""CloudFormation actions release through the embedded target, on top of a ``--baseline``.

The release fixture pipeline deploys the canary fixture app (``CREATE_UPDATE``, its
parameters from ``release.json``): the baseline execution creates the stack, the one
after it updates it, CodeDeploy and all. Seconds each: no tox, no SAM CLI.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from harness.pipeline.actions import APPROVE
from harness.pipeline.progress import Progress
from harness.pipeline.record import FAILED, SUCCEEDED, ActionRecord, RunRecord
from harness.pipeline.rehearsal import RehearsalOptions, rehearse
from tests.pipeline.conftest import CANARY_APP, RELEASE, Rehearse, committed_repository, git


@pytest.fixture
def release_repo(tmp_path: Path) -> Path:
    """The release pipeline with the canary app in ``app/``, committed on ``main``."""
    return committed_repository(tmp_path / "repo", RELEASE, app=CANARY_APP)


def options(repo: Path, tmp_path: Path, **settings: object) -> RehearsalOptions:
    return RehearsalOptions(
        **{
            "repo": repo,
            "template": repo / "pipeline.yaml",
            "approval": APPROVE,
            "record_path": tmp_path / "rehearsal.json",
            "stack_name": "release",
            **settings,
        }
    )


def run(given: RehearsalOptions) -> RunRecord:
    return rehearse(given, Progress(io.StringIO(), live=False))


def deploy_action(record: RunRecord) -> ActionRecord:
    stage = record.stage("Deploy")
    assert stage is not None, record.stopped_reason
    return stage.actions[0]


def release(repo: Path, name: str, **parameters: str) -> None:
    """Commit the orders function as release ``name``, deployed with ``parameters``."""
    source = repo / "app" / "src" / "orders" / "app.py"
    source.write_text(
        "\n".join(
            f'RELEASE = "{name}"' if line.startswith("RELEASE =") else line
            for line in source.read_text().splitlines()
        )
        + "\n"
    )
    (repo / "release.json").write_text(
        json.dumps({"Parameters": {"DeploymentType": "AllAtOnce", **parameters}})
    )
    git(repo, "commit", "-qam", f"release {name}")


def test_without_a_baseline_the_deploy_creates_the_stack(
    release_repo: Path, tmp_path: Path
) -> None:
    given = options(release_repo, tmp_path)
    record = run(given)
    assert record.status == SUCCEEDED, record.stopped_reason
    assert record.baseline is None
    assert deploy_action(record).summary.startswith("CREATE_COMPLETE release-app")
    assert not given.state_file.exists(), "the state file outlived its embedded target"


def test_a_release_on_its_baseline_updates_the_stack_through_codedeploy(
    release_repo: Path, tmp_path: Path
) -> None:
    release(release_repo, "second")
    given = options(release_repo, tmp_path, baseline="HEAD~1")
    record = run(given)
    assert record.status == SUCCEEDED, record.stopped_reason
    assert record.baseline is not None
    assert record.baseline["ref"] == "HEAD~1"
    assert record.baseline["status"] == SUCCEEDED
    baseline = RunRecord.read(given.baseline_record_file)
    assert baseline.execution_id == record.baseline["execution_id"] != record.execution_id
    assert deploy_action(baseline).summary.startswith("CREATE_COMPLETE release-app")
    deploy = deploy_action(record)
    assert deploy.summary.startswith("UPDATE_COMPLETE release-app"), deploy.summary
    (deployment,) = deploy.deployments
    assert deployment["status"] == "Succeeded"
    assert deployment["config"] == "CodeDeployDefault.LambdaAllAtOnce"
    assert deployment["shifts"] == [1.0]
    assert int(deployment["to_version"]) == int(deployment["from_version"]) + 1
    assert deployment["deployment_id"] in deploy.summary


def test_an_unchanged_release_on_its_baseline_succeeds_with_no_updates(
    release_repo: Path, tmp_path: Path
) -> None:
    record = run(options(release_repo, tmp_path, baseline="HEAD"))
    assert record.status == SUCCEEDED, record.stopped_reason
    deploy = deploy_action(record)
    assert deploy.status == SUCCEEDED
    assert deploy.summary.startswith("NO_UPDATES release-app"), deploy.summary
    assert deploy.deployments == []
    assert "ApiUrl" in deploy.variables, "the outputs are the namespace's variables still"


def test_a_release_rolled_back_by_codedeploy_fails_its_deploy_action_naming_why(
    release_repo: Path, tmp_path: Path
) -> None:
    """A failing PreTraffic hook stops the deployment: CloudFormation rolls the update back,
    the action fails naming the stack, the resource, the deployment and the reason; the
    stage's ``OnFailure: ROLLBACK`` redeploys the baseline's artifacts (no changes left to
    make) and the next stage never runs."""
    release(release_repo, "broken", HookStatus="Failed")
    record = run(options(release_repo, tmp_path, baseline="HEAD~1"))
    assert record.status == FAILED
    deploy = deploy_action(record)
    assert deploy.status == FAILED
    (deployment,) = deploy.deployments
    assert deployment["status"] == "Failed"
    assert deployment["rollback"], "CodeDeploy rolls the alias back"
    failure = str(deploy.failure)
    assert failure.startswith("stack release-app is UPDATE_ROLLBACK_COMPLETE: "), failure
    assert "OrdersFunctionAliaslive UPDATE_FAILED" in failure
    assert deployment["deployment_id"] in failure
    assert "HOOK_EXECUTION_FAILURE" in failure
    assert "CodeDeployHook_release-app_preTraffic reported Failed" in failure
    assert record.stopped_reason == f"Deploy.Deploy failed: {failure}"
    stage = record.stage("Deploy")
    assert stage is not None
    assert stage.rollback == "rolled back to the last successful execution's artifacts"
    assert record.stage("Check") is None


def test_a_baseline_that_fails_stops_the_rehearsal_before_its_execution(
    run_mini: Rehearse,
) -> None:
    record = run_mini(baseline="no-such-ref")
    assert record.status == FAILED
    assert record.stages == [], "the execution asked for never started"
    assert record.baseline is not None
    assert record.baseline["status"] == FAILED
    reason = str(record.stopped_reason)
    assert reason.startswith("the baseline execution of no-such-ref did not succeed (Source.")
    assert "no-such-ref" in reason.partition("(")[2]
    assert reason.endswith("there is nothing to release on top of")
