"""The loader: short tags to long form, source lines kept, bad input named by file:line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.template import Template, TemplateError
from harness.template.loader import SourceDict, load_document, parse_document

TEMPLATES = Path(__file__).parents[2] / "fixtures" / "templates"


def tags_of(document: SourceDict) -> dict[str, object]:
    tags = document["Resources"]["Bucket"]["Properties"]["Tags"]
    return {tag["Key"]: tag["Value"] for tag in tags}


def test_every_short_tag_becomes_its_long_form() -> None:
    document = load_document(TEMPLATES / "short_tags.yaml")
    tags = tags_of(document)
    assert tags["size"] == {"Fn::FindInMap": ["StageConfig", {"Ref": "Stage"}, "Size"]}
    assert tags["joined"] == {"Fn::Join": ["-", ["a", "b"]]}
    assert tags["selected"] == {"Fn::Select": [0, {"Fn::Split": [",", "x,y"]}]}
    assert tags["zone"] == {"Fn::Select": [0, {"Fn::GetAZs": ""}]}
    assert tags["encoded"] == {"Fn::Base64": "text"}
    assert tags["imported"] == {"Fn::ImportValue": "SharedName"}
    assert tags["cidr"] == {"Fn::Select": [0, {"Fn::Cidr": ["10.0.0.0/16", 2, 8]}]}
    assert tags["arn"] == {"Fn::GetAtt": ["Topic", "TopicArn"]}
    assert tags["conditional"] == {"Fn::If": ["IsProd", "big", {"Ref": "AWS::NoValue"}]}
    assert tags["sub-list"] == {"Fn::Sub": ["${Name}-x", {"Name": {"Ref": "Stage"}}]}
    conditions = document["Conditions"]
    assert conditions["IsProd"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    assert conditions["IsNotProd"] == {"Fn::Not": [{"Condition": "IsProd"}]}
    assert conditions["Either"] == {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "IsNotProd"}]}
    assert conditions["Both"] == {"Fn::And": [{"Condition": "IsProd"}, {"Condition": "IsNotProd"}]}


def test_get_att_keeps_dotted_attribute_names_whole() -> None:
    document = parse_document(
        "Resources:\n  A:\n    Type: X\n    Properties:\n      P: !GetAtt S.Outputs.Url\n"
    )
    assert document["Resources"]["A"]["Properties"]["P"] == {"Fn::GetAtt": ["S", "Outputs.Url"]}


def test_loaded_document_is_plain_json_with_dates_kept_as_text() -> None:
    document = load_document(TEMPLATES / "short_tags.yaml")
    assert json.loads(json.dumps(document)) == document
    assert document["AWSTemplateFormatVersion"] == "2010-09-09"


def test_mappings_remember_their_lines() -> None:
    document = load_document(TEMPLATES / "short_tags.yaml")
    resources = document["Resources"]
    assert resources.line_of("Bucket") == 16
    assert resources["Bucket"]["Properties"].line_of("BucketName") == 19


def test_json_templates_get_lines_too() -> None:
    template = Template.from_file(TEMPLATES / "plain.json")
    assert (
        template.resource("Queue")
        .origin.locate(("Properties", "VisibilityTimeout"))
        .endswith("plain.json:6")
    )


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("Resources:\n  A:\n    Type: X\n    P: !Fancy x\n", 4, "unknown tag !Fancy"),
        ("Resources:\n  A: [1, 2\n", 3, "invalid template"),
        ("Description: nothing\n", 1, "has no Resources section"),
        ("Resources: []\n", 1, "Resources is not a mapping"),
        ("Resources:\n  A: {Type: X}\n  A: {Type: Y}\n", 3, "duplicate key 'A' (first at line 2)"),
        ("Resources:\n  A:\n    P: !GetAtt NoDot\n", 3, "needs the form Resource.Attribute"),
    ],
)
def test_bad_templates_are_named_by_file_and_line(
    tmp_path: Path, text: str, line: int, reason: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(TemplateError) as caught:
        load_document(path)
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert reason in str(caught.value)
    assert caught.value.line == line
