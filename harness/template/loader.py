"""Read a CloudFormation or SAM template, short tags and all, remembering source lines.

CloudFormation's YAML short forms (``!Ref``, ``!GetAtt a.b``, ``!Sub`` ...) are turned
into the long JSON form the service itself sees, so assertions and the SAM translator
work on one shape only. Every mapping comes back as a :class:`SourceDict`: a plain
``dict`` (``json.dumps`` works, the translator accepts it) that also knows the line it
starts on and the line of each of its keys, which is what lets a failure say
``app/template.yaml:42`` instead of "somewhere in the template".

JSON templates go through the same YAML parser (JSON is YAML's flow style), so they
get line numbers too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from harness.template.errors import TemplateError

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Short tag -> long-form key. !GetAtt and !Ref/!Condition need their own shape below.
INTRINSIC_TAGS: dict[str, str] = {
    name: f"Fn::{name}"
    for name in (
        "And",
        "Base64",
        "Cidr",
        "Equals",
        "FindInMap",
        "GetAZs",
        "If",
        "ImportValue",
        "Join",
        "Length",
        "Not",
        "Or",
        "Select",
        "Split",
        "Sub",
        "ToJsonString",
        "Transform",
    )
} | {"Ref": "Ref", "Condition": "Condition"}


class SourceDict(dict[str, Any]):
    """A template mapping that remembers where it was written.

    ``line`` is the 1-based line the mapping starts on; ``key_lines`` maps each key to the
    line it is written on. Mappings built by code rather than read from a file have
    ``line == 0`` and no key lines.
    """

    __slots__ = ("key_lines", "line")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = 0
        self.key_lines: dict[str, int] = {}

    def line_of(self, key: str) -> int:
        """The line ``key`` is written on, else the line of this mapping."""
        return self.key_lines.get(key, self.line)


def line_of(mapping: Any, key: str) -> int:
    """The line ``key`` is written on in ``mapping``; 0 for a mapping not read from a file."""
    return mapping.line_of(key) if isinstance(mapping, SourceDict) else 0


class _TemplateLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader (libyaml when present) taught CloudFormation's dialect."""


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _construct_mapping(loader: _TemplateLoader, node: MappingNode) -> SourceDict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if isinstance(key_node, ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
            if key_node.value in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key_node.value!r} (first at line {seen[key_node.value]})",
                    key_node.start_mark,
                )
            seen[key_node.value] = _line(key_node)
    loader.flatten_mapping(node)
    mapping = SourceDict()
    mapping.line = _line(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = _line(key_node)
    return mapping


def _construct_node(loader: _TemplateLoader, node: Node) -> Any:
    """The value of a tagged node, whatever its kind (a tag may wrap any of the three)."""
    if isinstance(node, ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return _construct_mapping(loader, node)  # type: ignore[arg-type]


def _intrinsic(key: str, value: Any, node: Node) -> SourceDict:
    result = SourceDict({key: value})
    result.line = _line(node)
    result.key_lines[key] = result.line
    return result


def _construct_short_tag(loader: _TemplateLoader, tag_suffix: str, node: Node) -> SourceDict:
    name = tag_suffix
    if name == "GetAtt":
        value = _construct_node(loader, node)
        if isinstance(value, str):
            resource, _, attribute = value.partition(".")
            if not attribute:
                problem = f"!GetAtt {value!r} needs the form Resource.Attribute"
                raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark)
            value = [resource, attribute]
        return _intrinsic("Fn::GetAtt", value, node)
    if name not in INTRINSIC_TAGS:
        raise yaml.constructor.ConstructorError(None, None, f"unknown tag !{name}", node.start_mark)
    return _intrinsic(INTRINSIC_TAGS[name], _construct_node(loader, node), node)


def _construct_timestamp_as_text(loader: _TemplateLoader, node: ScalarNode) -> str:
    """Keep ``2010-09-09`` a string: CloudFormation reads it so, and JSON has no dates."""
    return str(loader.construct_scalar(node))


_TemplateLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_TemplateLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp_as_text)
_TemplateLoader.add_multi_constructor("!", _construct_short_tag)


def parse_yaml(text: str, source: Path | str = "<string>", kind: str = "YAML") -> Any:
    """Parse YAML or JSON in CloudFormation's dialect, lines kept, with no template checks.

    For the files a template pulls in (an OpenAPI document of ``AWS::Include`` or
    ``DefinitionUri``), which share the dialect but not the shape.
    """
    loader = _TemplateLoader(text)
    try:
        document = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        reason = " ".join(part for part in (error.context, error.problem) if part)
        raise TemplateError(f"invalid {kind}: {reason}", source, line) from None
    except yaml.YAMLError as error:
        raise TemplateError(f"invalid {kind}: {error}", source) from None
    finally:
        loader.dispose()
    return document


def parse_document(text: str, source: Path | str = "<string>") -> SourceDict:
    """Parse template text; ``source`` only names the text in error messages."""
    document = parse_yaml(text, source, kind="template")
    if not isinstance(document, SourceDict):
        raise TemplateError("a template must be a mapping at the top level", source, 1)
    resources = document.get("Resources")
    if not isinstance(resources, SourceDict):
        problem = "has no Resources section" if resources is None else "Resources is not a mapping"
        raise TemplateError(f"template {problem}", source, document.line_of("Resources") or 1)
    return document


def load_document(path: Path) -> SourceDict:
    """Read a YAML or JSON template file into long-form intrinsics with source lines."""
    return parse_document(Path(path).read_text(encoding="utf-8"), path)
