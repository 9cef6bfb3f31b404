"""The embedded target's logs: the files of a running ``harness up`` or of a kept work dir.

The layout and line stamps are :mod:`harness.targets.embedded.log_files`'; reading new
lines is :class:`~harness.targets.embedded.log_follower.LogTail`, the same reader that
prints ``harness up``'s log lines. A running ``harness up`` names each function's physical
name in its state file, so a function can be asked for by either name; a kept work dir
only has the logical ids its file names carry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.logs.events import LogEvent
from harness.logs.filter_pattern import FilterPattern
from harness.targets.embedded.log_files import (
    access_logs,
    function_log_dir,
    function_of,
    parse_line,
)
from harness.targets.embedded.log_follower import POLL_INTERVAL_S, LogTail


class LogsError(RuntimeError):
    """What ``harness logs`` was asked cannot be shown; the message says why and what exists."""


def choose(asked: str, known: Iterable[str], what: str, where: str) -> str:
    """``asked`` if it is one of ``known``, else LogsError listing what ``where`` has."""
    names = sorted(known)
    if asked in names:
        return asked
    raise LogsError(f"{where} has no {what} {asked!r}; its {what}s: {', '.join(names) or 'none'}")


@dataclass(frozen=True)
class StackLogFiles:
    """One embedded stack's function and access logs under ``work_dir``."""

    work_dir: Path
    stack_name: str
    physical_names: Mapping[str, str] = field(default_factory=dict)
    """Each function's physical name by logical id, when a running ``harness up`` said."""

    @property
    def where(self) -> str:
        return f"stack {self.stack_name!r} (logs in {self.work_dir / self.stack_name})"

    def function_ids(self) -> list[str]:
        """Every function's logical id: the deployed ones, and any that wrote a log file."""
        written = {function_of(path) for path in self.function_files()}
        return sorted(written | set(self.physical_names))

    def function(self, name: str) -> str:
        """The logical id of the function ``name`` (logical id or physical name) names."""
        by_physical = {physical: logical for logical, physical in self.physical_names.items()}
        return choose(by_physical.get(name, name), self.function_ids(), "function", self.where)

    def api_ids(self) -> list[str]:
        return sorted(access_logs(self.work_dir, self.stack_name))

    def reader(self, functions: Sequence[str], apis: Sequence[str], pattern: str) -> FileLogReader:
        """A reader of the named functions' logs and APIs' access logs.

        ``pattern`` is applied here, in the subset :mod:`harness.logs.filter_pattern` knows.
        """
        return FileLogReader(self, tuple(functions), tuple(apis), FilterPattern.parse(pattern))

    def function_files(self) -> list[Path]:
        return sorted(function_log_dir(self.work_dir, self.stack_name).glob("*.log"))


class FileLogReader:
    """Hands out the events written since the last call, filtered, oldest first."""

    poll_interval_s = POLL_INTERVAL_S

    def __init__(
        self,
        files: StackLogFiles,
        functions: tuple[str, ...],
        apis: tuple[str, ...],
        pattern: FilterPattern,
    ) -> None:
        self._files = files
        self._functions = set(functions)
        self._apis = {
            path: api
            for api, path in access_logs(files.work_dir, files.stack_name).items()
            if api in apis
        }
        self._pattern = pattern
        self._tail = LogTail(self._paths)

    def read(self, since: float | None, until: float | None) -> list[LogEvent]:
        """New events written in ``[since, until]`` (undated lines only without bounds)."""
        events = [
            LogEvent(written, self._source(path), text)
            for path, lines in self._tail.poll()
            for written, text in map(parse_line, lines)
            if _within(written, since, until) and self._pattern.matches(text)
        ]
        return sorted(events, key=lambda event: event.timestamp or 0.0)

    def _paths(self) -> list[Path]:
        functions = [
            path for path in self._files.function_files() if function_of(path) in self._functions
        ]
        return functions + list(self._apis)

    def _source(self, path: Path) -> str:
        return self._apis.get(path) or function_of(path)


def _within(written: float | None, since: float | None, until: float | None) -> bool:
    if written is None:
        return since is None and until is None
    return (since is None or written >= since) and (until is None or written <= until)
