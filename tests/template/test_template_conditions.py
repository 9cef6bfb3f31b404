"""Conditions evaluated offline: what a template deploys for given parameter values."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.template import Template, TemplateError
from harness.template.conditions import evaluate_conditions

ROOT = Path(__file__).parents[2]
MONITORED = ROOT / "fixtures" / "templates" / "monitored_sam.yaml"


@pytest.fixture(scope="module")
def template() -> Template:
    return Template.from_file(MONITORED)


def test_conditions_follow_parameters_and_defaults(template: Template) -> None:
    assert evaluate_conditions(template.document, {}) == {
        "HasEndpoint": False,
        "NamesAdmins": False,
        "IsProd": False,
        "ProdWithEndpoint": False,
        "InUsEast1": None,
    }
    values = evaluate_conditions(
        template.document, {"Stage": "prod", "Endpoint": "a@example.com", "Admins": "arn:a,arn:b"}
    )
    assert values["ProdWithEndpoint"] is True
    assert values["NamesAdmins"] is True


def test_a_resource_under_a_false_condition_is_not_deployed(template: Template) -> None:
    default = template.with_parameters()
    assert "Subscription" not in default.resources().ids
    assert "SubscriptionArn" not in default.outputs
    subscribed = template.with_parameters(Endpoint="a@example.com")
    assert subscribed.resource("Subscription").properties["Endpoint"] == {"Ref": "Endpoint"}
    assert "SubscriptionArn" in subscribed.outputs


def test_fn_if_takes_its_branch_and_no_value_disappears(template: Template) -> None:
    assert template.with_parameters(Stage="prod").resource("Topic").properties == {
        "DisplayName": "prod alarms"
    }
    assert template.with_parameters(Stage="dev").resource("Topic").properties == {}


def test_resolved_resources_keep_their_source_lines(template: Template) -> None:
    topic = template.with_parameters(Stage="prod").resource("Topic")
    assert topic.heading().endswith("monitored_sam.yaml:42)")
    assert topic.locate(("Properties", "DisplayName")).endswith("monitored_sam.yaml:45")


def test_a_condition_known_only_at_deploy_time_is_refused_by_name() -> None:
    document = {
        "Conditions": {"InUsEast1": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}},
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Condition": "InUsEast1"}},
    }
    with pytest.raises(
        TemplateError, match=r"condition 'InUsEast1' depends on values only known at deploy"
    ):
        Template(document).with_parameters()


def test_an_undeclared_condition_is_refused_by_name() -> None:
    document = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Condition": "Nope"}}}
    with pytest.raises(TemplateError, match="condition 'Nope' is used but not declared"):
        Template(document).with_parameters()
