"""Shared fixtures of the target tests: one moto server for the module that asks for it."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness.targets.embedded.moto_server import MotoServer
from harness.targets.embedded.target import EmbeddedTarget


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
