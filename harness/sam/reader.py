"""Read a SAM template into the one :class:`~harness.sam.model.SamModel`, once per content.

Built on the template layer's loader (short tags in long form, source lines kept, so
every error names ``file:line``), SAM's own Globals merge, and the parameter values the
template is deployed with (given values over defaults; values for parameters the
template does not declare are ignored here, the caller decides whether that is an error).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.sam.apis import read_apis
from harness.sam.context import ReadContext
from harness.sam.functions import read_functions, read_layers
from harness.sam.globals_merge import GlobalsMerger
from harness.sam.model import SamModel
from harness.sam.tables import read_tables
from harness.sam.values import Resolver, parameter_text, read_parameters
from harness.template.loader import parse_document

_CACHE: dict[tuple[str, str, tuple[tuple[str, str], ...]], SamModel] = {}


def read_sam_model(path: Path, parameter_values: Mapping[str, str] | None = None) -> SamModel:
    """The model of the SAM template at ``path`` for these parameter values.

    Cached per (resolved path, content hash, parameter values): the content, not the
    modification time, so an edited or rewritten file is never served a stale model.
    Consumers must treat the model (and the mappings inside it) as read-only.
    """
    path = Path(path).resolve()
    content = path.read_bytes()
    given = {name: parameter_text(value) for name, value in (parameter_values or {}).items()}
    key = (str(path), hashlib.sha256(content).hexdigest(), tuple(sorted(given.items())))
    if key not in _CACHE:
        document = parse_document(content.decode("utf-8"), path)
        _CACHE[key] = sam_model_from_document(document, path, given)
    return _CACHE[key]


def sam_model_from_document(
    document: Mapping[str, Any], path: Path, parameter_values: Mapping[str, str] | None = None
) -> SamModel:
    """The model of an already loaded ``document``; ``path`` is where it lives (or would).

    Relative paths in the template (``CodeUri``, ``ContentUri``, includes) start from
    ``path``'s folder; errors name ``path``.
    """
    path = Path(path).resolve()
    parameters = read_parameters(document, path)
    given = parameter_values or {}
    values = {
        name: given.get(name, parameter.default)
        for name, parameter in parameters.items()
        if name in given or parameter.default is not None
    }
    context = ReadContext(
        path=path,
        document=document,
        resolver=Resolver(parameters, values, document.get("Mappings") or {}),
        merger=GlobalsMerger(document, path),
    )
    functions = read_functions(context)
    return SamModel(
        path=path,
        document=document,
        parameters=parameters,
        parameter_values=values,
        functions=functions,
        layers=read_layers(context),
        apis=read_apis(context, functions),
        tables=read_tables(context),
        outputs=document.get("Outputs") or {},
    )
