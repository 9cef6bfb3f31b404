"""The items API's side of the smoke gate's contract: how its synthetic items are made and cleaned.

The harness tags, records and deletes synthetic data and sweeps stale leftovers; what an
item is and which requests create, delete and list items is this app's own business, so
it lives here (see ``harness.SyntheticContract``).

Creating and deleting need the stage's API token. It is read at run time, only once a test
that writes asks for the contract (so the read-only prod gate never reads it): from
``ITEMS_API_TOKEN`` when the pipeline's CodeBuild action resolved it from Secrets Manager
(a ``SECRETS_MANAGER`` variable), else from the secret the stack's ``ApiTokenSecretArn``
output names (a laptop, the embedded target, a stage in another account). Never from a file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest

from harness import ApiClient, Stack, SyntheticData, SyntheticRecord

SWEEP_PAGE = 100
TOKEN_VARIABLE = "ITEMS_API_TOKEN"
TOKEN_SECRET_OUTPUT = "ApiTokenSecretArn"


class ItemsContract:
    """Items are deleted by ``DELETE /items/{id}`` and listed page by page by ``GET /items``."""

    def delete(self, client: ApiClient, record_id: str) -> str | None:
        response = client.delete(f"items/{record_id}")
        if response.status_code in (204, 404):  # both mean gone
            return None
        return f"DELETE items/{record_id}: HTTP {response.status_code}"

    def listing(self, client: ApiClient) -> Iterator[SyntheticRecord]:
        params: dict[str, Any] = {"limit": SWEEP_PAGE}
        while True:
            response = client.get("items", params=params)
            response.raise_for_status()
            page = response.json()
            for item in page["items"]:
                yield SyntheticRecord(item["id"], datetime.fromisoformat(item["created_at"]))
            if not page.get("next"):
                return
            params = {"limit": SWEEP_PAGE, "next": page["next"]}


def read_api_token(stack: Stack) -> str:
    """The write routes' token: CodeBuild's resolved variable, else Secrets Manager."""
    resolved = os.environ.get(TOKEN_VARIABLE, "")
    if resolved:
        return resolved
    secret = stack.client("secretsmanager").get_secret_value(
        SecretId=stack.outputs[TOKEN_SECRET_OUTPUT]
    )
    return str(json.loads(secret["SecretString"])["token"])


@pytest.fixture(scope="session")
def smoke_synthetic_contract(smoke_api: ApiClient, smoke_stack: Stack) -> ItemsContract:
    """The contract, once the gate's client sends the token on every request."""
    smoke_api.session.headers["Authorization"] = f"Bearer {read_api_token(smoke_stack)}"
    return ItemsContract()


@pytest.fixture
def new_item(synthetic_data: SyntheticData) -> Callable[..., dict[str, Any]]:
    """``new_item(**fields)``: a create-request body with a fresh synthetic id, recorded first."""

    def make(**fields: Any) -> dict[str, Any]:
        body = {"name": "smoke check", "quantity": 1, "tags": ["smoke"], **fields}
        body["id"] = synthetic_data.new_id()
        return body

    return make
