"""Release state of a real stack: the ``live`` aliases, the last CodeDeploy deployments, alarms.

Each check returns its problems as sentences naming the resource, empty when all is well,
so a test asserts ``== []`` and a failure reads as a list of what is wrong. They need
Lambda aliases, CodeDeploy and CloudWatch alarms (AWS, or the embedded target's release
emulation); the tests declare the capability they need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.targets.discovery import resource_summaries

if TYPE_CHECKING:
    from botocore.client import BaseClient

LATEST = "$LATEST"


def stack_resources(cloudformation: BaseClient, stack_name: str, resource_type: str) -> list[str]:
    """Physical ids of the stack's resources of one type (e.g. ``AWS::CloudWatch::Alarm``)."""
    return [
        summary["PhysicalResourceId"]
        for summary in resource_summaries(cloudformation, stack_name)
        if summary["ResourceType"] == resource_type
    ]


def alias_problems(lambda_client: BaseClient, function_name: str, alias: str = "live") -> list[str]:
    """The alias must point, with all its traffic, to the newest published version.

    AutoPublishAlias publishes no version when only configuration changed, and a canary
    that was rolled back leaves the alias on the old one: both show up here.
    """
    versions = [
        int(version["Version"])
        for page in lambda_client.get_paginator("list_versions_by_function").paginate(
            FunctionName=function_name
        )
        for version in page["Versions"]
        if version["Version"] != LATEST
    ]
    if not versions:
        return [f"{function_name}: no published version, so alias {alias!r} cannot be current"]
    described = lambda_client.get_alias(FunctionName=function_name, Name=alias)
    problems = []
    if described["FunctionVersion"] != str(max(versions)):
        problems.append(
            f"{function_name}:{alias} points to version {described['FunctionVersion']}, "
            f"newest is {max(versions)}"
        )
    weights = described.get("RoutingConfig", {}).get("AdditionalVersionWeights")
    if weights:
        problems.append(f"{function_name}:{alias} still shifts traffic: {weights}")
    return problems


def deployment_problems(
    codedeploy: BaseClient, application: str, deployment_groups: list[str]
) -> list[str]:
    """The last attempted deployment of each group must have succeeded.

    A group that never deployed (the stack's first creation) has nothing to report.
    """
    problems = []
    for group in deployment_groups:
        info = codedeploy.get_deployment_group(
            applicationName=application, deploymentGroupName=group
        )["deploymentGroupInfo"]
        last = info.get("lastAttemptedDeployment")
        if last and last["status"] != "Succeeded":
            problems.append(
                f"CodeDeploy {application}/{group}: last deployment {last['deploymentId']} "
                f"is {last['status']}"
            )
    return problems


def alarm_problems(cloudwatch: BaseClient, alarm_names: list[str]) -> list[str]:
    """Every alarm of the stack must exist and not be in ALARM.

    INSUFFICIENT_DATA passes: an alarm created by the deploy that just finished has not
    been evaluated yet, and failing the gate for that would block every first release.
    """
    if not alarm_names:
        return []
    found = {
        alarm["AlarmName"]: alarm
        for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmNames=alarm_names)
        for alarm in page["MetricAlarms"]
    }
    problems = [f"alarm {name}: not found" for name in alarm_names if name not in found]
    problems += [
        f"alarm {name}: {alarm['StateValue']} ({alarm.get('StateReason', 'no reason given')})"
        for name, alarm in found.items()
        if alarm["StateValue"] == "ALARM"
    ]
    return problems
