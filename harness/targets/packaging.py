"""``sam build`` + ``sam package`` for the targets that deploy: code to S3, CodeUri rewritten.

Both deploying targets (embedded and LocalStack) need the same step before CloudFormation
sees the template: each function's local ``CodeUri`` built with its dependencies, zipped,
uploaded to the target's S3, and replaced by the ``s3://`` URI, as ``sam package`` does.
Functions sharing a code directory and runtime are built and uploaded once.
"""

from __future__ import annotations

import copy
import hashlib
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.targets.embedded import packager

if TYPE_CHECKING:
    from botocore.client import BaseClient

SERVERLESS_FUNCTION = "AWS::Serverless::Function"

# Stores a zip under a key and returns its s3:// URI.
Uploader = Callable[[str, bytes], str]


class CodeUriError(ValueError):
    """A function's code cannot be packaged; the message names the resource and template."""


@dataclass(frozen=True)
class PackagedFunction:
    """Where one function's built code lives locally and where it was uploaded."""

    logical_id: str
    runtime: str
    build_dir: Path
    code_uri: str


@dataclass(frozen=True)
class PackagedTemplate:
    """The SAM document with ``s3://`` CodeUris, and each packaged function."""

    document: dict[str, Any]
    functions: dict[str, PackagedFunction]


def package_functions(
    document: Mapping[str, Any], template_path: Path, upload: Uploader, cache_dir: Path
) -> PackagedTemplate:
    """Build, zip and upload every function with a local CodeUri; return the new document."""
    packaged_document = copy.deepcopy(dict(document))
    function_globals = packaged_document.get("Globals", {}).get("Function", {})
    uploads: dict[tuple[Path, str], tuple[Path, str]] = {}
    functions: dict[str, PackagedFunction] = {}
    for logical_id, resource in packaged_document.get("Resources", {}).items():
        if resource.get("Type") != SERVERLESS_FUNCTION:
            continue
        properties = resource.setdefault("Properties", {})
        code_uri = properties.get("CodeUri", function_globals.get("CodeUri"))
        if not isinstance(code_uri, str) or code_uri.startswith("s3://"):
            continue
        runtime = _string_property(
            properties, function_globals, "Runtime", logical_id, template_path
        )
        code_dir = (template_path.parent / code_uri).resolve()
        if not code_dir.is_dir():
            raise CodeUriError(
                f"{template_path}: {logical_id} has CodeUri {code_uri!r}, "
                f"but {code_dir} is not a directory"
            )
        if (code_dir, runtime) not in uploads:
            build_dir = packager.build_function(code_dir, runtime, cache_dir)
            archive = _cached_archive(build_dir, cache_dir / "archives")
            key = f"{code_dir.name}-{runtime}-{hashlib.sha256(archive).hexdigest()[:16]}.zip"
            uploads[code_dir, runtime] = (build_dir, upload(key, archive))
        build_dir, uri = uploads[code_dir, runtime]
        properties["CodeUri"] = uri
        functions[logical_id] = PackagedFunction(logical_id, runtime, build_dir, uri)
    return PackagedTemplate(packaged_document, functions)


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


def _cached_archive(build_dir: Path, archives: Path) -> bytes:
    """The build's zip, made once: build dirs are content-addressed, so their name is the key.

    Zipping the dependencies is the slowest part of a warm deploy; a rename makes the
    cache fill atomic when two xdist workers package at once.
    """
    cached = archives / f"{build_dir.name}.zip"
    if cached.is_file():
        return cached.read_bytes()
    archive = packager.zip_build([build_dir])
    archives.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=archives, suffix=".partial", delete=False) as partial:
        partial.write(archive)
    os.replace(partial.name, cached)
    return archive


def _string_property(
    properties: Mapping[str, Any],
    function_globals: Mapping[str, Any],
    name: str,
    logical_id: str,
    template_path: Path,
) -> str:
    value = properties.get(name, function_globals.get(name))
    if not isinstance(value, str):
        raise CodeUriError(
            f"{template_path}: {logical_id} needs a literal {name} to be packaged, found {value!r}"
        )
    return value
