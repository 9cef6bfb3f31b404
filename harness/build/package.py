"""``sam build`` + ``sam package`` for the targets that deploy: code to S3, URIs rewritten.

Both deploying targets (embedded and LocalStack) need the same step before CloudFormation
sees the template, read from the SAM model: each function's and layer's local code built
(Python dependencies installed for the function's runtime, layers laid out under
``python/``), zipped, uploaded to the target's S3 and replaced by its ``s3://`` URI, as
``sam package`` does. An omitted ``CodeUri`` is the template's folder. Functions sharing
a code folder and runtime are built and uploaded once.

Two things CloudFormation itself would do are done here too, because moto's does not: an
``AWS::Include`` of a local OpenAPI file is put in place, and so is a local
``DefinitionUri`` document (``sam package`` would upload it for CloudFormation to fetch).

A function on a runtime the embedded target cannot run (Node.js, Java, ``provided``) is
still packaged as it is, so the stack deploys, and is reported as an emulation gap.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.build import builder, s3_code
from harness.build.s3_code import Downloader
from harness.sam import SamModel
from harness.sam.definitions import inline_includes
from harness.sam.model import SamFunction
from harness.targets.base import Gap

if TYPE_CHECKING:
    from botocore.client import BaseClient

SERVERLESS_FUNCTION = "AWS::Serverless::Function"
SERVERLESS_LAYER = "AWS::Serverless::LayerVersion"

# Stores a zip under a key and returns its s3:// URI.
Uploader = Callable[[str, bytes], str]


class CodeUriError(ValueError):
    """A function's code cannot be packaged; the message names the resource and template."""


@dataclass(frozen=True)
class PackagedFunction:
    """Where one Python function's built code lives locally and where it was uploaded.

    ``layer_builds`` are the build dirs of the template's layers it uses, in its order.
    """

    logical_id: str
    runtime: str
    build_dir: Path
    code_uri: str
    layer_builds: tuple[Path, ...] = ()


@dataclass(frozen=True)
class PackagedTemplate:
    """The SAM document with ``s3://`` URIs, the functions workers can run, and the gaps."""

    document: dict[str, Any]
    functions: dict[str, PackagedFunction]
    gaps: list[Gap] = field(default_factory=list)


def package_template(
    model: SamModel, upload: Uploader, cache_dir: Path, download: Downloader | None = None
) -> PackagedTemplate:
    """Build, zip and upload every local function and layer; return the packaged document.

    With ``download``, code already on S3 (a packaged template) is fetched from the
    target's S3 and run as it is (:mod:`harness.build.s3_code`).
    """
    document = json.loads(json.dumps(model.document))
    resources = document["Resources"]
    inline_includes(document, model)
    for api in model.apis.values():
        if api.definition is not None and isinstance(api.properties.get("DefinitionUri"), str):
            properties = resources[api.logical_id]["Properties"]
            properties.pop("DefinitionUri")
            properties["DefinitionBody"] = json.loads(json.dumps(api.definition))
    uploads = _Uploads(upload, cache_dir)
    layer_builds: dict[str, Path] = {}
    gaps: list[Gap] = []
    for layer in model.layers.values():
        if layer.content_dir is None:
            fetched = _fetch(download, layer.properties.get("ContentUri"), None, cache_dir)
            layer_builds |= {layer.logical_id: fetched[0]} if fetched else {}
            continue
        _require_dir(model, layer.logical_id, "ContentUri", layer.properties, layer.content_dir)
        build_method = layer.build_method
        if build_method is not None and not build_method.startswith("python"):
            gaps.append(
                Gap(
                    layer.logical_id,
                    SERVERLESS_LAYER,
                    f"BuildMethod {build_method} is not run by the embedded target; the "
                    "layer's folder is packaged as it is",
                )
            )
            build_method = None
        build = builder.build_layer(layer.content_dir, build_method, cache_dir)
        layer_builds[layer.logical_id] = build
        resources[layer.logical_id]["Properties"]["ContentUri"] = uploads.uri(build)
    functions: dict[str, PackagedFunction] = {}
    for function in model.functions.values():
        if function.code_dir is None:
            on_s3 = _packaged_on_s3(function, download, layer_builds, cache_dir)
            if on_s3 is not None:
                functions[function.logical_id], replaced = on_s3
                gaps += _replaced_gap(function.logical_id, replaced)
            continue
        _require_dir(model, function.logical_id, "CodeUri", function.properties, function.code_dir)
        runtime = function.runtime
        if runtime is None:
            raise CodeUriError(
                f"{model.path}: {function.logical_id} needs a literal Runtime (or a parameter "
                f"or mapping resolving to one) to be packaged, found "
                f"{function.properties.get('Runtime')!r}"
            )
        if function.is_python:
            build = builder.build_function(function.code_dir, runtime, cache_dir)
        else:
            build = builder.copy_code(function.code_dir, cache_dir)
            gaps.append(
                Gap(
                    function.logical_id,
                    SERVERLESS_FUNCTION,
                    f"runtime {runtime} is not emulated (python3.x only): deployed, but no "
                    "worker runs it",
                )
            )
        uri = uploads.uri(build)
        resources[function.logical_id].setdefault("Properties", {})["CodeUri"] = uri
        if function.is_python:
            functions[function.logical_id] = PackagedFunction(
                function.logical_id,
                runtime,
                build,
                uri,
                tuple(layer_builds[i] for i in function.layer_ids if i in layer_builds),
            )
    return PackagedTemplate(document, functions, gaps)


def _packaged_on_s3(
    function: SamFunction,
    download: Downloader | None,
    layer_builds: Mapping[str, Path],
    cache_dir: Path,
) -> tuple[PackagedFunction, list[str]] | None:
    """A Python function whose code zip is in the target's S3, fetched to run as it is."""
    uri = function.properties.get("CodeUri")
    fetched = _fetch(download, uri, function.runtime, cache_dir) if function.is_python else None
    if fetched is None:
        return None
    build, replaced = fetched
    packaged = PackagedFunction(
        function.logical_id,
        str(function.runtime),
        build,
        uri if isinstance(uri, str) else f"s3://{uri['Bucket']}/{uri['Key']}",
        tuple(layer_builds[i] for i in function.layer_ids if i in layer_builds),
    )
    return packaged, replaced


def _fetch(
    download: Downloader | None, uri: Any, runtime: str | None, cache_dir: Path
) -> tuple[Path, list[str]] | None:
    """The build dir of code on the target's S3, or None when it is elsewhere or absent."""
    location = s3_code.s3_location(uri)
    if download is None or location is None:
        return None
    archive = download(*location)
    if archive is None:
        return None
    return s3_code.extract_code(archive, runtime, cache_dir)


def _replaced_gap(logical_id: str, replaced: list[str]) -> list[Gap]:
    if not replaced:
        return []
    return [
        Gap(
            logical_id,
            SERVERLESS_FUNCTION,
            f"its code zip holds native wheels for another machine; {', '.join(replaced)} "
            f"run as built for {platform.machine()} instead",
        )
    ]


def s3_downloader(s3: BaseClient) -> Downloader:
    """A :data:`Downloader` reading from the target's S3; a missing object gives None."""

    def download(bucket: str, key: str) -> bytes | None:
        try:
            return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except s3.exceptions.NoSuchKey:
            return None
        except s3.exceptions.NoSuchBucket:
            return None

    return download


def create_bucket(s3: BaseClient, bucket: str, region: str) -> None:
    """Create the artifact bucket; outside us-east-1, S3 insists on a location constraint."""
    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})


def s3_uploader(s3: BaseClient, bucket: str) -> Uploader:
    """An :data:`Uploader` that puts archives into ``bucket``."""

    def upload(key: str, archive: bytes) -> str:
        s3.put_object(Bucket=bucket, Key=key, Body=archive)
        return f"s3://{bucket}/{key}"

    return upload


class _Uploads:
    """Each build zipped and uploaded once per deploy, whoever uses it."""

    def __init__(self, upload: Uploader, cache_dir: Path) -> None:
        self._upload = upload
        self._archives = cache_dir / "archives"
        self._uris: dict[Path, str] = {}

    def uri(self, build_dir: Path) -> str:
        if build_dir not in self._uris:
            archive = _cached_archive(build_dir, self._archives)
            key = f"{build_dir.name}-{hashlib.sha256(archive).hexdigest()[:16]}.zip"
            self._uris[build_dir] = self._upload(key, archive)
        return self._uris[build_dir]


def _require_dir(
    model: SamModel, logical_id: str, prop: str, properties: Mapping[str, Any], folder: Path
) -> None:
    if not folder.is_dir():
        written = properties.get(prop, "(omitted: the template's folder)")
        raise CodeUriError(
            f"{model.path}: {logical_id} has {prop} {written!r}, but {folder} is not a directory"
        )


def _cached_archive(build_dir: Path, archives: Path) -> bytes:
    """The build's zip, made once: build dirs are content-addressed, so their name is the key.

    Zipping the dependencies is the slowest part of a warm deploy; a rename makes the
    cache fill atomic when two xdist workers package at once.
    """
    cached = archives / f"{build_dir.name}.zip"
    if cached.is_file():
        return cached.read_bytes()
    archive = builder.zip_build([build_dir])
    archives.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=archives, suffix=".partial", delete=False) as partial:
        partial.write(archive)
    os.replace(partial.name, cached)
    return archive
