"""The embedded target's Lambda side end to end: INIT at deploy, reserved concurrency.

Each test writes a small SAM app of the shape public samples use (an HTTP API event per
function, ``CodeUri: src/``) so the harness is proven on apps other than ours.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from harness.targets.base import StackNotReady, make_client
from harness.targets.embedded.target import EmbeddedTarget

CACHE = Path(".cache/harness-builds")

HOLDING_HANDLER = """\
import os, time
from pathlib import Path

def lambda_handler(event, context):
    directory = Path(os.environ["HOLD_DIR"])
    (directory / f"started-{os.getpid()}").touch()
    while not (directory / "release").exists():
        time.sleep(0.01)
    return {"statusCode": 200, "body": "released"}
"""


def worker_pids_of(stack_name: str) -> list[int]:
    """PIDs of live worker processes whose function belongs to ``stack_name``."""
    marker = f"AWS_LAMBDA_FUNCTION_NAME={stack_name}-".encode()
    pids = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker in environ.read_bytes():
                pids.append(int(environ.parent.name))
        except OSError:
            continue
    return pids


@pytest.fixture(scope="module")
def target() -> Iterator[EmbeddedTarget]:
    started = EmbeddedTarget(region="us-east-1", cache_dir=CACHE)
    yield started
    started.teardown()


def test_a_syntax_error_fails_the_deploy_naming_it_and_leaves_nothing(target, write_app):
    template = write_app("def lambda_handler(event, context):\n    return (\n")
    with pytest.raises(StackNotReady) as failed:
        target.deploy(template, "broken-syntax", {})
    message = str(failed.value)
    assert "'broken-syntax'" in message
    assert "function HelloFunction (handler app.lambda_handler, python3.12)" in message
    assert "Runtime.UserCodeSyntaxError" in message
    assert "app.py, line 2" in message
    assert worker_pids_of("broken-syntax") == []
    with pytest.raises(StackNotReady, match="was not deployed"):
        target.stack("broken-syntax")
    cloudformation = make_client("cloudformation", target.endpoint)
    statuses = [
        summary["StackStatus"]
        for summary in cloudformation.list_stacks()["StackSummaries"]
        if summary["StackName"] == "broken-syntax"
    ]
    assert statuses == ["DELETE_COMPLETE"]


def test_reported_init_failures_deploy_answer_500_and_are_listed(write_app):
    template = write_app("import not_installed_anywhere\n")
    reporting = EmbeddedTarget(region="us-east-1", cache_dir=CACHE, init_failures="report")
    try:
        stack = reporting.deploy(template, "broken-import", {})
        gaps = {gap.logical_id: gap.reason for gap in stack.emulation_gaps}
        assert "Runtime.ImportModuleError" in gaps["HelloFunction"]
        assert "harness_init_failures = report" in gaps["HelloFunction"]
        mark = stack.log_mark()
        assert requests.get(stack.api_url + "hello", timeout=30).status_code == 500
        assert "(init)" in stack.failure_logs(mark)
    finally:
        reporting.teardown()


def test_reserved_concurrency_from_the_template_throttles_the_second_request(
    target, tmp_path, write_app
):
    hold = tmp_path / "hold"
    hold.mkdir()
    extra = f"ReservedConcurrentExecutions: 1\nEnvironment:\n  Variables:\n    HOLD_DIR: {hold}\n"
    stack = target.deploy(write_app(HOLDING_HANDLER, extra=extra), "reserved", {})
    assert stack.workers is not None
    assert stack.workers.pool("HelloFunction").capacity == 1
    first: list[requests.Response] = []
    holding = threading.Thread(
        target=lambda: first.append(requests.get(stack.api_url + "hello", timeout=60))
    )
    holding.start()
    try:
        deadline = time.monotonic() + 30
        while not list(hold.glob("started-*")) and time.monotonic() < deadline:
            time.sleep(0.01)
        mark = stack.log_mark()
        assert requests.get(stack.api_url + "hello", timeout=30).status_code == 500
        assert "(throttled)" in stack.failure_logs(mark)
    finally:
        (hold / "release").touch()
        holding.join(60)
    assert first[0].status_code == 200
