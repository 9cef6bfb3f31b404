"""The log follower of ``harness up``: lines prefixed with their function, coloured on a tty."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path
from typing import TextIO

import pytest

from harness.targets.embedded.log_follower import LogFollower


def _follow(log_dir: Path, stream: TextIO) -> None:
    follower = LogFollower(log_dir, stream).start()
    (log_dir / "ApiFunction.log").write_text("START one\nEND one\n")
    (log_dir / "ApiFunction-1.log").write_text("from a second instance\n")
    (log_dir / "Api.log").write_text("first line\nunfinished")
    follower.stop()


def test_lines_are_prefixed_with_their_function_and_unfinished_ones_flushed(
    tmp_path: Path,
) -> None:
    stream = io.StringIO()
    _follow(tmp_path, stream)
    lines = stream.getvalue().splitlines()
    assert sorted(lines) == sorted(
        [
            "[ApiFunction] START one",
            "[ApiFunction] END one",
            "[ApiFunction] from a second instance",
            "[Api] first line",
            "[Api] unfinished",
        ]
    )


def test_lines_written_later_are_printed_once(tmp_path: Path) -> None:
    stream = io.StringIO()
    follower = LogFollower(tmp_path, stream).start()
    log = tmp_path / "Fn.log"
    log.write_text("one\n")
    time.sleep(0.3)  # a few polls in between
    with log.open("a") as appending:
        appending.write("two\n")
    follower.stop()
    follower.stop()
    assert stream.getvalue() == "[Fn] one\n[Fn] two\n"


def test_the_prefix_is_coloured_on_a_terminal_unless_no_color(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for no_color, coloured in ((False, True), (True, False)):
        if no_color:
            monkeypatch.setenv("NO_COLOR", "1")
        else:
            monkeypatch.delenv("NO_COLOR", raising=False)
        primary, secondary = os.openpty()
        log_dir = tmp_path / str(no_color)
        log_dir.mkdir()
        with open(secondary, "w", encoding="utf-8") as terminal:
            _follow(log_dir, terminal)
        shown = _read_all(primary)
        assert "START one" in shown
        assert ("\x1b[" in shown) is coloured


def _read_all(primary: int) -> str:
    """Everything the terminal showed: a pty's reads end with EIO once its other side closed."""
    chunks = []
    try:
        while chunk := os.read(primary, 1 << 16):
            chunks.append(chunk)
    except OSError:
        pass
    finally:
        os.close(primary)
    return b"".join(chunks).decode()
