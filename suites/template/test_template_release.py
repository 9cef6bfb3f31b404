"""Releases: prod shifts traffic by canary guarded by each function's errors alarm;
dev and staging deploy all at once."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness import AnyOf, Contains, Matcher, RefersTo, Regex, Template

pytestmark = pytest.mark.template


def deployment_config(config_name: str) -> Matcher:
    """A ``DeploymentConfigName`` naming ``config_name``, literal or as SAM writes it."""
    name = Regex(f"^{config_name}")
    return AnyOf(
        Regex(rf"^CodeDeployDefault\.Lambda{config_name}"),
        {"Fn::Sub": ["CodeDeployDefault.Lambda${ConfigName}", {"ConfigName": name}]},
    )


@pytest.mark.parametrize("stage", ["dev", "staging", "prod"])
def test_every_function_deploys_through_its_live_alias(
    transformed: Callable[..., Template], stage: str
) -> None:
    template = transformed(stage)
    functions = template.functions()
    aliases = template.resources("AWS::Lambda::Alias").all_match({"Properties": {"Name": "live"}})
    assert sorted(a.origin.source_id for a in aliases) == sorted(functions.ids)
    groups = template.resources("AWS::CodeDeploy::DeploymentGroup")
    assert sorted(g.origin.source_id for g in groups) == sorted(functions.ids)


def test_prod_deploys_by_canary_with_the_errors_alarm_wired(
    transformed: Callable[..., Template],
) -> None:
    template = transformed("prod")
    groups = template.resources("AWS::CodeDeploy::DeploymentGroup")
    groups.all_match({"Properties": {"DeploymentConfigName": deployment_config("Canary")}})
    for group in groups:
        function = group.origin.source_id
        errors_alarms = template.resources(
            "AWS::CloudWatch::Alarm",
            where={
                "Properties": {
                    "MetricName": "Errors",
                    "Dimensions": Contains([{"Name": "FunctionName", "Value": RefersTo(function)}]),
                }
            },
        )
        groups.only(group.logical_id).all_match(
            {
                "Properties": {
                    "AlarmConfiguration": {
                        "Enabled": True,
                        "Alarms": Contains(
                            [{"Name": AnyOf(*({"Ref": a} for a in errors_alarms.ids))}]
                        ),
                    },
                    "AutoRollbackConfiguration": {
                        "Enabled": True,
                        "Events": Contains(["DEPLOYMENT_STOP_ON_ALARM"]),
                    },
                }
            }
        )


@pytest.mark.parametrize("stage", ["dev", "staging"])
def test_pre_production_stages_deploy_all_at_once(
    transformed: Callable[..., Template], stage: str
) -> None:
    transformed(stage).resources("AWS::CodeDeploy::DeploymentGroup").all_match(
        {"Properties": {"DeploymentConfigName": deployment_config("AllAtOnce")}}
    )
