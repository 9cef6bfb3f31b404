"""What every part of the reader needs about the template it is reading."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.sam.errors import SamModelError
from harness.sam.globals_merge import GlobalsMerger
from harness.sam.values import Resolver
from harness.template.loader import line_of


@dataclass(frozen=True)
class ReadContext:
    """One template being read: its file, document, parameter values and Globals."""

    path: Path
    document: Mapping[str, Any]
    resolver: Resolver
    merger: GlobalsMerger

    @property
    def template_dir(self) -> Path:
        return self.path.parent

    @property
    def resources(self) -> Mapping[str, Any]:
        return self.document.get("Resources") or {}

    def resource_type(self, logical_id: str) -> str | None:
        resource = self.resources.get(logical_id)
        return resource.get("Type") if isinstance(resource, Mapping) else None

    def resource_line(self, logical_id: str) -> int:
        return line_of(self.resources, logical_id)

    def property_line(self, logical_id: str, name: str) -> int:
        """The line a resource's property is written on, else the resource's own line."""
        properties = (self.resources.get(logical_id) or {}).get("Properties")
        return line_of(properties, name) or self.resource_line(logical_id)

    def error(self, message: str, line: int) -> SamModelError:
        """An error at ``line`` of the template."""
        return SamModelError(message, self.path, line)
