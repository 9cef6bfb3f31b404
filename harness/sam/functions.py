"""Functions and layers: where their code is, how they run, with Globals merged.

Defaults are SAM's and Lambda's own (``Timeout`` 3 s and ``MemorySize`` 128 MB, per the
``AWS::Serverless::Function`` reference). An omitted ``CodeUri`` means the template's
folder, as ``sam build`` and ``sam package`` read it ("If CodeUri is not specified, the
template's directory is used"; ``sam package`` zips it); code on S3, inline or in an
image has no local folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.sam.context import ReadContext
from harness.sam.model import SamFunction, SamLayer

SERVERLESS_FUNCTION = "AWS::Serverless::Function"
SERVERLESS_LAYER = "AWS::Serverless::LayerVersion"
LAYER_TYPES = (SERVERLESS_LAYER, "AWS::Lambda::LayerVersion")
DEFAULT_TIMEOUT_S = 3
DEFAULT_MEMORY_MB = 128


def read_functions(context: ReadContext) -> dict[str, SamFunction]:
    """Every ``AWS::Serverless::Function``, in template order."""
    return {
        logical_id: _function(context, logical_id, resource)
        for logical_id, resource in context.resources.items()
        if resource.get("Type") == SERVERLESS_FUNCTION
    }


def read_layers(context: ReadContext) -> dict[str, SamLayer]:
    """Every ``AWS::Serverless::LayerVersion``, in template order."""
    layers = {}
    for logical_id, resource in context.resources.items():
        if resource.get("Type") != SERVERLESS_LAYER:
            continue
        properties = context.merger.merged(SERVERLESS_LAYER, logical_id, resource)
        build_method = (resource.get("Metadata") or {}).get("BuildMethod")
        layers[logical_id] = SamLayer(
            logical_id=logical_id,
            content_dir=_local_dir(context, context.resolver.resolve(properties.get("ContentUri"))),
            build_method=str(build_method) if build_method else None,
            compatible_runtimes=tuple(
                context.resolver.resolve(properties.get("CompatibleRuntimes")) or ()
            ),
            properties=properties,
            line=context.resource_line(logical_id),
        )
    return layers


def _function(context: ReadContext, logical_id: str, resource: Mapping[str, Any]) -> SamFunction:
    properties = context.merger.merged(SERVERLESS_FUNCTION, logical_id, resource)
    resolve = context.resolver.resolve
    line = context.resource_line(logical_id)
    layers = tuple(resolve(properties.get("Layers")) or ())
    variables = (resolve(properties.get("Environment")) or {}).get("Variables") or {}
    preference = resolve(properties.get("DeploymentPreference"))
    alias = resolve(properties.get("AutoPublishAlias"))
    return SamFunction(
        logical_id=logical_id,
        properties=properties,
        code_dir=_code_dir(context, properties),
        handler=_text_or_none(resolve(properties.get("Handler"))),
        runtime=_text_or_none(resolve(properties.get("Runtime"))),
        timeout_s=_whole_number(context, logical_id, properties, "Timeout", DEFAULT_TIMEOUT_S),
        memory_mb=_whole_number(context, logical_id, properties, "MemorySize", DEFAULT_MEMORY_MB),
        environment=dict(variables),
        layers=layers,
        auto_publish_alias=_text_or_none(alias),
        deployment_preference=preference if isinstance(preference, dict) else None,
        line=line,
        layer_ids=tuple(
            layer["Ref"]
            for layer in layers
            if isinstance(layer, Mapping)
            and set(layer) == {"Ref"}
            and context.resource_type(layer["Ref"]) in LAYER_TYPES
        ),
    )


def _code_dir(context: ReadContext, properties: Mapping[str, Any]) -> Path | None:
    if properties.get("PackageType") == "Image" or {"ImageUri", "InlineCode"} & set(properties):
        return None
    if "CodeUri" not in properties:
        return context.template_dir.resolve()
    return _local_dir(context, context.resolver.resolve(properties["CodeUri"]))


def _local_dir(context: ReadContext, uri: Any) -> Path | None:
    """A local folder named by ``CodeUri``/``ContentUri``; ``None`` for S3 (URI or map)."""
    if isinstance(uri, str) and not uri.startswith("s3://"):
        return (context.template_dir / uri).resolve()
    return None


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _whole_number(
    context: ReadContext, logical_id: str, properties: Mapping[str, Any], name: str, default: int
) -> int:
    value = context.resolver.resolve(properties.get(name, default))
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise context.error(
        f"{logical_id}: {name} {value!r} is not a whole number, nor a parameter or mapping "
        "that resolves to one",
        context.property_line(logical_id, name),
    )
