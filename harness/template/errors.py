"""The one error type of the template layer: bad input, named by file and line."""

from __future__ import annotations

from pathlib import Path


class TemplateError(ValueError):
    """A template cannot be read or transformed; the message starts with ``file:line``.

    A ``ValueError`` because the input is at fault, not the harness: a test that meets one
    should fail pointing at the template, never look like a bug in the matcher.
    """

    def __init__(self, message: str, source: Path | str | None = None, line: int | None = None):
        self.source = source
        self.line = line
        self.reason = message
        super().__init__(f"{_location(source, line)}: {message}" if source else message)


def _location(source: Path | str | None, line: int | None) -> str:
    return f"{source}:{line}" if line else str(source)
