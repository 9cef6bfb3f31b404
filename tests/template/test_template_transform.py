"""The offline SAM transform: placeholders, per-stage parameters, caching, origins, errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.template import TemplateError
from harness.template.loader import load_document
from harness.template.match import Contains, Regex
from harness.template.transform import PLACEHOLDER_BUCKET, transform, transformed_template

TEMPLATES = Path(__file__).parents[2] / "fixtures" / "templates"
REGION = "eu-west-1"


@pytest.fixture
def small_sam(tmp_path: Path) -> Path:
    return Path(shutil.copy(TEMPLATES / "small_sam.yaml", tmp_path / "template.yaml"))


def test_local_code_uri_becomes_a_placeholder_and_s3_uris_stay(small_sam: Path) -> None:
    template = transformed_template(small_sam, {"Stage": "dev"}, REGION)
    read_code = template.resource("ReadFunction").properties["Code"]
    assert read_code == {"S3Bucket": PLACEHOLDER_BUCKET, "S3Key": "ReadFunction/src"}
    write_code = template.resource("WriteFunction").properties["Code"]
    assert write_code == {"S3Bucket": "already-packaged", "S3Key": "write.zip"}


def test_transform_leaves_its_input_untouched(small_sam: Path) -> None:
    document = load_document(small_sam)
    before = repr(document)
    result = transform(document, {"Stage": "dev"}, REGION)
    assert repr(document) == before
    assert "ReadFunctionRole" in result["Resources"]


def test_parameters_select_the_stage(small_sam: Path) -> None:
    dev = transformed_template(small_sam, {"Stage": "dev"}, REGION)
    prod = transformed_template(small_sam, {"Stage": "prod"}, REGION)
    group = "ReadFunctionDeploymentGroup"
    config = ("Properties", "DeploymentConfigName", "Fn::Sub", 1, "ConfigName")
    assert _dig(dev.resource(group).body, config) == "AllAtOnce"
    assert _dig(prod.resource(group).body, config) == "Canary10Percent5Minutes"
    assert "Stage=prod" in prod.label
    assert REGION in prod.label


def test_managed_policies_resolve_offline_for_the_region_partition(small_sam: Path) -> None:
    template = transformed_template(small_sam, {"Stage": "dev"}, "cn-north-1")
    template.resources("AWS::IAM::Role").any_match(
        {"Properties": {"ManagedPolicyArns": Contains([Regex("^arn:aws-cn:iam::aws:policy/")])}}
    )


def test_transforms_are_cached_per_content_parameters_and_region(small_sam: Path) -> None:
    first = transformed_template(small_sam, {"Stage": "dev"}, REGION)
    assert transformed_template(small_sam, {"Stage": "dev"}, REGION) is first
    assert transformed_template(small_sam, {"Stage": "prod"}, REGION) is not first
    assert transformed_template(small_sam, {"Stage": "dev"}, "us-west-2") is not first
    small_sam.write_text(small_sam.read_text().replace("Timeout: 5", "Timeout: 6"))
    edited = transformed_template(small_sam, {"Stage": "dev"}, REGION)
    assert edited is not first
    assert edited.resource("ReadFunction").properties["Timeout"] == 6


def test_generated_resources_point_at_their_sam_resource(small_sam: Path) -> None:
    template = transformed_template(small_sam, {"Stage": "prod"}, REGION)
    role = template.resource("ReadFunctionRole").origin
    assert (role.source_id, role.line) == ("ReadFunction", 18)
    table = template.resource("Table").origin
    assert (table.source_id, table.line) == (None, 39)
    assert table.locate(("Properties", "BillingMode")).endswith("template.yaml:43")
    assert template.resource("ServerlessDeploymentApplication").origin.source_id == "Transform"
    with pytest.raises(AssertionError) as caught:
        template.functions().all_match({"Properties": {"TracingConfig": {"Mode": "Active"}}})
    assert "WriteFunction (AWS::Lambda::Function, from SAM WriteFunction, " in str(caught.value)
    assert "template.yaml:29)" in str(caught.value)


def test_translator_errors_name_the_sam_resource_and_line() -> None:
    with pytest.raises(TemplateError) as caught:
        transformed_template(TEMPLATES / "broken_sam.yaml", {}, REGION)
    message = str(caught.value)
    assert "broken_sam.yaml:6: BrokenFunction: " in message
    assert caught.value.line == 6


def _dig(value: object, path: tuple[object, ...]) -> object:
    for part in path:
        value = value[part]  # type: ignore[index]
    return value
