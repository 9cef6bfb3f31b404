"""What was released is what runs: aliases current, last deployment succeeded, alarms quiet."""

from __future__ import annotations

import pytest

from harness import Stack, alarm_problems, alias_problems, deployment_problems, stack_resources

pytestmark = pytest.mark.readonly


@pytest.mark.requires("lambda_alias")
@pytest.mark.parametrize("output", ["ItemsReadFunctionName", "ItemsWriteFunctionName"])
def test_live_alias_points_to_the_newest_version(smoke_stack: Stack, output: str) -> None:
    assert alias_problems(smoke_stack.client("lambda"), smoke_stack.outputs[output]) == []


@pytest.mark.requires("codedeploy")
def test_last_codedeploy_deployments_succeeded(smoke_stack: Stack) -> None:
    cloudformation = smoke_stack.client("cloudformation")
    applications = stack_resources(cloudformation, smoke_stack.name, "AWS::CodeDeploy::Application")
    groups = stack_resources(cloudformation, smoke_stack.name, "AWS::CodeDeploy::DeploymentGroup")
    assert len(applications) == 1, f"expected one CodeDeploy application, found {applications}"
    assert groups, f"stack {smoke_stack.name} has no CodeDeploy deployment group"
    problems = deployment_problems(smoke_stack.client("codedeploy"), applications[0], groups)
    assert problems == []


@pytest.mark.requires("alarms")
def test_no_stack_alarm_is_firing(smoke_stack: Stack) -> None:
    cloudformation = smoke_stack.client("cloudformation")
    alarms = stack_resources(cloudformation, smoke_stack.name, "AWS::CloudWatch::Alarm")
    assert alarms, f"stack {smoke_stack.name} has no CloudWatch alarm"
    assert alarm_problems(smoke_stack.client("cloudwatch"), alarms) == []
