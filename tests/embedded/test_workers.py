"""Lambda worker processes: context, errors, timeouts, crashes, interpreters, cleanup."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.targets.embedded.workers import FunctionSpec, WorkerRegistry

REPO = Path(__file__).resolve().parents[2]
FUNCTIONS = REPO / "fixtures" / "functions"


def wait_until_gone(pids: list[int], is_running: Callable[[int], bool]) -> list[int]:
    """PIDs still running once they all exit or 15 s pass (a bound, not a timing assertion)."""
    deadline = time.monotonic() + 15
    while (alive := [pid for pid in pids if is_running(pid)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


def test_handler_gets_event_and_lambda_context(registry, make_spec):
    registry.start([make_spec("Echo", "echo")])
    result = registry.invoke("Echo", {"hello": "world"})
    assert result.error is None
    assert result.payload["event"] == {"hello": "world"}
    context = result.payload["context"]
    assert context["aws_request_id"] == result.request_id
    assert context["function_name"] == "Echo"
    assert context["memory_limit_in_mb"] == "256"
    assert context["invoked_function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:Echo"
    assert context["log_group_name"] == "/aws/lambda/Echo"
    assert 0 < context["remaining_ms"] <= 30_000


def test_environment_has_lambda_variables_and_no_parent_leaks(registry, make_spec, monkeypatch):
    monkeypatch.setenv("HARNESS_SECRET_FROM_PARENT", "leak")
    spec = make_spec(
        "Env", "env", environment={"TABLE_NAME": "items", "AWS_LAMBDA_FUNCTION_NAME": "spoofed"}
    )
    registry.start([spec])
    env = registry.invoke("Env", {}).payload
    assert env["TABLE_NAME"] == "items"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "Env"  # reserved variables win, as on AWS
    assert env["_HANDLER"] == "handlers.env"
    assert env["AWS_SAM_LOCAL"] == "true"
    assert env["AWS_REGION"] == "us-east-1"
    assert env["LAMBDA_TASK_ROOT"] == str(FUNCTIONS / "basic")
    assert env["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull
    assert "HARNESS_SECRET_FROM_PARENT" not in env


def test_sys_path_holds_code_paths_and_no_site_packages(registry, make_spec):
    registry.start([make_spec("Path", "sys_path")])
    path = registry.invoke("Path", {}).payload
    assert path[0] == str(FUNCTIONS / "basic")
    assert not [entry for entry in path if "site-packages" in entry]
    assert str(REPO / "harness" / "targets" / "embedded") not in path


@pytest.mark.parametrize("runtime", ["python3.11", "python3.12", "python3.13"])
def test_worker_runs_on_the_runtimes_interpreter(registry, make_spec, require_interpreter, runtime):
    require_interpreter(runtime)
    registry.start([make_spec("Version", "version", runtime=runtime)])
    version = registry.invoke("Version", {}).payload
    assert version.startswith(runtime.removeprefix("python") + ".")


def test_unhandled_exception_reports_type_message_and_traceback(registry, make_spec):
    registry.start([make_spec("Boom", "boom")])
    result = registry.invoke("Boom", {})
    assert result.payload is None
    assert result.error is not None
    assert result.error.kind == "unhandled"
    assert result.error.error_type == "ValueError"
    assert result.error.message == "boom from the fixture"
    assert "handlers.py" in result.error.traceback
    assert "about to fail" in result.logs
    assert "[ERROR] ValueError: boom from the fixture" in result.logs
    assert "Traceback (most recent call last)" in result.logs
    assert "worker_main.py" not in result.logs


def test_logs_are_split_per_invocation_and_kept_in_the_log_file(registry, make_spec):
    registry.start([make_spec("Chatty", "chatty")])
    first = registry.invoke("Chatty", {})
    second = registry.invoke("Chatty", {})
    for result in (first, second):
        assert result.logs.startswith(f"START RequestId: {result.request_id}")
        assert "line on stdout" in result.logs
        assert "line on stderr" in result.logs
        assert f"END RequestId: {result.request_id}" in result.logs
        assert f"REPORT RequestId: {result.request_id}" in result.logs
    assert second.request_id not in first.logs
    log_file = (registry.log_dir / "Chatty.log").read_text()
    assert log_file.count("line on stdout") == 2
    assert log_file.count("REPORT RequestId") == 2


def test_timeout_kills_worker_and_a_fresh_one_serves_the_next_invoke(registry, make_spec):
    registry.start([make_spec("Slow", "sleepy", timeout_s=1)])
    worker = registry.pool("Slow").workers[0]
    first_pid = worker.pid
    result = registry.invoke("Slow", {})
    assert result.error is not None
    assert result.error.kind == "timeout"
    assert "Task timed out after 1.00 seconds" in result.error.message
    assert "going to sleep" in result.logs
    assert worker.pid != first_pid
    assert registry.invoke("Slow", {}).error.kind == "timeout"  # the replacement works too


def test_timeout_kills_processes_the_handler_started(registry, make_spec, is_running):
    registry.start([make_spec("Spawner", "spawn_sleeper", timeout_s=2)])
    result = registry.invoke("Spawner", {})
    assert result.error.kind == "timeout"
    grandchild = int(re.search(r"child pid (\d+)", result.logs).group(1))
    assert wait_until_gone([grandchild], is_running) == []


def test_crash_is_reported_and_the_worker_replaced(registry, make_spec):
    registry.start([make_spec("Crash", "crash"), make_spec("Pid", "pid")])
    result = registry.invoke("Crash", {})
    assert result.error.kind == "crash"
    assert "exit status 3" in result.error.message
    assert "crashing now" in result.logs
    assert registry.invoke("Crash", {}).error.kind == "crash"  # a new process crashed again


def test_worker_is_reused_between_invocations(registry, make_spec):
    registry.start([make_spec("Pid", "pid")])
    assert registry.invoke("Pid", {}).payload == registry.invoke("Pid", {}).payload


def test_import_error_is_an_init_error_on_every_invoke(registry, make_spec):
    registry.start([make_spec("Broken", "broken.handler", code="broken_import")])
    for _ in range(2):
        result = registry.invoke("Broken", {})
        assert result.error.kind == "init"
        assert result.error.error_type == "Runtime.ImportModuleError"
        assert "module_that_is_not_installed" in result.error.message
        assert "Traceback (most recent call last)" in result.logs


def test_unserializable_return_value_is_a_marshal_error(registry, make_spec):
    registry.start([make_spec("NotJson", "not_json")])
    result = registry.invoke("NotJson", {})
    assert result.error.kind == "unhandled"
    assert result.error.error_type == "Runtime.MarshalError"


def test_unknown_function_names_the_started_ones(registry, make_spec):
    registry.start([make_spec("Echo", "echo")])
    with pytest.raises(KeyError, match=r"'Nope'.*\['Echo'\]"):
        registry.invoke("Nope", {})


def test_missing_code_path_is_named(registry):
    spec = FunctionSpec(
        "Ghost", "app.handler", [Path("/nonexistent/code")], "python3.12", {}, 3, 128
    )
    with pytest.raises(ValueError, match=r"Ghost.*/nonexistent/code"):
        registry.start([spec])


def test_pool_runs_concurrent_invocations_in_separate_processes(tmp_path, make_spec):
    from concurrent.futures import ThreadPoolExecutor

    with WorkerRegistry(log_dir=tmp_path, pool_size=2) as pooled:
        pooled.start([make_spec("Nap", "nap")])
        with ThreadPoolExecutor(2) as executor:
            pids = list(executor.map(lambda _: pooled.invoke("Nap", 0.5).payload, range(2)))
        assert len(set(pids)) == 2
        assert len(pooled.pool("Nap").workers) == 2


def test_close_leaves_no_worker_process(make_spec, tmp_path, is_running):
    registry = WorkerRegistry(log_dir=tmp_path)
    registry.start([make_spec("Echo", "echo"), make_spec("Slow", "sleepy", timeout_s=1)])
    pids = [worker.pid for name in ("Echo", "Slow") for worker in registry.pool(name).workers]
    registry.invoke("Slow", {})  # replaces the Slow worker once
    pids += [worker.pid for worker in registry.pool("Slow").workers]
    registry.close()
    assert [pid for pid in pids if is_running(pid)] == []
    with pytest.raises(KeyError):
        registry.invoke("Echo", {})


@pytest.mark.parametrize("parent_signal", [signal.SIGTERM, signal.SIGKILL])
def test_workers_die_with_their_parent(tmp_path, is_running, parent_signal):
    """A harness killed mid-invocation leaves no worker behind (they watch their request pipe)."""
    script = textwrap.dedent(
        f"""
        import json, sys, threading, time
        from pathlib import Path
        from harness.targets.embedded.workers import FunctionSpec, WorkerRegistry
        code = [Path({str(FUNCTIONS / "basic")!r})]
        registry = WorkerRegistry(log_dir=Path({str(tmp_path)!r}))
        registry.start([
            FunctionSpec("Idle", "handlers.pid", code, "python3.12", {{}}, 30, 128),
            FunctionSpec("Busy", "handlers.sleepy", code, "python3.12", {{}}, 300, 128),
        ])
        pids = [registry.invoke("Idle", {{}}).payload, registry.pool("Busy").workers[0].pid]
        threading.Thread(target=registry.invoke, args=("Busy", {{}}), daemon=True).start()
        time.sleep(0.5)
        print(json.dumps(pids), flush=True)
        time.sleep(600)
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        pids = json.loads(parent.stdout.readline())
        assert all(is_running(pid) for pid in pids)
        parent.send_signal(parent_signal)
        parent.wait(timeout=30)
    finally:
        parent.kill()
        parent.stdout.close()
    assert wait_until_gone(pids, is_running) == []
