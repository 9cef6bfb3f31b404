"""The CodeDeploy and CloudWatch calls the release emulation answers, over real HTTP.

No stack here: a bare embedded target, and boto3 against its endpoint, as a hook function,
the smoke gate or the AWS CLI would call it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from harness.targets.base import Endpoint, make_client
from harness.targets.embedded.release.configs import (
    PREDEFINED,
    DeploymentConfig,
    DeploymentConfigError,
    from_traffic_routing,
)
from harness.targets.embedded.target import EmbeddedTarget


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Endpoint]:
    target = EmbeddedTarget(region="us-east-1", cache_dir=Path(".cache/harness-builds"))
    yield target.endpoint
    target.teardown()


def test_the_nine_predefined_lambda_configurations_shift_as_documented() -> None:
    assert len(PREDEFINED) == 9
    assert PREDEFINED["CodeDeployDefault.LambdaAllAtOnce"].steps() == [(0.0, 1.0)]
    canary = PREDEFINED["CodeDeployDefault.LambdaCanary10Percent30Minutes"]
    assert canary.steps() == [(0.0, 0.1), (1800.0, 1.0)]
    linear = PREDEFINED["CodeDeployDefault.LambdaLinear10PercentEvery3Minutes"].steps()
    assert linear[:2] == [(0.0, 0.1), (180.0, 0.2)]
    assert linear[-1] == (1620.0, 1.0)


def test_a_custom_configuration_reads_cloudformations_or_the_apis_spelling() -> None:
    from_cloudformation = from_traffic_routing(
        "Quarter",
        {
            "Type": "TimeBasedLinear",
            "TimeBasedLinear": {"LinearPercentage": 25, "LinearInterval": 2},
        },
    )
    from_api = from_traffic_routing(
        "Quarter",
        {
            "type": "TimeBasedLinear",
            "timeBasedLinear": {"linearPercentage": 25, "linearInterval": 2},
        },
    )
    assert from_cloudformation == from_api == DeploymentConfig("Quarter", "TimeBasedLinear", 25, 2)
    assert from_api.steps() == [(0.0, 0.25), (120.0, 0.5), (240.0, 0.75), (360.0, 1.0)]


@pytest.mark.parametrize(
    ("name", "routing", "message"),
    [
        ("CodeDeployDefault.Mine", {"Type": "AllAtOnce"}, "reserved"),
        ("Zero", {"Type": "TimeBasedCanary", "TimeBasedCanary": {}}, "percentage from 1 to 99"),
        ("Odd", {"Type": "Sideways"}, "not one of"),
    ],
)
def test_a_configuration_codedeploy_would_refuse_is_named(name, routing, message) -> None:
    with pytest.raises(DeploymentConfigError, match=message) as raised:
        from_traffic_routing(name, routing)
    assert name in str(raised.value)


def test_deployment_configurations_through_the_codedeploy_api(endpoint: Endpoint) -> None:
    codedeploy = make_client("codedeploy", endpoint)
    codedeploy.create_deployment_config(
        deploymentConfigName="Canary25Percent3Minutes",
        computePlatform="Lambda",
        trafficRoutingConfig={
            "type": "TimeBasedCanary",
            "timeBasedCanary": {"canaryPercentage": 25, "canaryInterval": 3},
        },
    )
    listed = codedeploy.list_deployment_configs()["deploymentConfigsList"]
    assert {"Canary25Percent3Minutes", "CodeDeployDefault.LambdaAllAtOnce"} <= set(listed)
    info = codedeploy.get_deployment_config(deploymentConfigName="Canary25Percent3Minutes")
    routing = info["deploymentConfigInfo"]["trafficRoutingConfig"]
    assert routing == {
        "type": "TimeBasedCanary",
        "timeBasedCanary": {"canaryPercentage": 25, "canaryInterval": 3},
    }
    with pytest.raises(ClientError) as raised:
        codedeploy.get_deployment_config(deploymentConfigName="Nope")
    assert raised.value.response["Error"]["Code"] == "DeploymentConfigDoesNotExistException"


def test_a_hook_reporting_for_an_unknown_deployment_is_refused(endpoint: Endpoint) -> None:
    with pytest.raises(ClientError) as raised:
        make_client("codedeploy", endpoint).put_lifecycle_event_hook_execution_status(
            deploymentId="d-UNKNOWN00", lifecycleEventHookExecutionId="x", status="Succeeded"
        )
    assert raised.value.response["Error"]["Code"] == "DeploymentDoesNotExistException"


def test_an_alarm_put_through_the_api_starts_insufficient_and_is_evaluated(
    endpoint: Endpoint,
) -> None:
    """CloudWatch creates every alarm in INSUFFICIENT_DATA; the target's evaluator owns it."""
    cloudwatch = make_client("cloudwatch", endpoint)
    cloudwatch.put_metric_alarm(
        AlarmName="api-made",
        Namespace="Api/Test",
        MetricName="Beats",
        Statistic="Sum",
        Period=10,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="LessThanThreshold",
        TreatMissingData="breaching",
    )
    # The evaluator may judge the alarm before the first describe, so where it started
    # is read from its history: one transition, out of INSUFFICIENT_DATA.
    (alarm,) = cloudwatch.describe_alarms(AlarmNames=["api-made"])["MetricAlarms"]
    deadline = time.monotonic() + 10
    while alarm["StateValue"] != "ALARM" and time.monotonic() < deadline:
        time.sleep(0.1)
        (alarm,) = cloudwatch.describe_alarms(AlarmNames=["api-made"])["MetricAlarms"]
    assert alarm["StateValue"] == "ALARM", alarm["StateReason"]
    history = cloudwatch.describe_alarm_history(AlarmName="api-made")["AlarmHistoryItems"]
    transitions = [item for item in history if item["HistoryItemType"] == "StateUpdate"]
    assert [item["HistorySummary"] for item in transitions] == [
        "Alarm updated from INSUFFICIENT_DATA to ALARM"
    ]
