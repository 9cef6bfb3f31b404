"""SAM -> CloudFormation offline, with aws-sam-translator, cached per file and stage.

cfn-lint stopped running the SAM transform in 1.54, so everything about the resources
SAM generates (function roles, versions, aliases, deployment groups, API stages) has to
be read from a template we transform ourselves. The transform here never calls AWS: the
managed-policy map is the one bundled with the translator, the region is given, and local
code (a function's local or omitted ``CodeUri``, a layer's ``ContentUri``, an API's
``DefinitionUri``) becomes an ``s3://`` placeholder, as ``sam package`` would make it; the
SAM model says which are local. An ``AWS::Include`` of a local OpenAPI file is put in
place first, as CloudFormation runs such snippet transforms before the SAM transform.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import boto3
from samtranslator.internal.managed_policies import get_bundled_managed_policy_map
from samtranslator.model.exceptions import ExceptionWithMessage, InvalidDocumentException
from samtranslator.parser.parser import Parser
from samtranslator.translator.arn_generator import ArnGenerator
from samtranslator.translator.translator import Translator

from harness.sam import SamModel, sam_model_from_document
from harness.sam.definitions import inline_includes
from harness.template.errors import TemplateError
from harness.template.loader import SourceDict, parse_document
from harness.template.model import Template, written_origins
from harness.template.origin import Origin, display_path

# The translator warns about missing feature-toggle config on every transform.
logging.getLogger("samtranslator").setLevel(logging.ERROR)

PLACEHOLDER_BUCKET = "harness-local-artifacts"
SAM_PREFIX = "AWS::Serverless::"
_CACHE: dict[tuple[str, str, tuple[tuple[str, str], ...], str], Template] = {}
_RESOURCE_ID_IN_MESSAGE = re.compile(r"id \[(\w+)\]")


def transform(
    document: Mapping[str, Any],
    parameters: Mapping[str, str],
    region: str,
    *,
    source: Path | None = None,
) -> dict[str, Any]:
    """The CloudFormation the SAM transform makes of ``document``, for these parameters.

    ``document`` is left untouched. ``source`` is where it was read from: relative paths
    start from its folder (the working directory without it) and errors name it; a
    translator error becomes a :class:`TemplateError` naming each SAM resource at fault
    and its line.
    """
    model = sam_model_from_document(document, source or Path("template.yaml"), parameters)
    plain = json.loads(json.dumps(document))  # a private, plain copy: the translator mutates
    inline_includes(plain, model)
    _replace_local_artifacts(plain, model)
    managed_policies = _managed_policy_map(region)
    translator = Translator(managed_policies, Parser(), boto_session=_session(region))
    try:
        return translator.translate(
            plain, dict(parameters), get_managed_policy_map=lambda: managed_policies
        )
    except InvalidDocumentException as error:
        raise _translator_error(error.causes, document, source) from None
    except ExceptionWithMessage as error:
        raise _translator_error([error], document, source) from None


def transformed_template(path: Path, parameters: Mapping[str, str], region: str) -> Template:
    """The transformed template of a SAM file, cached per (content, parameters, region).

    Keyed on the file's content hash, not its modification time, so an edit (or a test
    writing a mutated copy at the same path) is never served a stale transform.
    """
    path = Path(path).resolve()
    content = path.read_bytes()
    key = (
        str(path),
        hashlib.sha256(content).hexdigest(),
        tuple(sorted(parameters.items())),
        region,
    )
    if key not in _CACHE:
        document = parse_document(content.decode("utf-8"), path)
        transformed = transform(document, parameters, region, source=path)
        settings = ", ".join([*(f"{k}={v}" for k, v in key[2]), region])
        _CACHE[key] = Template(
            transformed,
            label=f"{display_path(path)} transformed ({settings})",
            origins=generated_origins(document, transformed, path),
            source=path,
        )
    return _CACHE[key]


def generated_origins(
    sam_document: Mapping[str, Any], transformed: Mapping[str, Any], path: Path
) -> dict[str, Origin]:
    """Where each transformed resource came from.

    Resources written as plain CloudFormation keep their own origin. The translator names
    what it generates after the SAM resource (``ItemsFunctionRole``, ``ItemsFunctionAliaslive``),
    so the longest SAM logical id that prefixes a generated id is its source; the few
    template-wide resources (``ServerlessDeploymentApplication``) point at ``Transform``.
    """
    written = written_origins(sam_document, path)
    sam_resources = sam_document.get("Resources") or {}
    sam_ids = sorted(
        (
            rid
            for rid, body in sam_resources.items()
            if str(body.get("Type", "")).startswith(SAM_PREFIX)
        ),
        key=len,
        reverse=True,
    )
    line_of = sam_document.line_of if isinstance(sam_document, SourceDict) else lambda _: 0
    origins = {}
    for logical_id in transformed.get("Resources") or {}:
        source_id = next((sid for sid in sam_ids if logical_id.startswith(sid)), None)
        if source_id is not None:
            origins[logical_id] = Origin(path, written[source_id].line, source_id)
        elif logical_id in written:
            origins[logical_id] = written[logical_id]
        else:
            origins[logical_id] = Origin(path, line_of("Transform"), "Transform")
    return origins


def _replace_local_artifacts(document: dict[str, Any], model: SamModel) -> None:
    """Point local code at placeholder S3 objects; code already on S3 stays."""
    resources = document["Resources"]
    local = [
        (f.logical_id, "CodeUri", f.properties) for f in model.functions.values() if f.code_dir
    ]
    local += [
        (y.logical_id, "ContentUri", y.properties) for y in model.layers.values() if y.content_dir
    ]
    local += [
        (a.logical_id, "DefinitionUri", a.properties)
        for a in model.apis.values()
        if _is_local(a.properties.get("DefinitionUri"))
    ]
    for logical_id, prop, merged in local:
        written = str(merged.get(prop, ""))
        key = f"{logical_id}/{written.strip('./') or 'root'}"
        resources[logical_id].setdefault("Properties", {})[prop] = (
            f"s3://{PLACEHOLDER_BUCKET}/{key}"
        )
    function_globals = (document.get("Globals") or {}).get("Function") or {}
    if _is_local(function_globals.get("CodeUri")):
        function_globals.pop("CodeUri")  # every function with local code has its own now


def _is_local(uri: Any) -> bool:
    return isinstance(uri, str) and not uri.startswith("s3://")


@cache
def _session(region: str) -> boto3.Session:
    """A credential-less session: the translator reads only its region from it."""
    return boto3.Session(region_name=region)


@cache
def _managed_policy_map(region: str) -> dict[str, str]:
    return get_bundled_managed_policy_map(ArnGenerator.get_partition_name(region)) or {}


def _translator_error(
    causes: list[ExceptionWithMessage] | Any, document: Mapping[str, Any], source: Path | None
) -> TemplateError:
    """One error listing every cause, each prefixed by the SAM resource and its line."""
    resources = document.get("Resources") or {}
    line_of = resources.line_of if isinstance(resources, SourceDict) else lambda _: 0
    lines = []
    first_line = None
    for cause in causes:
        found = _RESOURCE_ID_IN_MESSAGE.search(cause.message)
        resource_id = found.group(1) if found else None
        line = line_of(resource_id) if resource_id in resources else 0
        first_line = first_line or line or None
        where = f"{display_path(source)}:{line}" if source and line else "template"
        lines.append(f"{where}: {resource_id or 'template'}: {cause.message}")
    return TemplateError("SAM transform failed:\n" + "\n".join(lines), source, first_line)
