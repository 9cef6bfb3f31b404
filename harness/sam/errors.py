"""The one error of the SAM model: the template declares something the model cannot read."""

from __future__ import annotations

from pathlib import Path

from harness.template.errors import TemplateError
from harness.template.origin import display_path


class SamModelError(TemplateError):
    """A SAM template (or a file it includes) is at fault; the message starts with ``file:line``.

    The text after the location names the resource and, where there is one, the event or
    the OpenAPI path at fault (``HelloFunction.Events.Hello: ...``), so a user can go
    straight to the line to fix.
    """

    def __init__(self, message: str, source: Path | None, line: int | None) -> None:
        super().__init__(message, display_path(source) if source else None, line or None)
