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

from harness.targets.embedded.workers import (
    REQUEST_LIMIT_BYTES,
    RESPONSE_LIMIT_BYTES,
    FunctionInitError,
    FunctionSpec,
    WorkerRegistry,
    WorkersClosed,
)

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
    assert result.error.error_type == "Runtime.ExitError"
    assert "exit status 3" in result.error.message
    assert "crashing now" in result.logs
    assert registry.invoke("Crash", {}).error.kind == "crash"  # a new process crashed again


@pytest.mark.parametrize(
    ("handler", "reason"),
    [
        ("exit_two", "Runtime exited with error: exit status 2"),
        ("kill_self", "Runtime exited with error: signal: killed"),
    ],
)
def test_crash_reasons_are_worded_as_lambda_words_them(registry, make_spec, handler, reason):
    registry.start([make_spec("Dies", handler)])
    result = registry.invoke("Dies", {})
    assert result.error.kind == "crash"
    assert result.error.message == f"RequestId: {result.request_id} Error: {reason}"
    assert reason in result.logs


def test_an_idle_worker_killed_out_of_band_is_replaced_before_the_next_request(
    registry, make_spec, is_running
):
    registry.start([make_spec("Pid", "pid")])
    first = registry.invoke("Pid", {}).payload
    os.kill(first, signal.SIGKILL)
    assert wait_until_gone([first], is_running) == []
    result = registry.invoke("Pid", {})
    assert result.error is None
    assert result.payload != first
    assert result.init_duration_ms is not None  # a fresh environment: a cold start
    log = (registry.log_dir / "Pid.log").read_text()
    # Found dead before the request was sent, or (killed an instant earlier) before the
    # worker read it: either way replaced, and the request ran.
    assert re.search(
        rf"worker process {first} exited (while idle|before the request reached it) "
        r"\(signal: killed\); a new execution environment replaces it",
        log,
    )


def test_a_request_over_6_mb_is_refused_before_any_worker_sees_it(registry, make_spec):
    registry.start([make_spec("Size", "size")])
    pid = registry.pool("Size").workers[0].pid
    at_limit = "x" * (REQUEST_LIMIT_BYTES - 2)  # its JSON, quotes included, is the limit
    assert registry.invoke("Size", at_limit).payload == len(at_limit)
    refused = registry.invoke("Size", at_limit + "x")
    assert refused.payload is None
    assert refused.error.kind == "request_too_large"
    assert refused.error.error_type == "RequestEntityTooLargeException"
    assert refused.error.message == (
        "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    )
    assert refused.error.rejected
    assert refused.logs == ""
    assert registry.pool("Size").workers[0].pid == pid


def test_raw_json_events_are_sized_as_received_and_must_be_json(registry, make_spec):
    registry.start([make_spec("Size", "size")])
    assert registry.invoke("Size", event_json=b'"abc"').payload == 3
    too_large = b'"' + b"x" * REQUEST_LIMIT_BYTES + b'"'
    assert registry.invoke("Size", event_json=too_large).error.kind == "request_too_large"
    with pytest.raises(ValueError, match="Expecting property name"):
        registry.invoke("Size", event_json=b"{not json")


def test_a_response_over_the_limit_is_an_error_and_the_worker_stays(registry, make_spec):
    registry.start([make_spec("Text", "text_of_length")])
    pid = registry.pool("Text").workers[0].pid
    at_limit = registry.invoke("Text", RESPONSE_LIMIT_BYTES - 2)
    assert at_limit.error is None
    assert len(at_limit.payload) == RESPONSE_LIMIT_BYTES - 2
    too_large = registry.invoke("Text", RESPONSE_LIMIT_BYTES - 1)
    assert too_large.payload is None
    assert too_large.error.kind == "response_too_large"
    assert too_large.error.error_type == "Function.ResponseSizeTooLarge"
    assert too_large.error.message == (
        "Response payload size exceeded maximum allowed payload size (6291556 bytes)."
    )
    assert not too_large.error.rejected
    assert registry.invoke("Text", 3).payload == "AAA"
    assert registry.pool("Text").workers[0].pid == pid


def test_worker_is_reused_between_invocations(registry, make_spec):
    registry.start([make_spec("Pid", "pid")])
    assert registry.invoke("Pid", {}).payload == registry.invoke("Pid", {}).payload


def test_import_error_is_an_init_error_on_every_invoke_when_reported(tmp_path, make_spec):
    with WorkerRegistry(log_dir=tmp_path, init_failures="report") as reporting:
        failures = reporting.start([make_spec("Broken", "broken.handler", code="broken_import")])
        assert [failure.logical_id for failure in failures] == ["Broken"]
        assert failures[0].error.kind == "init"
        results = [reporting.invoke("Broken", {}) for _ in range(2)]
    for result in results:
        assert result.error.kind == "init"
        assert result.error.error_type == "Runtime.ImportModuleError"
        assert "module_that_is_not_installed" in result.error.message
        assert "Traceback (most recent call last)" in result.logs


@pytest.mark.parametrize(
    ("source", "handler", "error_type", "detail"),
    [
        (
            "def handler(event, context):\n    return (\n",
            "bad.handler",
            "Runtime.UserCodeSyntaxError",
            "bad.py, line",
        ),
        (
            "import not_installed_anywhere\n",
            "bad.handler",
            "Runtime.ImportModuleError",
            "not_installed_anywhere",
        ),
        (
            "def other(event, context):\n    pass\n",
            "bad.handler",
            "Runtime.HandlerNotFound",
            "Handler 'handler' missing",
        ),
    ],
    ids=["syntax-error", "import-error", "handler-not-found"],
)
def test_an_init_failure_fails_start_naming_function_handler_and_error(
    tmp_path, source, handler, error_type, detail
):
    code = tmp_path / "code"
    code.mkdir()
    (code / "bad.py").write_text(source)
    spec = FunctionSpec("Bad", handler, [code], "python3.12", {}, 3, 128)
    with (
        WorkerRegistry(log_dir=tmp_path / "logs") as failing,
        pytest.raises(FunctionInitError) as raised,
    ):
        failing.start([spec])
    message = str(raised.value)
    assert f"function Bad (handler {handler}, python3.12): {error_type}: " in message
    assert detail in message
    assert [failure.error.kind for failure in raised.value.failures] == ["init"]


def test_close_does_not_wait_for_a_running_invocation(make_spec, tmp_path, is_running):
    from concurrent.futures import ThreadPoolExecutor

    registry = WorkerRegistry(log_dir=tmp_path)
    registry.start([make_spec("Slow", "sleepy", timeout_s=300)])
    pid = registry.pool("Slow").workers[0].pid
    with ThreadPoolExecutor(1) as executor:
        running = executor.submit(registry.invoke, "Slow", {})
        log = tmp_path / "Slow.log"
        deadline = time.monotonic() + 30
        while "going to sleep" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.01)
        registry.close()
        with pytest.raises(WorkersClosed, match=r"Slow.*stopped during invocation"):
            running.result(timeout=30)  # a bound for slow machines: the sleep is 600 s
    assert not is_running(pid)


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

    with WorkerRegistry(log_dir=tmp_path, max_concurrency=2) as pooled:
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
