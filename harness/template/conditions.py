"""What a template deploys for given parameter values: its conditions evaluated offline.

A template written for several setups (a trail created or an organisation's trail relied on,
an alarm subscriber or none, one stage's permissions or another's) is one document with
``Conditions``; a property such as "when the pipeline creates its trail, the trail validates
its log files" is about one setup. :func:`evaluate_conditions` evaluates the conditions as
CloudFormation does (``Fn::Equals``, ``Fn::Not``, ``Fn::And``, ``Fn::Or``, ``Condition``
over parameters, ``Fn::Join`` and ``Fn::FindInMap``), and :func:`resolve_document` returns
the document as deployed: resources and outputs whose condition is false dropped, every
``Fn::If`` replaced by its chosen branch, ``AWS::NoValue`` removed.

Written here rather than borrowed: cfn-lint's condition solver answers "can these ever both
hold" with sympy (seconds to import), not "what does this setup deploy".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from harness.template.errors import TemplateError
from harness.template.loader import SourceDict

NO_VALUE: Final = {"Ref": "AWS::NoValue"}
_REMOVED: Final = object()


class _Unknown(Exception):
    """A value that depends on something only known at deploy time (a pseudo parameter)."""


def parameter_values(document: Mapping[str, Any], given: Mapping[str, str]) -> dict[str, Any]:
    """Each declared parameter's value: ``given``, else its default; lists split on commas."""
    values: dict[str, Any] = {}
    for name, declaration in (document.get("Parameters") or {}).items():
        raw = given.get(name, declaration.get("Default"))
        if raw is None:
            continue
        is_list = str(declaration.get("Type", "")).startswith(("CommaDelimitedList", "List<"))
        values[name] = [item.strip() for item in str(raw).split(",")] if is_list else str(raw)
    return values


def evaluate_conditions(
    document: Mapping[str, Any], parameters: Mapping[str, str]
) -> dict[str, bool | None]:
    """Every condition's value for these parameters; ``None`` when it cannot be known offline
    (it depends on a pseudo parameter such as ``AWS::Region``, or a parameter without value)."""
    evaluator = _Evaluator(document, parameter_values(document, parameters))
    return {name: evaluator.condition(name) for name in document.get("Conditions") or {}}


def resolve_document(document: Mapping[str, Any], parameters: Mapping[str, str]) -> dict[str, Any]:
    """The template as CloudFormation would deploy it with these parameters (see module doc).

    Mappings keep their source lines, so failures on the result still point at the file.
    Raises :class:`TemplateError` naming a condition that is used but cannot be evaluated
    offline.
    """
    known = evaluate_conditions(document, parameters)
    resolved = _copy_like(document, dict(document))
    for section in ("Resources", "Outputs"):
        entries = document.get(section) or {}
        kept = {
            name: _resolve_ifs(entry, known)
            for name, entry in entries.items()
            if _holds(known, entry.get("Condition"))
        }
        resolved[section] = _copy_like(entries, kept)
    return resolved


def _holds(conditions: Mapping[str, bool | None], name: Any) -> bool:
    """Whether a resource's or an ``Fn::If``'s condition holds; no condition always does."""
    if name is None:
        return True
    if name not in conditions:
        raise TemplateError(f"condition {name!r} is used but not declared")
    value = conditions[name]
    if value is None:
        raise TemplateError(f"condition {name!r} depends on values only known at deploy time")
    return value


def _resolve_ifs(node: Any, conditions: Mapping[str, bool | None]) -> Any:
    if isinstance(node, list):
        items = [_resolve_ifs(item, conditions) for item in node]
        return [item for item in items if item is not _REMOVED]
    if not isinstance(node, Mapping):
        return node
    if node == NO_VALUE:
        return _REMOVED
    branches = node.get("Fn::If")
    if len(node) == 1 and isinstance(branches, list) and len(branches) == 3:
        chosen = branches[1] if _holds(conditions, branches[0]) else branches[2]
        return _resolve_ifs(chosen, conditions)
    items = {key: _resolve_ifs(value, conditions) for key, value in node.items()}
    return _copy_like(node, {key: value for key, value in items.items() if value is not _REMOVED})


def _copy_like(original: Any, content: dict[str, Any]) -> dict[str, Any]:
    """``content`` as a :class:`SourceDict` with ``original``'s lines, when it had them."""
    if not isinstance(original, SourceDict):
        return content
    copy = SourceDict(content)
    copy.line = original.line
    copy.key_lines = dict(original.key_lines)
    return copy


class _Evaluator:
    """Condition functions and the few value functions they may contain."""

    def __init__(self, document: Mapping[str, Any], parameters: Mapping[str, Any]) -> None:
        self._conditions = document.get("Conditions") or {}
        self._mappings = document.get("Mappings") or {}
        self._parameters = parameters
        self._cache: dict[str, bool | None] = {}

    def condition(self, name: str) -> bool | None:
        if name not in self._cache:
            if name not in self._conditions:
                raise TemplateError(f"condition {name!r} is used but not declared")
            self._cache[name] = None  # a cycle reads as unknown rather than recursing forever
            try:
                self._cache[name] = self._truth(self._conditions[name])
            except _Unknown:
                self._cache[name] = None
        return self._cache[name]

    def _truth(self, node: Any) -> bool:
        if not (isinstance(node, Mapping) and len(node) == 1):
            raise TemplateError(f"not a condition function: {node!r}")
        ((function, arguments),) = node.items()
        if function == "Condition":
            value = self.condition(str(arguments))
            if value is None:
                raise _Unknown
            return value
        if function == "Fn::Equals":
            first, second = arguments
            return self._value(first) == self._value(second)
        if function == "Fn::Not":
            return not self._truth(arguments[0])
        if function == "Fn::And":
            return all(self._truth(argument) for argument in arguments)
        if function == "Fn::Or":
            return any(self._truth(argument) for argument in arguments)
        raise TemplateError(f"unsupported condition function {function}")

    def _value(self, node: Any) -> Any:
        if not isinstance(node, Mapping):
            return str(node) if isinstance(node, int | float | bool) else node
        if set(node) == {"Ref"}:
            name = str(node["Ref"])
            if name not in self._parameters:
                raise _Unknown
            return self._parameters[name]
        if set(node) == {"Fn::Join"}:
            separator, items = node["Fn::Join"]
            values = self._value(items)
            return str(separator).join(str(self._value(item)) for item in values)
        if set(node) == {"Fn::FindInMap"}:
            mapping, first, second = (self._value(part) for part in node["Fn::FindInMap"])
            return self._value(self._mappings[mapping][first][second])
        raise _Unknown
