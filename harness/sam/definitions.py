"""An explicit API's OpenAPI document, wherever the template keeps it.

Inline in ``DefinitionBody``; in a local file pulled in with ``Fn::Transform: {Name:
AWS::Include, Parameters: {Location: ./api.yaml}}`` (CloudFormation runs such snippet
transforms before the SAM transform, innermost first, so the SAM transform sees the
included document in place); or in a local file named by ``DefinitionUri`` (which ``sam
package`` uploads). Documents on S3 cannot be read offline: ``None``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.sam.context import ReadContext
from harness.sam.errors import SamModelError
from harness.sam.model import SamModel
from harness.template.loader import parse_yaml

INCLUDE = "AWS::Include"


@dataclass(frozen=True)
class LoadedDefinition:
    """An OpenAPI document, the file its lines are in, and how the template names it."""

    body: Mapping[str, Any]
    file: Path
    label: str


def include_location(value: Any) -> Any:
    """The ``Location`` of an ``AWS::Include`` transform, or ``None`` when ``value`` is none."""
    if not isinstance(value, Mapping) or set(value) != {"Fn::Transform"}:
        return None
    transform = value["Fn::Transform"]
    if not isinstance(transform, Mapping) or transform.get("Name") != INCLUDE:
        return None
    return (transform.get("Parameters") or {}).get("Location")


def inline_includes(document: dict[str, Any], model: SamModel) -> None:
    """Put each API's included document where its ``AWS::Include`` is, in ``document``.

    What CloudFormation does before the SAM transform; ``document`` is a plain copy of the
    model's, which this changes in place.
    """
    for api in model.apis.values():
        properties = (document["Resources"].get(api.logical_id) or {}).get("Properties") or {}
        if api.definition is not None and include_location(properties.get("DefinitionBody")):
            properties["DefinitionBody"] = json.loads(json.dumps(api.definition))


def load_definition(
    context: ReadContext, api_id: str, properties: Mapping[str, Any]
) -> LoadedDefinition | None:
    """The API's document, read from wherever the template keeps it."""
    line = context.resource_line(api_id)
    body = properties.get("DefinitionBody")
    if body is not None:
        location = include_location(body)
        if location is None:
            if not isinstance(body, Mapping):
                raise context.error(f"{api_id}: DefinitionBody must be a mapping", line)
            return LoadedDefinition(body, context.path, "DefinitionBody")
        line = context.property_line(api_id, "DefinitionBody")
        return _local_document(context, api_id, "DefinitionBody", location, line)
    line = context.property_line(api_id, "DefinitionUri")
    return _local_document(context, api_id, "DefinitionUri", properties.get("DefinitionUri"), line)


def _local_document(
    context: ReadContext, api_id: str, prop: str, location: Any, line: int
) -> LoadedDefinition | None:
    location = context.resolver.resolve(location)
    if not isinstance(location, str) or location.startswith("s3://"):
        return None
    label = f"{prop} ({location})"
    file = (context.template_dir / location).resolve()
    if not file.is_file():
        raise context.error(f"{api_id}.{label}: {file} does not exist", line)
    body = parse_yaml(file.read_text(encoding="utf-8"), file, kind="OpenAPI document")
    if not isinstance(body, Mapping):
        raise SamModelError(f"{api_id}.{label} is not an OpenAPI document (a mapping)", file, 1)
    return LoadedDefinition(body, file, label)
