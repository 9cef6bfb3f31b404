"""The state file of a running ``harness up``: how test sessions and tools find it.

Where: ``$HARNESS_STATE_FILE`` when set, else ``.cache/harness-up.json`` under the project
root (the directory ``harness up`` runs in, which is pytest's rootdir). What: JSON with
the owner's pid, the endpoint (URL, region, the dummy credentials to use), the target's
capabilities, and per stack its outputs, API URLs, functions (logical id to physical name,
for ``harness logs``) and emulation gaps, plus the work dir that holds the logs
(:mod:`log_files`). ``harness up`` writes it atomically once its stacks are ready and removes it
on exit. A file whose pid is dead is stale: readers ignore it and the next ``harness up``
replaces it; a live one keeps a second ``harness up`` off the same file.

Liveness is ``kill(pid, 0)``: a recycled pid can make a stale file look live, in which
case attaching fails at the first call with "endpoint unreachable", naming it.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.build.ownership import process_alive
from harness.targets.base import Endpoint, Gap

STATE_FILE_ENV = "HARNESS_STATE_FILE"
DEFAULT_STATE_FILE = Path(".cache", "harness-up.json")
_VERSION = 3


class StateFileBusy(RuntimeError):
    """Another live ``harness up`` owns the state file; the message says how to run a second."""


@dataclass(frozen=True)
class RunningStack:
    """One stack a ``harness up`` serves, as a session attached to it needs it."""

    name: str
    outputs: Mapping[str, str]
    api_urls: Mapping[str, str]
    """Each API's local base URL (stage included), by logical id."""
    emulation_gaps: tuple[Gap, ...] = ()
    functions: Mapping[str, str] = field(default_factory=dict)
    """Each Lambda function's physical name, by logical id."""


@dataclass(frozen=True)
class UpState:
    """What a running ``harness up`` publishes about itself."""

    pid: int
    endpoint: Endpoint
    capabilities: frozenset[str]
    stacks: Mapping[str, RunningStack]
    log_dir: str
    path: Path | None = field(default=None, compare=False)

    def serves(self, endpoint_url: str | None) -> bool:
        """Whether ``endpoint_url`` (what a client resolved) is this ``harness up``'s."""
        return endpoint_url is not None and endpoint_url.rstrip("/") == self.endpoint.url

    def describe(self) -> str:
        return f"harness up (pid {self.pid}) at {self.endpoint.url}, state file {self.path}"

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": _VERSION,
                "pid": self.pid,
                "endpoint": self.endpoint.url,
                "region": self.endpoint.region,
                "credentials": dict(self.endpoint.credentials or {}),
                "capabilities": sorted(self.capabilities),
                "stacks": {
                    name: {
                        "outputs": dict(stack.outputs),
                        "api_urls": dict(stack.api_urls),
                        "emulation_gaps": [asdict(gap) for gap in stack.emulation_gaps],
                        "functions": dict(stack.functions),
                    }
                    for name, stack in self.stacks.items()
                },
                "log_dir": self.log_dir,
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str, path: Path | None = None) -> UpState:
        """Parse a state file; ``ValueError`` (with ``KeyError``/``TypeError``) if malformed."""
        data: dict[str, Any] = json.loads(text)
        if data.get("version") != _VERSION:
            raise ValueError(f"state file version {data.get('version')!r}, expected {_VERSION}")
        return cls(
            pid=int(data["pid"]),
            endpoint=Endpoint(
                region=data["region"], url=data["endpoint"], credentials=data["credentials"]
            ),
            capabilities=frozenset(data["capabilities"]),
            stacks={
                name: RunningStack(
                    name=name,
                    outputs=stack["outputs"],
                    api_urls=dict(stack["api_urls"]),
                    emulation_gaps=tuple(Gap(**gap) for gap in stack["emulation_gaps"]),
                    functions=dict(stack["functions"]),
                )
                for name, stack in data["stacks"].items()
            },
            log_dir=data["log_dir"],
            path=path,
        )


def state_file(root: Path, environ: Mapping[str, str]) -> Path:
    """``$HARNESS_STATE_FILE``, else ``<root>/.cache/harness-up.json``."""
    configured = environ.get(STATE_FILE_ENV)
    return Path(configured) if configured else root / DEFAULT_STATE_FILE


def read_running(path: Path) -> UpState | None:
    """The state of the ``harness up`` that owns ``path``, if it is still running.

    A missing, unreadable or malformed file and one left by a dead process all read as
    ``None``: nothing to attach to.
    """
    try:
        state = UpState.from_json(path.read_text(encoding="utf-8"), path)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return state if process_alive(state.pid) else None


def check_free(path: Path, pid: int) -> None:
    """Raise StateFileBusy if a live process other than ``pid`` owns ``path``."""
    running = read_running(path)
    if running is not None and running.pid != pid:
        raise StateFileBusy(
            f"state file {path} belongs to a running harness up (pid {running.pid}, "
            f"{running.endpoint.url}); stop it, or give this one its own file with "
            f"{STATE_FILE_ENV}=<path>"
        )


def write_state(path: Path, state: UpState) -> None:
    """Publish ``state`` at ``path``, atomically, unless another live owner has it."""
    check_free(path, state.pid)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(state.to_json())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def remove_state(path: Path, pid: int) -> None:
    """Remove ``path`` if ``pid`` still owns it (never another process's file)."""
    try:
        owner = json.loads(path.read_text(encoding="utf-8")).get("pid")
    except (OSError, ValueError, AttributeError):
        return
    if owner == pid:
        path.unlink(missing_ok=True)
    return True
