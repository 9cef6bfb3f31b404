"""Outputs that name what the template does not declare, caught before any stack is created.

CloudFormation rejects such a template only when the stack is created ("Unresolved resource
dependencies [X] in the Outputs block of the template"), and moto's CloudFormation answers it
with an HTTP 500 that botocore reports as "invalid XML received", never naming the output. So
every deploying target runs this check first, on both forms of the template: the names an
output may use are those of the *transformed* template (the transform generates resources
such as ``ServerlessRestApi`` or ``FnRole`` and resolves SAM's ``Fn.Alias``), while the file
and line of each reference come from the *SAM source*.

A name is declared when it is a resource, a parameter, or one of CloudFormation's pseudo
parameters (AWS CloudFormation User Guide, "Get AWS values using pseudo parameters"). In
``Fn::Sub``, ``${Name}`` and ``${Name.Attribute}`` refer to ``Name``, ``${!Literal}`` is
literal text, and names defined by the Sub's own variable map are local (CloudFormation
Template Reference, ``Fn::Sub``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.template.errors import TemplateError
from harness.template.loader import SourceDict
from harness.template.origin import display_path

PSEUDO_PARAMETERS = frozenset(
    {
        "AWS::AccountId",
        "AWS::NotificationARNs",
        "AWS::NoValue",
        "AWS::Partition",
        "AWS::Region",
        "AWS::StackId",
        "AWS::StackName",
        "AWS::URLSuffix",
    }
)
SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")
"""A ``${Name}`` or ``${Name.Attribute}`` of ``Fn::Sub`` text (``${!Literal}`` excluded)."""


@dataclass(frozen=True)
class Reference:
    """One name a template fragment refers to, as written (``!GetAtt Table.Arn``) and where."""

    name: str
    written: str
    line: int


def references_in(node: Any, line: int = 0) -> Iterator[Reference]:
    """Every ``Ref``, ``Fn::GetAtt`` and ``Fn::Sub`` reference inside ``node``, in order.

    ``line`` is that of the innermost mapping read from a file, 0 for built ones.
    """
    if isinstance(node, list):
        for item in node:
            yield from references_in(item, line)
        return
    if not isinstance(node, Mapping):
        return
    line = node.line if isinstance(node, SourceDict) and node.line else line
    for key, value in node.items():
        if key == "Ref" and isinstance(value, str):
            yield Reference(value, f"!Ref {value}", line)
        elif key == "Fn::GetAtt":
            yield from _getatt_reference(value, line)
        elif key == "Fn::Sub":
            yield from _sub_references(value, line)
            continue
        yield from references_in(value, line)


def check_output_references(
    sam_document: Mapping[str, Any],
    transformed: Mapping[str, Any],
    source: Path | None = None,
) -> None:
    """Raise a :class:`TemplateError` naming each output reference to an undeclared name.

    ``transformed`` is what the SAM transform made of ``sam_document``; ``source`` only
    names the file in the message, which gives ``file:line`` for each reference at fault.
    """
    declared = (
        set(transformed.get("Resources") or {})
        | set(transformed.get("Parameters") or {})
        | PSEUDO_PARAMETERS
    )
    written_outputs = sam_document.get("Outputs") or {}
    problems: list[tuple[int, str]] = []
    for output_name, output in (transformed.get("Outputs") or {}).items():
        missing = {ref.name for ref in references_in(output) if ref.name not in declared}
        if not missing:
            continue
        output_line = _line_of(written_outputs, output_name)
        written = {
            ref.name: ref
            for ref in references_in(written_outputs.get(output_name), output_line)
            if ref.name in missing
        }
        for name in sorted(missing):
            ref = written.get(name, Reference(name, name, output_line))
            where = f"{display_path(source)}:{ref.line}" if source and ref.line else "template"
            reason = f"names no resource or parameter of the template ({name} is not declared)"
            problems.append((ref.line, f"{where}: output {output_name}: {ref.written} {reason}"))
    if problems:
        lines = [problem for _, problem in sorted(problems)]
        raise TemplateError(
            "outputs reference what the template does not declare:\n" + "\n".join(lines),
            display_path(source) if source else None,
            min(line for line, _ in problems) or None,
        )


def _getatt_reference(value: Any, line: int) -> Iterator[Reference]:
    if isinstance(value, list) and value and isinstance(value[0], str):
        attribute = value[1] if len(value) > 1 and isinstance(value[1], str) else "..."
        yield Reference(value[0], f"!GetAtt {value[0]}.{attribute}", line)
    elif isinstance(value, str):
        yield Reference(value.split(".")[0], f"!GetAtt {value}", line)


def _sub_references(value: Any, line: int) -> Iterator[Reference]:
    """References of a Sub string, minus its own variables, then those inside the variables."""
    text, variables = (value[0], value[1]) if isinstance(value, list) else (value, {})
    local = set(variables) if isinstance(variables, Mapping) else set()
    if isinstance(text, str):
        for found in SUB_VARIABLE.findall(text):
            name = found.split(".")[0].strip()
            if name not in local:
                yield Reference(name, f"${{{found}}} in !Sub", line)
    if isinstance(variables, Mapping):
        yield from references_in(list(variables.values()), line)


def _line_of(mapping: Any, key: str) -> int:
    return mapping.line_of(key) if isinstance(mapping, SourceDict) else 0
