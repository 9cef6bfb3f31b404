"""Integration-layer fixtures: an HTTP client on the stack's API that cleans up after itself.

Every request of the session carries the stage's API token, read at run time from the secret
the stack's ``ApiTokenSecretArn`` output names: the suite's role must be allowed to read that
one secret (the stage's test role of pipeline/stage-bootstrap.yaml is), and no token is ever
written down.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests
from items_client import ItemsClient

from harness import Stack

TOKEN_SECRET_OUTPUT = "ApiTokenSecretArn"


@pytest.fixture(scope="session")
def api_token(stack: Stack) -> str:
    """The write routes' bearer token, from Secrets Manager through the stack's output."""
    secret = stack.client("secretsmanager").get_secret_value(
        SecretId=stack.outputs[TOKEN_SECRET_OUTPUT]
    )
    return str(json.loads(secret["SecretString"])["token"])


@pytest.fixture(scope="session")
def http(api_url: str, api_token: str) -> Iterator[requests.Session]:
    """A session whose every request sends ``Authorization: Bearer <token>``."""
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {api_token}"
        yield session


@pytest.fixture
def items(api_url: str, http: requests.Session) -> Iterator[ItemsClient]:
    client = ItemsClient(api_url, http)
    yield client
    client.cleanup()


@pytest.fixture(scope="session")
def table_name(stack: Stack) -> str:
    return stack.outputs["TableName"]
