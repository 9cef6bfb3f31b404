"""Creating, reading and deleting through the deployed API; every item made is removed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from harness import ApiClient

pytestmark = pytest.mark.mutating


def test_create_read_delete_round_trip(
    smoke_api: ApiClient, new_item: Callable[..., dict[str, Any]]
) -> None:
    new = new_item(name="smoke round trip", quantity=3, tags=["smoke", "crud"])

    created = smoke_api.post("items", json=new)
    assert created.status_code == 201, created.text
    item = created.json()
    assert {k: item[k] for k in new} == new
    stamped = datetime.fromisoformat(item["created_at"])
    assert stamped.utcoffset() == UTC.utcoffset(None)

    read = smoke_api.get(f"items/{new['id']}")
    assert read.status_code == 200, read.text
    assert read.json() == item

    deleted = smoke_api.delete(f"items/{new['id']}")
    assert deleted.status_code == 204, deleted.text
    gone = smoke_api.get(f"items/{new['id']}")
    assert gone.status_code == 404, gone.text


def test_invalid_body_is_400_naming_the_field(
    smoke_api: ApiClient, new_item: Callable[..., dict[str, Any]]
) -> None:
    body = new_item(quantity="three")
    response = smoke_api.post("items", json=body)
    assert response.status_code == 400, response.text
    assert "quantity" in [error["field"] for error in response.json()["errors"]]


def test_a_write_without_the_token_is_refused(
    smoke_api: ApiClient, new_item: Callable[..., dict[str, Any]]
) -> None:
    new = new_item(name="smoke unauthorised")
    refused = smoke_api.request("POST", "items", json=new, headers={"Authorization": None})
    assert refused.status_code == 401, refused.text
    assert smoke_api.get(f"items/{new['id']}").status_code == 404
