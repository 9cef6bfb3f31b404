"""The embedded target's log lines carry the time they were written, read back by the tail."""

from __future__ import annotations

import io
import time
from pathlib import Path

from harness.targets.embedded.log_files import LineStamper, function_of, parse_line
from harness.targets.embedded.log_follower import LogFollower, LogTail


def test_every_line_is_stamped_once_however_the_chunks_are_cut(tmp_path: Path) -> None:
    stamper = LineStamper()
    before = time.time()
    written = stamper(b"one\ntw") + stamper(b"o\n") + stamper(b"three\nfour")
    lines = [parse_line(line) for line in written.decode().split("\n")]
    assert [text for _, text in lines] == ["one", "two", "three", "four"]
    for stamped, _ in lines:
        assert stamped is not None
        assert before - 0.001 <= stamped <= time.time()


def test_an_unstamped_line_reads_as_undated() -> None:
    assert parse_line("written by hand") == (None, "written by hand")


def test_the_function_of_a_file_is_its_name_up_to_the_first_dash() -> None:
    assert function_of(Path("ApiFunction.log")) == "ApiFunction"
    assert function_of(Path("ApiFunction2-3.log")) == "ApiFunction2"


def test_the_tail_hands_out_whole_lines_once_and_new_files_from_their_start(
    tmp_path: Path,
) -> None:
    tail = LogTail(lambda: tmp_path.glob("*.log"))
    (tmp_path / "A.log").write_bytes(b"a1\na2")
    assert tail.poll() == [(tmp_path / "A.log", ["a1"])]
    with (tmp_path / "A.log").open("ab") as log:
        log.write(b"-end\n")
    (tmp_path / "B.log").write_bytes(b"b1\n")
    assert tail.poll() == [(tmp_path / "A.log", ["a2-end"]), (tmp_path / "B.log", ["b1"])]
    assert tail.poll() == []


def test_harness_up_prints_the_line_without_its_stamp(tmp_path: Path) -> None:
    stream = io.StringIO()
    follower = LogFollower(tmp_path, stream).start()
    (tmp_path / "Fn.log").write_bytes(LineStamper()(b"hello\n"))
    follower.stop()
    assert stream.getvalue() == "[Fn] hello\n"
