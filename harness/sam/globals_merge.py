"""``Globals`` merged into resources by aws-sam-translator's own merge, not by rules of ours.

SAM's merge has rules that are easy to get subtly wrong (maps merge key by key, lists
concatenate, ``Architectures`` replaces, ``IgnoreGlobals`` opts a resource out), and they
change between translator releases; reading Globals through
:class:`samtranslator.plugins.globals.globals.Globals` keeps the model in step with the
transform the template is deployed with. SAM merges ``Globals.Api``/``Globals.HttpApi``
into the APIs it creates for events too (``ServerlessRestApi``/``ServerlessHttpApi``):
callers merge into an empty property map for those.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from samtranslator.model.exceptions import ExceptionWithMessage
from samtranslator.plugins.globals.globals import Globals

from harness.sam.errors import SamModelError
from harness.template.loader import line_of


class GlobalsMerger:
    """The template's ``Globals`` section, parsed once, merged into one resource at a time."""

    def __init__(self, document: Mapping[str, Any], path: Path) -> None:
        self._path = path
        self._line = line_of(document, "Globals")
        try:
            self._globals = Globals(
                {"Globals": document["Globals"]} if "Globals" in document else {}
            )
        except ExceptionWithMessage as error:
            raise SamModelError(f"Globals: {error.message}", path, self._line) from None

    def merged(
        self, resource_type: str, logical_id: str, resource: Mapping[str, Any]
    ) -> dict[str, Any]:
        """``resource``'s properties with the Globals of its type merged in, as SAM merges them.

        Neither the resource nor the Globals are modified; the result shares unchanged
        values with both (so the resource's own mappings keep their source lines).
        """
        properties = resource.get("Properties") or {}
        try:
            return dict(
                self._globals.merge(
                    resource_type, properties, logical_id, resource.get("IgnoreGlobals")
                )
            )
        except ExceptionWithMessage as error:
            raise SamModelError(f"{logical_id}: {error.message}", self._path, self._line) from None
