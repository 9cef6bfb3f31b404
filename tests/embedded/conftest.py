"""Fixtures for the embedded engine's tests: tiny functions from fixtures/functions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness.targets.embedded.workers import FunctionSpec, WorkerRegistry

FUNCTIONS = Path(__file__).resolve().parents[2] / "fixtures" / "functions"

SpecFactory = Callable[..., FunctionSpec]


def process_running(pid: int) -> bool:
    """True while ``pid`` is a live process; zombies count as gone (init may reap late)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


@pytest.fixture
def is_running() -> Callable[[int], bool]:
    return process_running


@pytest.fixture
def make_spec() -> SpecFactory:
    """Build a FunctionSpec for a handler in ``fixtures/functions/basic/handlers.py``."""

    def make(
        logical_id: str,
        handler: str,
        *,
        runtime: str = "python3.12",
        timeout_s: float = 30.0,
        code: str = "basic",
        environment: dict[str, str] | None = None,
    ) -> FunctionSpec:
        return FunctionSpec(
            logical_id=logical_id,
            handler=handler if "." in handler else f"handlers.{handler}",
            code_paths=[FUNCTIONS / code],
            runtime=runtime,
            environment=environment or {},
            timeout_s=timeout_s,
            memory_mb=256,
        )

    return make


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[WorkerRegistry]:
    with WorkerRegistry(log_dir=tmp_path / "logs") as started:
        yield started
