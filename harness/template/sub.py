"""Template values as ``Fn::Sub`` text, to compare values however they were written.

``!Ref ItemsApi``, ``!GetAtt Role.Arn`` and ``!Sub "${ItemsApi}"`` name the same thing; a check
that compares dimension values or role ARNs should not care which form a template chose. Each
reads as the text a ``Fn::Sub`` would hold (``${ItemsApi}``, ``${Role.Arn}``), and a ``Fn::Sub``
with a variable map has its literal variables written in (the others stay ``${name}``, see
:func:`sub_variables`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from harness.template.match import render
from harness.template.references import SUB_VARIABLE


def placeholder(name: str) -> str:
    """How a ``Fn::Sub`` string names a resource, parameter or attribute: ``${Name}``."""
    return "${" + name + "}"


def sub_variables(value: Any) -> Mapping[str, Any]:
    """The variable map of a ``Fn::Sub`` written as ``[text, variables]``; otherwise empty."""
    sub = value.get("Fn::Sub") if isinstance(value, Mapping) else None
    if isinstance(sub, list) and len(sub) == 2 and isinstance(sub[1], Mapping):
        return sub[1]
    return {}


def sub_text(value: Any) -> str:
    """``value`` as ``Fn::Sub`` text (see module doc); anything else rendered as in failures."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and set(value) == {"Ref"}:
        return placeholder(str(value["Ref"]))
    if isinstance(value, Mapping) and isinstance(value.get("Fn::GetAtt"), list):
        return placeholder(".".join(str(part) for part in value["Fn::GetAtt"]))
    if isinstance(value, Mapping) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        text = sub[0] if isinstance(sub, list) else sub
        variables = sub_variables(value)

        def literal(found: re.Match[str]) -> str:
            replacement = variables.get(found.group(1))
            return replacement if isinstance(replacement, str) else found.group(0)

        return SUB_VARIABLE.sub(literal, str(text))
    return render(value)
