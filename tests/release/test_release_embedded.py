"""Releases on the embedded target, end to end, on a fixture app shaped like SAM's sample.

One stack is released again and again. Each test starts from wherever the last left the
stack and says what it expects in its own terms ("one version newer", "back where it
was"), so the tests hold in any order and on any subset: xdist splits a module between
its workers, each with a stack of its own. The clock runs at 120, twice the default, to
keep the module short; what a test checks never depends on how long anything took.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from harness.smoke.release import alias_problems, deployment_problems, stack_resources
from harness.targets.discovery import discover_stack
from harness.targets.embedded.releases import StackRelease, UpdateResult
from harness.targets.embedded.target import EmbeddedStack, EmbeddedTarget

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "apps" / "canary"
STACK = "release"
SCALE = 120.0


@dataclass
class App:
    """The fixture app copied where a test may change its code."""

    root: Path

    @property
    def template(self) -> Path:
        return self.root / "template.yaml"

    def release(self, name: str, *, fail_every: int = 0) -> None:
        """Rewrite the orders function as release ``name`` (failing every N-th request)."""
        source = self.root / "src" / "orders" / "app.py"
        lines = source.read_text().splitlines()
        lines = [
            f'RELEASE = "{name}"'
            if line.startswith("RELEASE =")
            else f"FAIL_EVERY = {fail_every}"
            if line.startswith("FAIL_EVERY =")
            else line
            for line in lines
        ]
        source.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> App:
    root = tmp_path_factory.mktemp("canary") / "app"
    shutil.copytree(FIXTURE, root)
    return App(root)


@pytest.fixture(scope="module")
def target() -> Iterator[EmbeddedTarget]:
    started = EmbeddedTarget(
        region="us-east-1", cache_dir=Path(".cache/harness-builds"), release_time_scale=SCALE
    )
    yield started
    started.teardown()


@pytest.fixture(scope="module")
def stack(target: EmbeddedTarget, app: App) -> EmbeddedStack:
    return target.deploy(app.template, STACK, {"DeploymentType": "AllAtOnce"})


def _live(stack: EmbeddedStack) -> int:
    described = stack.client("lambda").get_alias(
        FunctionName=stack.outputs["OrdersFunctionName"], Name="live"
    )
    return int(described["FunctionVersion"])


class Traffic:
    """Requests to the API while a release runs: which release answered, with what status."""

    def __init__(self, stack: EmbeddedStack) -> None:
        self.url = stack.api_url + "orders"
        self.answers: Counter[tuple[int, str]] = Counter()
        self.weights: list[float] = []
        self._stack = stack

    def during(self, release: StackRelease) -> Traffic:
        session = requests.Session()
        watcher = threading.Thread(target=self._watch_weights, args=(release,), daemon=True)
        watcher.start()
        while release.running:
            response = session.get(self.url, timeout=30)
            body = response.json()
            self.answers[(response.status_code, body.get("release", body.get("message", "")))] += 1
        watcher.join()
        return self

    def _watch_weights(self, release: StackRelease) -> None:
        client = self._stack.client("lambda")
        function = self._stack.outputs["OrdersFunctionName"]
        while release.running:
            alias = client.get_alias(FunctionName=function, Name="live")
            weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
            for weight in weights.values():
                if not self.weights or self.weights[-1] != weight:
                    self.weights.append(weight)
            time.sleep(0.05)

    def releases(self, status: int = 200) -> set[str]:
        return {name for (code, name), _ in self.answers.items() if code == status}


def _release(target: EmbeddedTarget, app: App, **parameters: str) -> StackRelease:
    """Start a release once the errors alarm is quiet again (after a rolled-back one, it stays
    in ALARM until the failing period leaves its evaluation range, and would stop any
    deployment at once: CodeDeploy's documented behaviour, not what these tests are about)."""
    stack = target.stack(STACK)
    alarm = stack.physical_ids["AliasErrorMetricGreaterThanZeroAlarm"]
    cloudwatch = stack.client("cloudwatch")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        (described,) = cloudwatch.describe_alarms(AlarmNames=[alarm])["MetricAlarms"]
        if described["StateValue"] != "ALARM":
            break
        time.sleep(0.1)
    return target.begin_update(STACK, app.template, {"DeploymentType": "AllAtOnce", **parameters})


def _with_traffic(
    target: EmbeddedTarget, stack: EmbeddedStack, app: App, **parameters: str
) -> tuple[UpdateResult, Traffic]:
    """Release with requests going on all along; the outcome and what the requests saw."""
    release = _release(target, app, **parameters)
    traffic = Traffic(stack).during(release)
    return release.result(), traffic


def test_a_good_canary_release_ends_with_all_traffic_on_the_new_version(
    target: EmbeddedTarget, stack: EmbeddedStack, app: App
) -> None:
    before = _live(stack)
    app.release("good")
    result, traffic = _with_traffic(target, stack, app, DeploymentType="Canary10Percent5Minutes")
    assert result.status == "UPDATE_COMPLETE", result.reason
    (deployment,) = result.deployments
    assert int(deployment.current_version) == before
    assert _live(stack) == int(deployment.target_version) > before
    assert alias_problems(stack.client("lambda"), stack.outputs["OrdersFunctionName"]) == []
    info = stack.client("codedeploy").get_deployment(deploymentId=deployment.deployment_id)
    assert info["deploymentInfo"]["status"] == "Succeeded"
    assert info["deploymentInfo"]["creator"] == "CloudFormation"
    assert deployment.shifts == [0.1, 1.0]
    assert traffic.weights == [0.1]
    assert "good" in traffic.releases()


def test_a_release_failing_some_requests_is_rolled_back_by_its_alarm_in_the_canary(
    target: EmbeddedTarget, stack: EmbeddedStack, app: App
) -> None:
    before = _live(stack)
    function = stack.outputs["OrdersFunctionName"]
    latest_before = _release_of(stack.client("lambda").invoke(FunctionName=function))
    app.release("bad", fail_every=2)
    result, traffic = _with_traffic(target, stack, app, DeploymentType="Canary10Percent5Minutes")
    assert result.rolled_back, result.reason
    (deployment,) = result.deployments
    assert deployment.shifts == [0.1], "the canary never reached 100%: rolled back inside it"
    assert traffic.answers[(500, "Internal Server Error")] >= 1
    assert _live(stack) == before
    codedeploy = stack.client("codedeploy")
    info = codedeploy.get_deployment(deploymentId=deployment.deployment_id)["deploymentInfo"]
    assert info["status"] == "Stopped"
    assert info["errorInformation"]["code"] == "ALARM_ACTIVE"
    rollback = info["rollbackInfo"]["rollbackDeploymentId"]
    rolled = codedeploy.get_deployment(deploymentId=rollback)["deploymentInfo"]
    assert (rolled["status"], rolled["creator"]) == ("Succeeded", "codeDeployRollback")
    cloudformation = stack.client("cloudformation")
    status = cloudformation.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"]
    assert status == "UPDATE_ROLLBACK_COMPLETE"
    discover_stack(stack)  # every target accepts it: the release checks below judge it
    assert alias_problems(stack.client("lambda"), function) == [
        f"{function}:live points to version {before}, newest is {deployment.target_version}"
    ]
    application = stack_resources(cloudformation, STACK, "AWS::CodeDeploy::Application")[0]
    groups = stack_resources(cloudformation, STACK, "AWS::CodeDeploy::DeploymentGroup")
    (problem,) = deployment_problems(codedeploy, application, groups)
    assert deployment.deployment_id in problem
    assert "OrdersFunctionDeploymentGroup" in problem
    assert problem.endswith("is Stopped")
    assert _release_of(stack.client("lambda").invoke(FunctionName=function)) == latest_before


def _release_of(invoked: dict) -> str:
    """Which release of the orders code answered a Lambda Invoke."""
    return json.loads(json.loads(invoked["Payload"].read())["body"])["release"]


def test_a_failing_pretraffic_hook_rolls_back_before_any_request_reaches_the_new_version(
    target: EmbeddedTarget, stack: EmbeddedStack, app: App
) -> None:
    before = _live(stack)
    started = datetime.now(UTC)
    app.release("unchecked")
    result, traffic = _with_traffic(
        target, stack, app, DeploymentType="Canary10Percent5Minutes", HookStatus="Failed"
    )
    assert result.rolled_back, result.reason
    (deployment,) = result.deployments
    assert deployment.shifts == []
    assert "unchecked" not in traffic.releases()
    assert _live(stack) == before
    target_info = stack.client("codedeploy").get_deployment_target(
        deploymentId=deployment.deployment_id, targetId=deployment.target_id
    )["deploymentTarget"]["lambdaTarget"]
    events = {e["lifecycleEventName"]: e["status"] for e in target_info["lifecycleEvents"]}
    assert events["BeforeAllowTraffic"] == "Failed"
    assert events["AllowTraffic"] == "Pending"
    new_version = stack.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="Invocations",
        Dimensions=[
            {"Name": "FunctionName", "Value": stack.outputs["OrdersFunctionName"]},
            {"Name": "Resource", "Value": f"{stack.outputs['OrdersFunctionName']}:live"},
            {"Name": "ExecutedVersion", "Value": deployment.target_version},
        ],
        StartTime=started - timedelta(minutes=1),
        EndTime=datetime.now(UTC) + timedelta(minutes=1),
        Period=60,
        Statistics=["Sum"],
    )
    assert new_version["Datapoints"] == []


def test_linear_shifting_moves_the_weights_step_by_step(
    target: EmbeddedTarget, stack: EmbeddedStack, app: App
) -> None:
    before = _live(stack)
    app.release("linear")
    result, traffic = _with_traffic(
        target, stack, app, DeploymentType="Linear10PercentEvery1Minute"
    )
    assert result.status == "UPDATE_COMPLETE", result.reason
    (deployment,) = result.deployments
    assert deployment.shifts == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    assert len(traffic.weights) >= 3, traffic.weights
    assert traffic.weights == sorted(traffic.weights)
    assert _live(stack) == int(deployment.target_version) > before


def test_a_custom_deployment_configuration_shifts_its_own_way(
    target: EmbeddedTarget, stack: EmbeddedStack, app: App
) -> None:
    """DeploymentPreference.Type naming a configuration made with CreateDeploymentConfig."""
    stack.client("codedeploy").create_deployment_config(
        deploymentConfigName="HalfThenAll",
        computePlatform="Lambda",
        trafficRoutingConfig={
            "type": "TimeBasedCanary",
            "timeBasedCanary": {"canaryPercentage": 50, "canaryInterval": 1},
        },
    )
    app.release("custom")
    result, _ = _with_traffic(target, stack, app, DeploymentType="HalfThenAll")
    assert result.status == "UPDATE_COMPLETE", result.reason
    (deployment,) = result.deployments
    assert (deployment.config.name, deployment.shifts) == ("HalfThenAll", [0.5, 1.0])


def test_stop_deployment_rolls_the_release_back(
    target: EmbeddedTarget, stack: EmbeddedStack, app: App
) -> None:
    before = _live(stack)
    app.release("stopped")
    release = _release(target, app, DeploymentType="Canary10Percent5Minutes")
    release.started.wait(timeout=60)
    (deployment,) = release.deployments
    stack.client("codedeploy").stop_deployment(
        deploymentId=deployment.deployment_id, autoRollbackEnabled=True
    )
    result = release.result()
    assert result.rolled_back, result.reason
    assert deployment.error == {
        "code": "MANUAL_STOP",
        "message": "The deployment was stopped by a StopDeployment call.",
    }
    assert _live(stack) == before


def test_treat_missing_data_decides_alarms_on_a_metric_nobody_publishes(
    stack: EmbeddedStack,
) -> None:
    names = {
        treat: stack.physical_ids[f"Quiet{treat}Alarm"]
        for treat in ("Breaching", "NotBreaching", "Missing", "Ignored")
    }
    cloudwatch = stack.client("cloudwatch")
    deadline = time.monotonic() + 30
    while True:
        states = {
            alarm["AlarmName"]: alarm["StateValue"]
            for alarm in cloudwatch.describe_alarms(AlarmNames=list(names.values()))["MetricAlarms"]
        }
        if states[names["Breaching"]] == "ALARM" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert {treat: states[name] for treat, name in names.items()} == {
        "Breaching": "ALARM",
        "NotBreaching": "OK",
        "Missing": "INSUFFICIENT_DATA",
        "Ignored": "INSUFFICIENT_DATA",
    }


def test_an_alarm_action_publishes_cloudwatchs_notification_to_its_topic(
    stack: EmbeddedStack,
) -> None:
    """QuietBreachingAlarm goes to ALARM on its own; its topic's subscriber hears it."""
    sqs, sns = stack.client("sqs"), stack.client("sns")
    queue = sqs.create_queue(QueueName="alarm-notifications")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    sns.subscribe(
        TopicArn=stack.outputs["AlarmTopicArn"],
        Protocol="sqs",
        Endpoint=queue_arn["Attributes"]["QueueArn"],
        Attributes={"RawMessageDelivery": "true"},
    )
    alarm = stack.physical_ids["QuietBreachingAlarm"]
    cloudwatch = stack.client("cloudwatch")
    cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="reset by a test")
    deadline = time.monotonic() + 30
    notifications: list[dict] = []
    while not notifications and time.monotonic() < deadline:
        received = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
        notifications = [json.loads(message["Body"]) for message in received]
    assert notifications, "no alarm notification reached the topic's subscriber"
    assert notifications[0]["AlarmName"] == alarm
    assert (notifications[0]["OldStateValue"], notifications[0]["NewStateValue"]) == ("OK", "ALARM")
    history = cloudwatch.describe_alarm_history(AlarmName=alarm, HistoryItemType="Action")
    assert history["AlarmHistoryItems"][0]["HistorySummary"].startswith("Successfully executed")


def _sum(stack: EmbeddedStack, namespace: str, name: str, dimensions: dict[str, str]) -> float:
    answer = stack.client("cloudwatch").get_metric_statistics(
        Namespace=namespace,
        MetricName=name,
        Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
        StartTime=datetime.now(UTC) - timedelta(minutes=30),
        EndTime=datetime.now(UTC) + timedelta(minutes=1),
        Period=3600,
        Statistics=["Sum"],
    )
    return sum(point["Sum"] for point in answer["Datapoints"])


def test_invocations_and_requests_become_metrics_read_as_cloudwatch_reads_them(
    stack: EmbeddedStack,
) -> None:
    """Each metric exactly once per request: a query by FunctionName alone must not add up
    the datapoints published with Resource and ExecutedVersion as well."""
    function = stack.outputs["OrdersFunctionName"]
    by_function = {"FunctionName": function}
    by_alias = {**by_function, "Resource": f"{function}:live"}
    api = {"ApiId": _http_api_id(stack), "Stage": "$default"}
    counted = {
        "invocations": _sum(stack, "AWS/Lambda", "Invocations", by_function),
        "alias": _sum(stack, "AWS/Lambda", "Invocations", by_alias),
        "requests": _sum(stack, "AWS/ApiGateway", "Count", api),
        "orders": _sum(stack, "Orders", "OrdersServed", {"service": "orders"}),
    }
    for _ in range(7):
        assert requests.get(stack.api_url + "orders", timeout=30).status_code == 200
    after = {
        "invocations": _sum(stack, "AWS/Lambda", "Invocations", by_function),
        "alias": _sum(stack, "AWS/Lambda", "Invocations", by_alias),
        "requests": _sum(stack, "AWS/ApiGateway", "Count", api),
        "orders": _sum(stack, "Orders", "OrdersServed", {"service": "orders"}),
    }
    assert {key: after[key] - counted[key] for key in after} == dict.fromkeys(after, 7.0)


def test_get_metric_data_evaluates_metric_math(stack: EmbeddedStack) -> None:
    for _ in range(3):
        requests.get(stack.api_url + "orders", timeout=30)
    api = [
        {"Name": "ApiId", "Value": _http_api_id(stack)},
        {"Name": "Stage", "Value": "$default"},
    ]

    def query(query_id: str, name: str) -> dict:
        metric = {"Namespace": "AWS/ApiGateway", "MetricName": name, "Dimensions": api}
        return {
            "Id": query_id,
            "MetricStat": {"Metric": metric, "Period": 3600, "Stat": "Sum"},
            "ReturnData": False,
        }

    answer = stack.client("cloudwatch").get_metric_data(
        MetricDataQueries=[
            query("errors", "5xx"),
            query("requests", "Count"),
            {"Id": "rate", "Expression": "IF(requests > 0, 100 * errors / requests, 0)"},
        ],
        StartTime=datetime.now(UTC) - timedelta(hours=1),
        EndTime=datetime.now(UTC) + timedelta(minutes=1),
    )
    (rate,) = answer["MetricDataResults"]
    assert rate["Id"] == "rate"
    assert rate["Values"]
    assert all(0 <= value <= 100 for value in rate["Values"])


def test_sam_decides_which_changes_publish_a_version(
    target: EmbeddedTarget, stack: EmbeddedStack, app: App
) -> None:
    """SAM hashes the code, the Environment as written and MemorySize into the version's
    logical id; with AutoPublishAliasAllProperties every property. A Timeout change alone
    publishes nothing: the alias keeps the old version, with its old configuration, while
    $LATEST moves on."""

    def answer(**invoke: str) -> dict:
        if not invoke:
            return requests.get(stack.api_url + "orders", timeout=30).json()
        payload = stack.client("lambda").invoke(**invoke)["Payload"].read()
        return json.loads(json.loads(payload)["body"])

    function = stack.outputs["OrdersFunctionName"]
    app.release("sam-rules")
    assert _release(target, app).result().status == "UPDATE_COMPLETE"
    before = _live(stack)
    timeout_only = _release(target, app, OrdersTimeout="20").result()
    assert timeout_only.status == "UPDATE_COMPLETE", timeout_only.reason
    assert (timeout_only.deployments, _live(stack)) == ((), before)
    assert answer()["time_left_ms"] <= 10_000
    assert answer(FunctionName=function)["time_left_ms"] > 10_000

    app.template.write_text(
        app.template.read_text().replace("GREETING: !Ref Greeting", "GREETING: hi")
    )
    environment = _release(target, app, OrdersTimeout="20").result()
    (deployment,) = environment.deployments
    assert _live(stack) == int(deployment.target_version) > before
    assert answer()["greeting"] == "hi"

    app.template.write_text(
        app.template.read_text().replace(
            "      AutoPublishAlias: live\n",
            "      AutoPublishAlias: live\n      AutoPublishAliasAllProperties: true\n",
        )
    )
    every_property = _release(target, app, OrdersTimeout="30").result()
    (deployment,) = every_property.deployments
    assert answer()["time_left_ms"] > 20_000


def test_an_update_replaces_only_the_workers_of_functions_that_changed_and_rereads_outputs(
    target: EmbeddedTarget, stack: EmbeddedStack, app: App
) -> None:
    def status_pid() -> int:
        return requests.get(stack.api_url + "status", timeout=30).json()["pid"]

    pid = status_pid()
    app.release("orders-only")
    result = _release(target, app).result()
    assert result.status == "UPDATE_COMPLETE", result.reason
    assert "OrdersFunction" in result.changes.modified
    assert not {"StatusFunction", "AlarmTopic", "QuietBreachingAlarm"} & {
        *result.changes.modified,
        *result.changes.added,
    }
    assert status_pid() == pid
    status = app.root / "src" / "status" / "app.py"
    status.write_text(status.read_text() + "\n# changed\n")
    template = app.template.read_text()
    app.template.write_text(template + "  StatusFunctionName:\n    Value: !Ref StatusFunction\n")
    result = _release(target, app).result()
    assert result.status == "UPDATE_COMPLETE", result.reason
    assert status_pid() != pid
    assert stack.outputs["StatusFunctionName"] == stack.physical_ids["StatusFunction"]


def test_an_update_that_changes_nothing_says_so(
    target: EmbeddedTarget, stack: EmbeddedStack, app: App
) -> None:
    """The first update brings the stack to this template and these parameters, whatever
    the test before released; the same update again changes nothing."""
    assert _release(target, app).result().status in {"UPDATE_COMPLETE", "NO_UPDATES"}
    result = _release(target, app).result()
    assert result.status == "NO_UPDATES"
    assert result.deployments == ()


def _http_api_id(stack: EmbeddedStack) -> str:
    """The implicit HTTP API's id: what ``!Ref ServerlessHttpApi`` gives, the metrics' ApiId."""
    assert stack.front is not None
    return stack.front.apis["ServerlessHttpApi"].gateway.api_id
