"""Lambda's concurrency model: one environment per concurrent request, reuse, throttling."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from harness.targets.embedded.workers import WorkerRegistry


class Holder:
    """Invocations of ``handlers.hold`` kept running until :meth:`release`."""

    def __init__(self, registry: WorkerRegistry, function: str, directory: Path) -> None:
        self._registry = registry
        self._function = function
        self.directory = directory
        self._executor = ThreadPoolExecutor(8)

    def start(self, count: int) -> list[Future]:
        """Start ``count`` held invocations and wait until each runs in a worker."""
        before = len(self.started())
        futures = [
            self._executor.submit(
                self._registry.invoke, self._function, {"dir": str(self.directory)}
            )
            for _ in range(count)
        ]
        deadline = time.monotonic() + 30  # a bound for slow machines, not a timing assertion
        while len(self.started()) < before + count and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.started()) == before + count, [f.result() for f in futures if f.done()]
        return futures

    def started(self) -> list[Path]:
        return list(self.directory.glob("started-*"))

    def release(self) -> None:
        (self.directory / "release").touch()

    def close(self) -> None:
        self.release()
        self._executor.shutdown()


@pytest.fixture
def holder(tmp_path: Path, make_spec) -> Iterator[tuple[WorkerRegistry, Holder]]:
    with WorkerRegistry(log_dir=tmp_path / "logs", max_concurrency=3) as registry:
        registry.start([make_spec("Hold", "hold")])
        held = Holder(registry, "Hold", tmp_path)
        yield registry, held
        held.close()


def test_concurrent_invocations_run_at_once_in_separate_environments(registry, make_spec):
    registry.start([make_spec("Interval", "interval")])
    with ThreadPoolExecutor(4) as executor:
        results = list(executor.map(lambda _: registry.invoke("Interval", 1.0), range(4)))
    assert [result.error for result in results] == [None] * 4
    payloads = [result.payload for result in results]
    assert len({payload["pid"] for payload in payloads}) == 4
    # Every sleep began before any ended: they overlapped rather than queued.
    assert max(p["began"] for p in payloads) < min(p["ended"] for p in payloads)
    assert len(registry.pool("Interval").workers) == 4


def test_a_new_environment_is_a_cold_start_and_an_idle_one_is_reused_warm(registry, make_spec):
    registry.start([make_spec("Pid", "pid")])
    first, second = registry.invoke("Pid", {}), registry.invoke("Pid", {})
    assert first.payload == second.payload
    assert first.init_duration_ms is not None
    assert first.init_duration_ms > 0
    assert "\tInit Duration: " in first.logs
    assert "\tBilled Duration: " in first.logs
    assert second.init_duration_ms is None
    assert "Init Duration" not in second.logs
    assert len(registry.pool("Pid").workers) == 1


def test_init_duration_counts_the_handlers_import(registry, make_spec):
    """Lambda's Init Duration is the runtime loading the function and running the code
    outside the handler: a module that takes 0.4 s to import shows at least that."""
    registry.start([make_spec("Slow", "slow_init.handler", environment={"INIT_SLEEP_S": "0.4"})])
    first = registry.invoke("Slow", {})
    assert first.error is None
    assert first.init_duration_ms is not None
    assert first.init_duration_ms >= 400


def test_past_the_cap_an_invocation_is_throttled_at_once(holder):
    registry, held = holder
    running = held.start(3)
    throttled = registry.invoke("Hold", {"dir": "unused"})
    assert throttled.payload is None
    assert throttled.error is not None
    assert throttled.error.kind == "throttled"
    assert throttled.error.error_type == "TooManyRequestsException"
    assert throttled.error.message == "Rate Exceeded."
    assert throttled.error.reason == "ConcurrentInvocationLimitExceeded"
    assert throttled.error.rejected
    assert throttled.logs == ""
    held.release()
    pids = {future.result().payload for future in running}
    assert len(pids) == 3
    assert len(registry.pool("Hold").workers) == 3  # no fourth environment was started
    assert registry.invoke("Hold", {"dir": str(held.directory)}).payload in pids  # warm reuse


def test_reserved_concurrency_below_the_cap_throttles_with_its_reason(tmp_path, make_spec):
    spec = dataclasses.replace(make_spec("Hold", "hold"), reserved_concurrency=1)
    with WorkerRegistry(log_dir=tmp_path / "logs", max_concurrency=3) as registry:
        registry.start([spec])
        held = Holder(registry, "Hold", tmp_path)
        try:
            held.start(1)
            throttled = registry.invoke("Hold", {"dir": str(tmp_path)})
        finally:
            held.close()
    assert throttled.error is not None
    assert throttled.error.reason == "ReservedFunctionConcurrentInvocationLimitExceeded"


def test_reserved_concurrency_zero_throttles_everything_and_starts_nothing(tmp_path, make_spec):
    spec = dataclasses.replace(make_spec("Off", "pid"), reserved_concurrency=0)
    with WorkerRegistry(log_dir=tmp_path / "logs") as registry:
        registry.start([spec])
        result = registry.invoke("Off", {})
        assert registry.pool("Off").workers == []
    assert result.error is not None
    assert result.error.kind == "throttled"
