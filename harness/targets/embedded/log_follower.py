"""Follow the Lambda workers' log files and print each line as it comes, like ``sam local``.

Every worker writes everything it prints (and the runtime's START/END/REPORT lines) to
``<LogicalId>[-n].log`` in its stack's log directory (:mod:`log_files`); following the
files rather than hooking the workers keeps the workers unaware of any terminal, and picks
up the files of workers started later (new instances, replacements) without being told.
:class:`LogTail` is the reading half, shared with ``harness logs --follow``.

Each line is prefixed with its function's logical id; the prefix is coloured only when the
stream is a terminal and ``NO_COLOR`` is not set (:mod:`harness.logs.events`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

from harness.logs.events import source_prefix, use_colour
from harness.targets.embedded.log_files import function_of, parse_line

POLL_INTERVAL_S = 0.1


class LogTail:
    """The lines added to a set of files since the last poll, whole lines only.

    ``paths()`` is asked again at every poll, so files created later are read too, from
    their start.
    """

    def __init__(self, paths: Callable[[], Iterable[Path]]) -> None:
        self._paths = paths
        self._offsets: dict[Path, int] = {}
        self._partial: dict[Path, bytes] = {}

    def poll(self, *, final: bool = False) -> list[tuple[Path, list[str]]]:
        """Each file's new lines; ``final`` also hands out unfinished last lines."""
        found = []
        for path in sorted(self._paths()):
            try:
                with path.open("rb") as log:
                    log.seek(self._offsets.get(path, 0))
                    chunk = log.read()
            except OSError:
                continue
            if not chunk and not (final and path in self._partial):
                continue
            self._offsets[path] = self._offsets.get(path, 0) + len(chunk)
            *lines, rest = (self._partial.pop(path, b"") + chunk).split(b"\n")
            if final and rest:
                lines.append(rest)
            elif rest:
                self._partial[path] = rest
            if lines:
                found.append((path, [line.decode("utf-8", "replace") for line in lines]))
        return found


class LogFollower:
    """A daemon thread printing new lines of ``*.log`` in ``log_dir`` to ``stream``."""

    def __init__(self, log_dir: Path, stream: TextIO) -> None:
        self._tail = LogTail(lambda: log_dir.glob("*.log"))
        self._stream = stream
        self._colour = use_colour(stream)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lambda-log-follower", daemon=True)

    def start(self) -> LogFollower:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Print what is left (unfinished lines too) and stop; safe to call twice."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self._print(final=True)

    def _run(self) -> None:
        while not self._stop.wait(POLL_INTERVAL_S):
            self._print(final=False)

    def _print(self, *, final: bool) -> None:
        for path, lines in self._tail.poll(final=final):
            prefix = source_prefix(function_of(path), self._colour)
            self._stream.write("".join(f"{prefix} {parse_line(line)[1]}\n" for line in lines))
            self._stream.flush()
