"""The smoke gate's engines in-process: retries, signing, prod safety, synthetic data, release."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
import requests
from botocore.stub import Stubber

from harness.smoke.client import ApiClient, ClientSettings, DeadlineRetry, SigV4RequestAuth
from harness.smoke.latency import percentiles
from harness.smoke.release import alarm_problems, alias_problems, deployment_problems
from harness.smoke.report import GateReport
from harness.smoke.safety import decide
from harness.smoke.synthetic import SyntheticData, SyntheticRecord, run_id, sweep

ITEM_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
FAST = ClientSettings(backoff_factor_s=0.0, backoff_jitter_s=0.0, retry_budget_s=5.0)


class ScriptedServer:
    """Answers each request with the next status of ``statuses`` (the last one repeats)."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.seen = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status = server.statuses[min(server.seen, len(server.statuses) - 1)]
                server.seen += 1
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                del args

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def scripted() -> Iterator[type[ScriptedServer]]:
    servers: list[ScriptedServer] = []

    class Tracked(ScriptedServer):
        def __init__(self, statuses: list[int]) -> None:
            super().__init__(statuses)
            servers.append(self)

    yield Tracked
    for server in servers:
        server.httpd.shutdown()
        server.httpd.server_close()


def test_transient_statuses_are_retried_until_an_answer(
    scripted: type[ScriptedServer],
) -> None:
    server = scripted([503, 502, 200])
    assert ApiClient(server.url, FAST).get("health").status_code == 200
    assert server.seen == 3


def test_a_500_is_an_answer_and_never_retried(scripted: type[ScriptedServer]) -> None:
    server = scripted([500, 200])
    assert ApiClient(server.url, FAST).get("health").status_code == 500
    assert server.seen == 1


def test_a_refused_connection_ends_in_a_connection_error(scripted: type[ScriptedServer]) -> None:
    server = scripted([200])
    server.httpd.server_close()
    with pytest.raises(requests.ConnectionError):
        ApiClient(server.url, FAST).get("health")


def test_no_retry_starts_after_the_deadline() -> None:
    late = DeadlineRetry(total=10, budget_s=1.0, deadline=time.monotonic() - 0.1)
    fresh = DeadlineRetry(total=10, budget_s=1.0)
    assert late.is_exhausted()
    assert late.get_backoff_time() == 0.0
    assert not fresh.is_exhausted()
    assert fresh.new(total=9).deadline is not None


def test_sigv4_signs_for_execute_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "token")
    request = requests.Request("GET", "https://abc.execute-api.eu-west-1.amazonaws.com/items")
    signed = SigV4RequestAuth("eu-west-1")(request.prepare())
    assert signed.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/execute-api/aws4_request" in signed.headers["Authorization"]
    assert signed.headers["X-Amz-Security-Token"] == "token"


@pytest.mark.parametrize(
    ("stage", "stack_stage", "allow", "readonly_only", "overridden"),
    [
        ("staging", "staging", False, False, False),
        ("prod", None, False, True, False),
        ("staging", "prod", False, True, False),
        ("prod", "prod", True, False, True),
    ],
)
def test_prod_is_readonly_unless_overridden(
    stage: str, stack_stage: str | None, allow: bool, readonly_only: bool, overridden: bool
) -> None:
    deployed = None if stack_stage is None else ("Stage", stack_stage)
    mode = decide(stage, deployed, "command line --smoke-allow-mutating-on-prod" if allow else None)
    assert (mode.readonly_only, mode.overridden) == (readonly_only, overridden)


def test_run_ids_come_from_the_codebuild_build_and_fit_common_id_patterns() -> None:
    build = "smoke-project:0b5c8a1e-7d0e-4c39-9a53-3f1f6f0e8c11"
    assert run_id({"CODEBUILD_BUILD_ID": build}) == "0b5c8a1e-7d0e-4c39-9a53-3f1f6f0e8c11"
    data = SyntheticData(run_id({}))
    new = data.new_id()
    assert ITEM_ID.fullmatch(new)
    assert new.startswith(data.prefix)
    assert data.created == [new], "recorded before any request carries it"


class FakeContract:
    """Records listed with their age, and a record of what was deleted (404 for one)."""

    def __init__(self, records: list[SyntheticRecord], refusing: str = "") -> None:
        self.records = records
        self.refusing = refusing
        self.deleted: list[str] = []

    def delete(self, client: Any, record_id: str) -> str | None:
        if record_id == self.refusing:
            return f"DELETE {record_id}: HTTP 500"
        self.deleted.append(record_id)
        return None

    def listing(self, client: Any) -> list[SyntheticRecord]:
        return self.records


def test_the_sweep_deletes_only_old_records_of_other_smoke_runs() -> None:
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    old, young = now - timedelta(hours=3), now - timedelta(minutes=5)
    contract = FakeContract(
        [
            SyntheticRecord("smoke-run1-0", old),
            SyntheticRecord("customer-7", old),
            SyntheticRecord("smoke-run2-0", young),
            SyntheticRecord("smoke-me-0", old),
            SyntheticRecord("smoke-run1-1", old),
        ]
    )
    swept = sweep(None, contract, timedelta(hours=1), now, keep_prefix="smoke-me-")  # type: ignore[arg-type]
    assert swept == ["smoke-run1-0", "smoke-run1-1"]
    assert contract.deleted == swept


def test_delete_all_empties_the_registry_and_returns_what_failed() -> None:
    data = SyntheticData("run")
    kept, refused = data.new_id(), data.new_id()
    contract = FakeContract([], refusing=refused)
    assert data.delete_all(None, contract) == [f"DELETE {refused}: HTTP 500"]  # type: ignore[arg-type]
    assert contract.deleted == [kept]
    assert data.created == []


def test_percentiles_interpolate_between_samples() -> None:
    assert percentiles([float(n) for n in range(1, 101)]) == pytest.approx((50.5, 95.05))
    assert percentiles([7.0]) == (7.0, 7.0)


def test_the_verdict_fails_on_any_failed_check_or_an_abort() -> None:
    report = GateReport()
    report.record_phase("test_a", "passed", 0.1)
    report.record_phase("test_b", "passed", 0.1)
    assert report.passed
    report.record_phase("test_b", "failed", 0.2, "AssertionError: 500 != 200")
    assert not report.passed
    assert "FAILED     0.30s  test_b  -- AssertionError: 500 != 200" in report.render()
    aborted = GateReport(aborted="stack lacks output(s) Stage")
    assert aborted.render()[-1] == "smoke gate verdict: FAIL"


def _stubbed(service: str) -> tuple[Any, Stubber]:
    client = boto3.client(
        service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    return client, Stubber(client)


def test_an_alias_behind_the_newest_version_is_a_problem() -> None:
    client, stub = _stubbed("lambda")
    stub.add_response(
        "list_versions_by_function",
        {"Versions": [{"Version": "$LATEST"}, {"Version": "3"}, {"Version": "4"}]},
        {"FunctionName": "fn"},
    )
    stub.add_response(
        "get_alias",
        {"FunctionVersion": "3", "Name": "live"},
        {"FunctionName": "fn", "Name": "live"},
    )
    with stub:
        assert alias_problems(client, "fn") == ["fn:live points to version 3, newest is 4"]


def test_a_failed_last_deployment_and_a_firing_alarm_are_problems() -> None:
    codedeploy, deploy_stub = _stubbed("codedeploy")
    deploy_stub.add_response(
        "get_deployment_group",
        {
            "deploymentGroupInfo": {
                "lastAttemptedDeployment": {"deploymentId": "d-1", "status": "Failed"}
            }
        },
        {"applicationName": "app", "deploymentGroupName": "group"},
    )
    cloudwatch, alarm_stub = _stubbed("cloudwatch")
    alarm_stub.add_response(
        "describe_alarms",
        {
            "MetricAlarms": [
                {"AlarmName": "errors", "StateValue": "ALARM", "StateReason": "1 > 0"},
                {"AlarmName": "new", "StateValue": "INSUFFICIENT_DATA"},
            ]
        },
        {"AlarmNames": ["errors", "gone", "new"]},
    )
    with deploy_stub, alarm_stub:
        assert deployment_problems(codedeploy, "app", ["group"]) == [
            "CodeDeploy app/group: last deployment d-1 is Failed"
        ]
        assert alarm_problems(cloudwatch, ["errors", "gone", "new"]) == [
            "alarm gone: not found",
            "alarm errors: ALARM (1 > 0)",
        ]
