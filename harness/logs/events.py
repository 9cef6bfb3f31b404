"""One log event, from a file or CloudWatch, and how a terminal shows it.

A Powertools structured log line (JSON with ``level``, ``message``, ``timestamp``, ...)
is shown as its timestamp, level, source (the function or API) and message, then the
remaining keys as ``key=value``; any other line is shown as it is after the timestamp and
source. Colour only on a terminal, and never when ``NO_COLOR`` is set to a non-empty value
(https://no-color.org).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

_SOURCE_COLOURS = ("36", "35", "33", "32", "34", "31")  # cyan, magenta, yellow, green, blue, red
_LEVEL_COLOURS = {"CRITICAL": "1;31", "ERROR": "31", "WARNING": "33", "WARN": "33", "DEBUG": "2"}
_SHOWN_KEYS = ("timestamp", "level", "message")


@dataclass(frozen=True)
class LogEvent:
    """A line of a log: when it was written (epoch seconds; None when unknown), by what."""

    timestamp: float | None
    source: str
    """The function's or the API's logical id (or the log group's name)."""
    message: str


def use_colour(stream: TextIO) -> bool:
    return stream.isatty() and not os.environ.get("NO_COLOR")


def paint(text: str, code: str, colour: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if colour else text


def source_prefix(source: str, colour: bool) -> str:
    """``[Source]``, in a colour of its own (the same one on every run) on a terminal."""
    code = _SOURCE_COLOURS[sum(source.encode()) % len(_SOURCE_COLOURS)]
    return paint(f"[{source}]", code, colour)


def iso_time(timestamp: float) -> str:
    moment = datetime.fromtimestamp(timestamp, UTC)
    return f"{moment.strftime('%Y-%m-%dT%H:%M:%S')}.{moment.microsecond // 1000:03d}Z"


def format_event(event: LogEvent, *, colour: bool) -> str:
    """The event as one readable line (a multi-line message keeps its own lines)."""
    structured = _structured(event.message)
    when = "-" if event.timestamp is None else iso_time(event.timestamp)
    if structured is None:
        return f"{paint(when, '2', colour)} {source_prefix(event.source, colour)} {event.message}"
    if "timestamp" in structured:
        when = str(structured["timestamp"])
    parts = [paint(when, "2", colour)]
    level = structured.get("level")
    if level is not None:
        parts.append(paint(str(level), _LEVEL_COLOURS.get(str(level).upper(), "1"), colour))
    parts.append(source_prefix(event.source, colour))
    if "message" in structured:
        parts.append(_text(structured["message"]))
    parts.extend(
        f"{paint(key, '2', colour)}={_text(value)}"
        for key, value in structured.items()
        if key not in _SHOWN_KEYS
    )
    return " ".join(parts)


def _structured(message: str) -> dict[str, Any] | None:
    if not message.startswith("{"):
        return None
    try:
        parsed = json.loads(message)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
