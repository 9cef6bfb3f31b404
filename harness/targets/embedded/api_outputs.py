"""Outputs that name an API's URL, rewritten to where the embedded front serves that API.

A template says where its API lives however its author likes: ``!Sub
"https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/hello/"`` (what
``sam init`` writes), ``${AWS::URLSuffix}`` for the domain, a ``!Join`` of the same parts,
or an HTTP API's ``!GetAtt Api.ApiEndpoint`` (``https://{id}.execute-api.{region}.amazonaws.com``).
Each is read as ``Fn::Sub`` text (:func:`harness.template.sub.sub_text`, ``Fn::Join``
concatenated), the API Gateway origin in it is replaced by the local one
(``http://127.0.0.1:PORT``), and what follows it (the stage, a path) is kept, so the
output names the same route on the local API. The rest of the text stays ``Fn::Sub`` for
CloudFormation to resolve. A bare ``!Ref Api`` is the API's id, not its URL, and is left
alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from harness.template.references import SUB_VARIABLE
from harness.template.sub import sub_text

_REGION = r"(?:\$\{AWS::Region\}|[a-z]{2}(?:-[a-z]+)+-\d)"
_SUFFIX = r"(?:\$\{AWS::URLSuffix\}|amazonaws\.com(?:\.cn)?)"
_EXECUTE_API = re.compile(
    rf"https?://\$\{{(?P<host_api>[A-Za-z0-9]+)\}}\.execute-api\.{_REGION}\.{_SUFFIX}"
    r"|\$\{(?P<endpoint_api>[A-Za-z0-9]+)\.ApiEndpoint\}"
)


def local_api_value(value: Any, origins: Mapping[str, str]) -> Any | None:
    """``value`` with each API URL in it pointing at the local front, or ``None`` if none is.

    ``origins`` maps API logical ids to the local origin serving them
    (``http://127.0.0.1:PORT``, no path).
    """
    sub = value.get("Fn::Sub") if isinstance(value, Mapping) else None
    variables = sub[1] if isinstance(sub, list) and len(sub) == 2 else None
    text = sub[0] if variables is not None else _as_sub_text(value)
    if not isinstance(text, str):
        return None
    replaced = False

    def local(found: re.Match[str]) -> str:
        nonlocal replaced
        api = found.group("host_api") or found.group("endpoint_api")
        if api not in origins:
            return found.group(0)
        replaced = True
        return origins[api]

    rewritten = _EXECUTE_API.sub(local, text)
    if not replaced:
        return None
    if variables is not None:
        return {"Fn::Sub": [rewritten, variables]}
    return {"Fn::Sub": rewritten} if SUB_VARIABLE.search(rewritten) else rewritten


def _as_sub_text(value: Any) -> str | None:
    """The value as ``Fn::Sub`` text, when it is text, a reference, a Sub or a Join of those."""
    if isinstance(value, Mapping) and set(value) == {"Fn::Join"}:
        delimiter, parts = (value["Fn::Join"] + [None, None])[:2]
        if not isinstance(delimiter, str) or not isinstance(parts, list):
            return None
        texts = [_as_sub_text(part) for part in parts]
        return None if any(text is None for text in texts) else delimiter.join(texts)  # type: ignore[arg-type]
    if isinstance(value, Mapping) and isinstance(value.get("Fn::GetAtt"), str):
        value = {"Fn::GetAtt": value["Fn::GetAtt"].split(".", 1)}
    if isinstance(value, str) or (
        isinstance(value, Mapping) and set(value) & {"Ref", "Fn::GetAtt", "Fn::Sub"} == set(value)
    ):
        return sub_text(value)
    return None
