"""How ``harness logs`` shows an event, and the times ``--since``/``--until`` take."""

from __future__ import annotations

import io
import json
import os
from datetime import UTC, datetime

import pytest

from harness.logs.events import LogEvent, format_event, use_colour
from harness.logs.times import parse_time

AT = datetime(2024, 5, 1, 10, 0, 0, 250_000, tzinfo=UTC).timestamp()
POWERTOOLS = json.dumps(
    {
        "level": "ERROR",
        "location": "write:42",
        "message": "write failed",
        "timestamp": "2024-05-01 10:00:00,250+0000",
        "service": "items",
        "cold_start": True,
        "detail": {"table": "t"},
    }
)


def test_a_structured_line_shows_timestamp_level_source_message_then_the_other_keys() -> None:
    shown = format_event(LogEvent(AT, "WriteFunction", POWERTOOLS), colour=False)
    assert shown == (
        "2024-05-01 10:00:00,250+0000 ERROR [WriteFunction] write failed "
        'location=write:42 service=items cold_start=true detail={"table": "t"}'
    )


def test_a_plain_line_is_shown_as_it_is_after_the_event_time_and_source() -> None:
    shown = format_event(LogEvent(AT, "Fn", "START RequestId: 1 Version: $LATEST"), colour=False)
    assert shown == "2024-05-01T10:00:00.250Z [Fn] START RequestId: 1 Version: $LATEST"
    assert format_event(LogEvent(None, "Fn", "[1, 2]"), colour=False) == "- [Fn] [1, 2]"


def test_colour_marks_the_level_and_the_source() -> None:
    shown = format_event(LogEvent(AT, "WriteFunction", POWERTOOLS), colour=True)
    assert "\x1b[31mERROR\x1b[0m" in shown
    assert "[WriteFunction]\x1b[0m" in shown
    assert "write failed" in shown


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_colour(io.StringIO()) is False
    primary, secondary = os.openpty()
    try:
        with open(secondary, "w", encoding="utf-8") as terminal:
            assert use_colour(terminal) is True
            monkeypatch.setenv("NO_COLOR", "1")
            assert use_colour(terminal) is False
    finally:
        os.close(primary)


@pytest.mark.parametrize(
    ("text", "seconds_before_now"),
    [("30s", 30), ("10m", 600), ("1h", 3600), ("2d", 172800), ("1.5h", 5400)],
)
def test_a_duration_is_before_now(text: str, seconds_before_now: float) -> None:
    assert parse_time(text, 1_000_000.0, "--since") == 1_000_000.0 - seconds_before_now


def test_an_iso_time_is_utc_unless_it_says_otherwise() -> None:
    assert parse_time("2024-05-01T10:00:00.250Z", 0, "--since") == AT
    assert parse_time("2024-05-01 10:00:00.250", 0, "--since") == AT
    assert parse_time("2024-05-01T12:00:00.250+02:00", 0, "--until") == AT


def test_anything_else_is_refused_naming_the_option() -> None:
    with pytest.raises(ValueError, match=r"--until 'tomorrow': give a duration before now"):
        parse_time("tomorrow", 0, "--until")
