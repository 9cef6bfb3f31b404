"""Shared fixtures of the target tests: one moto server for the module that asks for it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.targets.embedded.moto_server import MotoServer


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


@pytest.fixture(scope="session")
def sample_app() -> Path:
    """A small SAM app of our own: the target tests must not depend on ``app/``."""
    return Path(__file__).parent / "sample_app" / "template.yaml"
