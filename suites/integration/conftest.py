"""Integration-layer fixtures: an HTTP client on the stack's API that cleans up after itself."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from items_client import ItemsClient

from harness import Stack


@pytest.fixture(scope="session")
def http(api_url: str) -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture
def items(api_url: str, http: requests.Session) -> Iterator[ItemsClient]:
    client = ItemsClient(api_url, http)
    yield client
    client.cleanup()


@pytest.fixture(scope="session")
def table_name(stack: Stack) -> str:
    return stack.outputs["TableName"]
