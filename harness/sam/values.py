"""Template parameters, and the intrinsics the model resolves offline: ``Ref`` and ``FindInMap``.

CloudFormation resolves every intrinsic at deploy time; offline only two kinds can be
known for sure: a ``Ref`` to a parameter (its given value, else its default) and an
``Fn::FindInMap`` whose keys are literals or such references. Those are resolved in the
values the model reads (``StageName``, ``Runtime``, ``Timeout``, environment values...);
anything else (``Fn::GetAtt``, ``Fn::Sub``, a ``Ref`` to a resource or a pseudo parameter)
is kept in CloudFormation's long form, for the consumer that can resolve it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.sam.errors import SamModelError
from harness.sam.model import SamParameter
from harness.template.loader import SourceDict, line_of


def read_parameters(document: Mapping[str, Any], path: Path) -> dict[str, SamParameter]:
    """The template's ``Parameters``, each with its default as text (``None``: required)."""
    section = document.get("Parameters") or {}
    if not isinstance(section, Mapping):
        raise SamModelError("Parameters must be a mapping", path, line_of(document, "Parameters"))
    parameters = {}
    for name, spec in section.items():
        if not isinstance(spec, Mapping) or "Type" not in spec:
            raise SamModelError(f"parameter {name} needs a Type", path, line_of(section, name))
        default = spec.get("Default")
        parameters[name] = SamParameter(
            name=name,
            type=str(spec["Type"]),
            default=None if default is None else parameter_text(default),
            allowed_values=tuple(parameter_text(v) for v in spec.get("AllowedValues") or ()),
            no_echo=parameter_text(spec.get("NoEcho", False)) == "true",
            description=str(spec.get("Description", "")),
            line=line_of(section, name),
        )
    return parameters


def parameter_text(value: Any) -> str:
    """A parameter value as CloudFormation reads it: text, booleans spelled in lower case."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(parameter_text(item) for item in value)
    return str(value)


class Resolver:
    """Resolves ``Ref`` to parameters and ``Fn::FindInMap`` in template values, deeply."""

    def __init__(
        self,
        parameters: Mapping[str, SamParameter],
        values: Mapping[str, str],
        mappings: Mapping[str, Any],
    ) -> None:
        self._types = {name: parameter.type for name, parameter in parameters.items()}
        self.values = dict(values)
        self._mappings = mappings

    def resolve(self, value: Any) -> Any:
        """``value`` with every resolvable intrinsic replaced by its value, the rest as is."""
        if isinstance(value, Mapping):
            if len(value) == 1:
                key, argument = next(iter(value.items()))
                if key == "Ref":
                    return self._ref(argument, value)
                if key == "Fn::FindInMap":
                    return self._find_in_map(argument, value)
            resolved = {key: self.resolve(item) for key, item in value.items()}
            return _keep_lines(value, resolved)
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        return value

    def _ref(self, name: Any, original: Any) -> Any:
        if not isinstance(name, str) or name not in self.values:
            return original
        text = self.values[name]
        kind = self._types.get(name, "")
        if kind == "CommaDelimitedList" or kind.startswith("List<"):
            return [item.strip() for item in text.split(",")]
        return text

    def _find_in_map(self, argument: Any, original: Any) -> Any:
        if not isinstance(argument, list) or len(argument) != 3:
            return original
        keys = [self.resolve(key) for key in argument]
        node: Any = self._mappings
        for key in keys:
            if not isinstance(key, str | int) or not isinstance(node, Mapping):
                return original
            node = node.get(key, node.get(str(key)))
            if node is None:
                return original
        return self.resolve(node)


def _keep_lines(original: Mapping[str, Any], resolved: dict[str, Any]) -> dict[str, Any]:
    """A resolved copy of a mapping that still knows the lines of the original."""
    if not isinstance(original, SourceDict):
        return resolved
    copy = SourceDict(resolved)
    copy.line = original.line
    copy.key_lines = original.key_lines
    return copy
