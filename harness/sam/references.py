"""Which of the template's functions an ARN-valued expression names.

Integration URIs and authorizer ARNs name a function in several forms: ``Fn::Sub`` with
``${Fn.Arn}`` (what SAM itself generates), with a variable map, ``Fn::GetAtt [Fn, Arn]``,
``Fn::Join`` of parts holding one of those, or ``${FnAliaslive}``, the alias SAM creates
for ``AutoPublishAlias: live``. Knowing the function is what lets a local front run it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from harness.sam.model import SamFunction

_SUB_VARIABLE = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.(Arn|Alias))?\}")


def referenced_function(value: Any, functions: Mapping[str, SamFunction]) -> str | None:
    """The logical id of the first of ``functions`` that ``value`` refers to, if any."""
    aliases = {
        f"{logical_id}Alias{function.auto_publish_alias}": logical_id
        for logical_id, function in functions.items()
        if function.auto_publish_alias
    }
    for name in _referenced_names(value):
        if name in functions:
            return name
        if name in aliases:
            return aliases[name]
    return None


def _referenced_names(value: Any) -> Iterator[str]:
    """Logical ids named by ``Ref``, ``Fn::GetAtt`` and ``Fn::Sub`` anywhere in ``value``."""
    if isinstance(value, Mapping):
        for key, argument in value.items():
            if key == "Ref" and isinstance(argument, str):
                yield argument
            elif key == "Fn::GetAtt" and isinstance(argument, list) and argument:
                yield str(argument[0])
            elif key == "Fn::Sub":
                template, variables = (
                    (argument[0], argument[1]) if isinstance(argument, list) else (argument, {})
                )
                if isinstance(template, str):
                    yield from (match[1] for match in _SUB_VARIABLE.finditer(template))
                yield from _referenced_names(variables)
            else:
                yield from _referenced_names(argument)
    elif isinstance(value, list):
        for item in value:
            yield from _referenced_names(item)
