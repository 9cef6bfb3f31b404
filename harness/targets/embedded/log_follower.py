"""Follow the Lambda workers' log files and print each line as it comes, like ``sam local``.

Every worker writes everything it prints (and the runtime's START/END/REPORT lines) to
``<LogicalId>[-n].log`` in its stack's log directory (:mod:`workers`); following the files
rather than hooking the workers keeps the workers unaware of any terminal, and picks up
the files of workers started later (new instances, replacements) without being told.

Each line is prefixed with its function's logical id; the prefix is coloured only when the
stream is a terminal and ``NO_COLOR`` is not set (https://no-color.org).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

POLL_INTERVAL_S = 0.1
_COLOURS = ("36", "35", "33", "32", "34", "31")  # cyan, magenta, yellow, green, blue, red


class LogFollower:
    """A daemon thread printing new lines of ``*.log`` in ``log_dir`` to ``stream``."""

    def __init__(self, log_dir: Path, functions: Iterable[str], stream: TextIO) -> None:
        self._log_dir = log_dir
        # Longest first, so "ApiFunction2-1.log" is not taken for "ApiFunction".
        self._functions = sorted(functions, key=len, reverse=True)
        self._stream = stream
        self._colour = stream.isatty() and "NO_COLOR" not in os.environ
        self._offsets: dict[Path, int] = {}
        self._partial: dict[Path, bytes] = {}
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
        self._poll(final=True)

    def _run(self) -> None:
        while not self._stop.wait(POLL_INTERVAL_S):
            self._poll(final=False)

    def _poll(self, *, final: bool) -> None:
        for path in sorted(self._log_dir.glob("*.log")):
            try:
                with path.open("rb") as log:
                    log.seek(self._offsets.get(path, 0))
                    chunk = log.read()
            except OSError:
                continue
            if not chunk and not final:
                continue
            self._offsets[path] = self._offsets.get(path, 0) + len(chunk)
            text = self._partial.pop(path, b"") + chunk
            *lines, rest = text.split(b"\n")
            if final and rest:
                lines.append(rest)
            elif rest:
                self._partial[path] = rest
            self._print(self._function_of(path), lines)

    def _function_of(self, path: Path) -> str:
        stem = path.stem
        for function in self._functions:
            if stem == function or stem.startswith(f"{function}-"):
                return function
        return stem

    def _print(self, function: str, lines: list[bytes]) -> None:
        if not lines:
            return
        prefix = f"[{function}]"
        if self._colour:
            colour = _COLOURS[sum(function.encode()) % len(_COLOURS)]
            prefix = f"\033[{colour}m{prefix}\033[0m"
        self._stream.write(
            "".join(f"{prefix} {line.decode('utf-8', 'replace')}\n" for line in lines)
        )
        self._stream.flush()
