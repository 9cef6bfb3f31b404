"""What quantifiers match against: resources, and IAM statements inside them.

Both are "subjects": a ``body`` to match, a ``heading`` naming it in a failure, and a way
to turn a path inside the body into the path inside the resource and its source line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from harness.template.match import Path, path_text, render
from harness.template.origin import Origin


class Subject(Protocol):
    """Anything a :class:`~harness.template.resource_set.ResourceSet` can hold."""

    @property
    def logical_id(self) -> str: ...

    @property
    def body(self) -> Any: ...

    def heading(self) -> str: ...

    def full_path(self, path: Path) -> Path: ...

    def locate(self, path: Path) -> str | None: ...


@dataclass(frozen=True)
class Resource:
    """One entry of ``Resources``: its logical id, the whole mapping, and where it came from."""

    logical_id: str
    body: Mapping[str, Any]
    origin: Origin

    @property
    def type(self) -> str:
        return str(self.body.get("Type", ""))

    @property
    def properties(self) -> Mapping[str, Any]:
        return self.body.get("Properties") or {}

    def heading(self) -> str:
        return f"{self.logical_id} ({self.type}, {self.origin.describe()})"

    def full_path(self, path: Path) -> Path:
        return path

    def locate(self, path: Path) -> str | None:
        return self.origin.locate(path)


@dataclass(frozen=True)
class Statement:
    """An IAM policy statement, normalised, with the resource and path it was found at.

    ``Action``, ``NotAction``, ``Resource`` and ``NotResource`` are always lists, so a
    pattern like ``{"Action": Contains(["s3:*"])}`` holds whether the template wrote a
    string or a list.
    """

    resource: Resource
    path: Path
    body: Mapping[str, Any]

    @property
    def logical_id(self) -> str:
        return self.resource.logical_id

    def heading(self) -> str:
        return (
            f"{self.resource.logical_id} {path_text(self.path)} "
            f"({self.resource.type}, {self.resource.origin.describe()})\n"
            f"    statement: {render(dict(self.body), limit=300)}"
        )

    def full_path(self, path: Path) -> Path:
        return (*self.path, *path)

    def locate(self, path: Path) -> str | None:
        return self.resource.locate(self.full_path(path))
