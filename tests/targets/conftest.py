"""Shared fixtures of the target tests: a moto server, a sample app, a ``harness up`` process."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.targets.embedded.moto_server import MotoServer
from harness.targets.embedded.target import EmbeddedTarget
from harness.targets.embedded.up_state import STATE_FILE_ENV, UpState, read_running

REPOSITORY = Path(__file__).resolve().parents[2]
UP_DEADLINE_S = 120


@dataclass
class RunningUp:
    """A ``python -m harness up`` subprocess, its merged output in a file, its state file."""

    process: subprocess.Popen[bytes]
    output: Path
    state_path: Path

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def wait_for(self, pattern: str) -> re.Match[str]:
        deadline = time.monotonic() + UP_DEADLINE_S
        while time.monotonic() < deadline:
            found = re.search(pattern, self.text(), re.MULTILINE)
            if found:
                return found
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"no {pattern!r} in the output of harness up:\n{self.text()}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=UP_DEADLINE_S)


def start_up(arguments: Sequence[str], workdir: Path) -> RunningUp:
    """Start ``harness up ARGUMENTS`` in the repository, its state file in ``workdir``."""
    output = workdir / "up.out"
    state_path = workdir / "state.json"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "harness", "up", *arguments],
            cwd=REPOSITORY,
            env={**os.environ, STATE_FILE_ENV: str(state_path)},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    return RunningUp(process, output, state_path)


def run_harness(arguments: Sequence[str], state_path: Path) -> subprocess.CompletedProcess[str]:
    """``python -m harness ARGUMENTS`` to its end, in the repository, with that state file."""
    return subprocess.run(
        [sys.executable, "-m", "harness", *arguments],
        cwd=REPOSITORY,
        env={**os.environ, STATE_FILE_ENV: str(state_path)},
        capture_output=True,
        text=True,
        timeout=UP_DEADLINE_S,
        check=False,
    )


@pytest.fixture(scope="module")
def running_up(tmp_path_factory: pytest.TempPathFactory, sample_app: Path) -> Iterator[RunningUp]:
    """A ``harness up`` of the sample app for the module (each module that asks, its own)."""
    running = start_up(["--template", str(sample_app)], tmp_path_factory.mktemp("up"))
    try:
        running.wait_for("^Serving")
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def state(running_up: RunningUp) -> UpState:
    """What the module's ``harness up`` published in its state file."""
    found = read_running(running_up.state_path)
    assert found is not None, f"no live state in {running_up.state_path}"
    return found


@pytest.fixture(scope="module")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """boto3 client keyword arguments for a fresh moto server."""
    server = MotoServer(request_log=tmp_path_factory.mktemp("moto") / "requests.log")
    yield {
        "endpoint_url": server.endpoint_url,
        "region_name": "us-east-1",
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    server.stop()


@pytest.fixture(scope="module")
def embedded_target() -> Iterator[EmbeddedTarget]:
    """An embedded target for the module, sharing the repository's build cache."""
    started = EmbeddedTarget(region="us-east-1", cache_dir=Path(".cache/harness-builds"))
    yield started
    started.teardown()


@pytest.fixture(scope="session")
def sample_app() -> Path:
    """A small SAM app of our own: the target tests must not depend on ``app/``."""
    return Path(__file__).parent / "sample_app" / "template.yaml"


ONE_FUNCTION_APP = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.lambda_handler
      Runtime: python3.12
      Timeout: {timeout}
{extra}      Events:
{events}
Outputs:
  ApiUrl:
    Value: !Sub "https://${{ServerlessHttpApi}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/"
"""

AppWriter = Callable[..., Path]


@pytest.fixture
def write_app(tmp_path: Path) -> AppWriter:
    """Write a one-function SAM app (the shape of SAM's hello-world) and return its template.

    ``app.lambda_handler`` holds ``handler_source``; each of ``paths`` is a GET route of the
    implicit HTTP API; ``extra`` is YAML added to the function's properties.
    """

    def write(
        handler_source: str,
        *,
        paths: tuple[str, ...] = ("/hello",),
        timeout: int = 30,
        extra: str = "",
        directory: str = "app",
    ) -> Path:
        root = tmp_path / directory
        (root / "src").mkdir(parents=True)
        (root / "src" / "app.py").write_text(handler_source)
        events = "\n".join(
            f"        Route{index}:\n          Type: HttpApi\n"
            f"          Properties: {{Path: {path}, Method: GET}}"
            for index, path in enumerate(paths)
        )
        template = root / "template.yaml"
        template.write_text(
            ONE_FUNCTION_APP.format(
                timeout=timeout, extra=textwrap.indent(extra, " " * 6), events=events
            )
        )
        return template

    return write
