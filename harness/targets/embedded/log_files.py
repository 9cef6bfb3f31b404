"""The embedded target's log files: where they are, and the time stamp on every line.

Layout, under the target's work dir: ``<stack>/lambda-logs/<LogicalId>[-n].log`` per
execution environment of a function (:mod:`workers`), ``<stack>/<ApiLogicalId>-access.log``
per API (:mod:`front`). Logical ids are alphanumeric (CloudFormation's rule for them), so
the function of a file is its name up to the first ``-``.

Each line starts with the time it was written and a tab (``2024-05-01T10:00:00.123Z\\t``),
as every CloudWatch Logs event carries the time it was logged: ``harness logs --since``
needs it for lines that carry none of their own (``print``, the runtime's START/REPORT
lines). A line without a stamp (a file written by hand) reads as undated.
"""

from __future__ import annotations

import functools
import re
import time
from datetime import UTC, datetime
from pathlib import Path

FUNCTION_LOG_DIR = "lambda-logs"
ACCESS_LOG_SUFFIX = "-access.log"
_STAMP = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\t")


def function_log_dir(work_dir: Path, stack_name: str) -> Path:
    return work_dir / stack_name / FUNCTION_LOG_DIR


def access_log_path(work_dir: Path, stack_name: str, api_logical_id: str) -> Path:
    return work_dir / stack_name / f"{api_logical_id}{ACCESS_LOG_SUFFIX}"


def access_logs(work_dir: Path, stack_name: str) -> dict[str, Path]:
    """Each API's access log file in a stack's work dir, by API logical id."""
    return {
        path.name.removesuffix(ACCESS_LOG_SUFFIX): path
        for path in sorted((work_dir / stack_name).glob(f"*{ACCESS_LOG_SUFFIX}"))
    }


def function_of(path: Path) -> str:
    """The logical id of the function whose log ``path`` is (``Fn-2.log`` is ``Fn``'s)."""
    return path.stem.partition("-")[0]


def stamp(at: float | None = None) -> bytes:
    """The prefix of a line written at ``at`` (now by default).

    Every chunk a worker writes is stamped, several a request, so the formatted second is
    reused while it lasts instead of going through ``datetime`` each time.
    """
    moment = time.time() if at is None else at
    second = int(moment // 1)
    return b"%s.%03dZ\t" % (_formatted_second(second), int((moment - second) * 1000))


@functools.lru_cache(maxsize=4)
def _formatted_second(second: int) -> bytes:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)).encode()


def stamped_line(text: str) -> bytes:
    """``text`` as one stamped line of a log file."""
    return stamp() + text.rstrip("\n").encode() + b"\n"


class LineStamper:
    """Stamps the lines of a byte stream that arrives in chunks cut anywhere."""

    def __init__(self) -> None:
        self._at_line_start = True

    def __call__(self, chunk: bytes) -> bytes:
        prefix = stamp()
        out = bytearray()
        for piece in chunk.splitlines(keepends=True):
            if self._at_line_start:
                out += prefix
            out += piece
            self._at_line_start = piece.endswith(b"\n")
        return bytes(out)


def parse_line(line: str) -> tuple[float | None, str]:
    """A file's line as (epoch seconds it was written, or None if unstamped; its text)."""
    found = _STAMP.match(line)
    if found is None:
        return None, line
    written = datetime.strptime(found.group(1), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return written.timestamp(), line[found.end() :]
