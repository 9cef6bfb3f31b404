"""Quantifiers over a ResourceSet, and the failure messages they raise."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.template import Template
from harness.template.match import Capture, Contains, Present, Regex

TEMPLATES = Path(__file__).parents[2] / "fixtures" / "templates"


@pytest.fixture(scope="module")
def shapes() -> Template:
    return Template.from_file(TEMPLATES / "short_tags.yaml")


@pytest.fixture(scope="module")
def plain() -> Template:
    return Template.from_file(TEMPLATES / "plain.json")


def test_all_match_returns_the_set_and_fails_naming_resource_path_and_line(plain: Template) -> None:
    assert len(plain.resources("AWS::SQS::Queue").all_match({"Type": Present()})) == 1
    with pytest.raises(AssertionError) as caught:
        plain.resources("AWS::SQS::Queue").all_match({"Properties": {"VisibilityTimeout": 30}})
    message = str(caught.value)
    assert "all_match: 1 of 1 AWS::SQS::Queue in" in message
    assert 'pattern: {"Properties": {"VisibilityTimeout": 30}}' in message
    assert "Queue (AWS::SQS::Queue, " in message
    assert "plain.json:3)" in message
    assert "Properties.VisibilityTimeout: expected 30, found 60  (" in message
    assert message.rstrip().endswith("plain.json:6)")


def test_all_match_on_nothing_fails_unless_allowed(plain: Template) -> None:
    with pytest.raises(AssertionError, match="there are no AWS::Lambda::Function"):
        plain.resources("AWS::Lambda::Function").all_match({})
    assert len(plain.resources("AWS::Lambda::Function").all_match({}, allow_empty=True)) == 0


def test_any_match_lists_the_closest_resource_first(plain: Template) -> None:
    with pytest.raises(AssertionError) as caught:
        plain.resources().any_match(
            {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 1}}
        )
    message = str(caught.value)
    assert message.startswith("any_match: none of the 2 resources in")
    assert message.index("Queue (") < message.index("Topic (")
    assert plain.resources().any_match({"Type": "AWS::SNS::Topic"}).ids == ["Topic"]


def test_none_match_names_the_offenders(plain: Template) -> None:
    plain.resources().none_match({"Type": "AWS::Lambda::Function"})
    with pytest.raises(AssertionError) as caught:
        plain.resources().none_match({"Type": Regex("^AWS::S")})
    message = str(caught.value)
    assert "none_match: 2 of 2 resources" in message
    assert "Queue (AWS::SQS::Queue" in message
    assert "Topic (AWS::SNS::Topic" in message


def test_count_and_one(plain: Template) -> None:
    assert plain.resources().count(2).ids == ["Queue", "Topic"]
    assert plain.resources().one({"Type": "AWS::SNS::Topic"}).logical_id == "Topic"
    with pytest.raises(AssertionError, match=r"count: expected 3 resources .* in total, found 2"):
        plain.resources().count(3)
    with pytest.raises(AssertionError, match=r"expected 1 .* matching, found 0") as caught:
        plain.resources().one({"Type": "AWS::Lambda::Function"})
    assert "Type: expected 'AWS::Lambda::Function', found 'AWS::SQS::Queue'" in str(caught.value)


def test_where_and_only_select(shapes: Template) -> None:
    assert shapes.resources(where={"Properties": Present()}).ids == ["Bucket"]
    assert shapes.resources(where=lambda r: r.logical_id.startswith("T")).ids == ["Topic"]
    assert shapes.resources().only("Topic").ids == ["Topic"]


def test_captures_collect_one_value_per_matching_resource(plain: Template) -> None:
    kind = Capture(Regex("^AWS::"))
    plain.resources().all_match({"Type": kind})
    assert kind.values == ["AWS::SQS::Queue", "AWS::SNS::Topic"]


def test_failures_beyond_five_are_summarised() -> None:
    document = {"Resources": {f"Queue{i}": {"Type": "AWS::SQS::Queue"} for i in range(8)}}
    with pytest.raises(AssertionError) as caught:
        Template(document).resources().all_match({"Properties": Present()})
    assert "... and 3 more: Queue5, Queue6, Queue7" in str(caught.value)


def test_missing_resource_suggests_near_names(plain: Template) -> None:
    with pytest.raises(AssertionError, match="has no resource 'Queu'; did you mean Queue"):
        plain.resource("Queu")


def test_statements_are_found_in_roles_and_policies_and_normalised() -> None:
    document = {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "Policies": [
                        {
                            "PolicyDocument": {
                                "Statement": {
                                    "Effect": "Allow",
                                    "Action": "s3:GetObject",
                                    "Resource": "*",
                                }
                            }
                        }
                    ]
                },
            },
            "Policy": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {
                    "PolicyDocument": {
                        "Statement": [
                            {
                                "Fn::If": [
                                    "IsProd",
                                    {"Effect": "Allow", "Action": ["sqs:*"], "Resource": "*"},
                                    {"Ref": "AWS::NoValue"},
                                ]
                            }
                        ]
                    }
                },
            },
        }
    }
    statements = Template(document).iam_statements()
    assert [s.body["Action"] for s in statements] == [["s3:GetObject"], ["sqs:*"]]
    with pytest.raises(AssertionError) as caught:
        statements.none_match({"Action": Contains([Regex(r":\*$")])})
    assert (
        "Policy Properties.PolicyDocument.Statement[0].Fn::If[1] (AWS::IAM::ManagedPolicy"
        in str(caught.value)
    )


def test_pipeline_stages_order_actions_by_run_order() -> None:
    stages = Template.from_file(TEMPLATES / "pipeline.yaml").pipeline_stages()
    assert [stage.name for stage in stages] == ["Source", "Test"]
    assert [action.name for action in stages[1].actions] == ["Unit", "Smoke"]
    unit = stages[1].actions[0]
    assert (unit.category, unit.provider, unit.run_order) == ("Build", "CodeBuild", 1)
    assert unit.input_artifacts == ["SourceOutput"]
    assert unit.configuration == {"ProjectName": "unit"}
    assert stages[0].actions[0].output_artifacts == ["SourceOutput"]


def test_policy_statements_include_resource_and_trust_policies() -> None:
    document = {
        "Resources": {
            "Key": {
                "Type": "AWS::KMS::Key",
                "Properties": {
                    "KeyPolicy": {
                        "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]
                    }
                },
            },
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]
                    }
                },
            },
        }
    }
    template = Template(document)
    assert len(template.iam_statements()) == 0
    statements = template.policy_statements()
    assert sorted(s.body["Action"][0] for s in statements) == ["kms:*", "sts:AssumeRole"]
    with pytest.raises(AssertionError, match="Key"):
        statements.none_match({"Action": Contains(["kms:*"])})
