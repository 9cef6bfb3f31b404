"""Packaging SAM apps from their model: omitted CodeUri, what a build skips, layers, runtimes."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest

from harness.build.builder import (
    build_function,
    build_layer,
    mount_layers,
    runtime_layer,
)
from harness.build.package import CodeUriError, PackagedTemplate, package_template
from harness.build.runtimes import find_interpreter
from harness.sam import read_sam_model
from harness.template.transform import PLACEHOLDER_BUCKET, transformed_template

APPS = Path(__file__).resolve().parents[2] / "fixtures" / "sam"
SKIPPED = (".git", ".aws-sam", ".cache", ".tox", ".venv", "node_modules")


class Bucket:
    """The uploader's side: what was uploaded, by key."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def upload(self, key: str, archive: bytes) -> str:
        self.objects[key] = archive
        return f"s3://artifacts/{key}"

    def names(self, uri: str) -> list[str]:
        archive = self.objects[uri.removeprefix("s3://artifacts/")]
        return zipfile.ZipFile(io.BytesIO(archive)).namelist()


def package(app: Path, bucket: Bucket, cache: Path, **parameters: str) -> PackagedTemplate:
    return package_template(read_sam_model(app / "template.yaml", parameters), bucket.upload, cache)


@pytest.fixture
def hello_world(tmp_path: Path) -> Path:
    return Path(shutil.copytree(APPS / "hello_world", tmp_path / "hello_world"))


def test_an_omitted_code_uri_packages_the_template_folder(
    hello_world: Path, tmp_path: Path
) -> None:
    bucket = Bucket()
    packaged = package(hello_world, bucket, tmp_path / "cache")
    uri = packaged.document["Resources"]["HelloWorldFunction"]["Properties"]["CodeUri"]
    assert sorted(bucket.names(uri)) == ["app.py", "template.yaml"]
    assert packaged.functions["HelloWorldFunction"].code_uri == uri


def test_a_build_skips_tool_folders_and_a_cache_inside_the_code(
    hello_world: Path, tmp_path: Path
) -> None:
    for name in SKIPPED:
        (hello_world / name).mkdir()
        (hello_world / name / "junk.py").write_text("")
    cache = hello_world / "build-cache"  # not an ignored name: skipped because it is the cache
    build = build_function(hello_world, "python3.12", cache)
    assert sorted(path.name for path in build.iterdir()) == ["app.py", "template.yaml"]
    assert build_function(hello_world, "python3.12", cache) == build  # the cache is no input


def test_the_transform_takes_a_function_without_code_uri(hello_world: Path) -> None:
    function = transformed_template(hello_world / "template.yaml", {}, "us-east-1").resource(
        "HelloWorldFunction"
    )
    assert function.properties["Code"] == {
        "S3Bucket": PLACEHOLDER_BUCKET,
        "S3Key": "HelloWorldFunction/root",
    }


def test_layers_are_built_like_sam_build_and_uploaded(tmp_path: Path) -> None:
    bucket = Bucket()
    packaged = package(APPS / "layers", bucket, tmp_path / "cache")
    resources = packaged.document["Resources"]
    shared = bucket.names(resources["SharedLayer"]["Properties"]["ContentUri"])
    assert {"python/shared_lib.py", "python/six.py", "python/requirements.txt"} <= set(shared)
    utils = bucket.names(resources["UtilsLayer"]["Properties"]["ContentUri"])
    assert sorted(utils) == ["python/utils_lib.py", "python/which.py"]  # as it is: no BuildMethod
    builds = packaged.functions["LayeredFunction"].layer_builds
    assert [(build / "python").is_dir() for build in builds] == [True, True]


def test_mounted_layers_merge_in_order_the_later_one_winning(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    layers = APPS / "layers" / "layers"
    shared = build_layer(layers / "shared", "python3.12", cache)
    utils = build_layer(layers / "utils", None, cache)
    (python,) = mount_layers([shared, utils], "python3.12", cache)
    assert python.name == "python"
    assert "utils" in (python / "which.py").read_text()
    (python_reversed,) = mount_layers([utils, shared], "python3.12", cache)
    assert "shared" in (python_reversed / "which.py").read_text()
    assert (shared / "python" / "which.py").read_text() != (python / "which.py").read_text()


def test_a_node_function_is_packaged_as_it_is_and_reported(tmp_path: Path) -> None:
    bucket = Bucket()
    packaged = package(APPS / "runtimes", bucket, tmp_path / "cache", Greeting="hi")
    uri = packaged.document["Resources"]["NodeFunction"]["Properties"]["CodeUri"]
    assert bucket.names(uri) == ["index.js"]
    assert "NodeFunction" not in packaged.functions
    (gap,) = packaged.gaps
    assert (gap.logical_id, gap.type) == ("NodeFunction", "AWS::Serverless::Function")
    assert "nodejs20.x" in gap.reason


def test_included_and_definition_uri_documents_are_put_in_place(tmp_path: Path) -> None:
    packaged = package(APPS / "openapi", Bucket(), tmp_path / "cache")
    resources = packaged.document["Resources"]
    books = resources["BooksApi"]["Properties"]["DefinitionBody"]
    assert books["paths"]["/books"]["get"]["x-amazon-apigateway-integration"]["type"] == "aws_proxy"
    admin = resources["AdminApi"]["Properties"]
    assert "DefinitionUri" not in admin
    assert "$default" in admin["DefinitionBody"]["paths"]


def test_a_missing_code_folder_names_the_function(hello_world: Path, tmp_path: Path) -> None:
    template = hello_world / "template.yaml"
    template.write_text(template.read_text().replace("Handler:", "CodeUri: gone/\n      Handler:"))
    with pytest.raises(CodeUriError, match=r"HelloWorldFunction has CodeUri 'gone/', but .*gone"):
        package(hello_world, Bucket(), tmp_path / "cache")


def test_the_runtime_layer_takes_the_newest_boto3_the_interpreter_supports(tmp_path: Path) -> None:
    if not find_interpreter("python3.9").exact:
        pytest.skip("no python3.9 interpreter here; install one with `pyenv install 3.9`")
    layer = runtime_layer("python3.9", tmp_path / "cache")
    (dist_info,) = layer.glob("boto3-*.dist-info")
    version = tuple(int(part) for part in dist_info.name.split("-")[1].split(".")[:2])
    assert version == (1, 42)  # boto3 1.43 requires Python >= 3.10
