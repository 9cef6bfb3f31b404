"""CRUD through the HTTP API, checked against DynamoDB through the target's own client."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from items_client import ItemsClient

from harness import Stack

pytestmark = pytest.mark.requires("http_api")


@pytest.mark.readonly
def test_health_is_ok(items: ItemsClient) -> None:
    response = items.request("GET", "/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.mutating
def test_created_item_is_in_the_table(items: ItemsClient, stack: Stack, table_name: str) -> None:
    created = items.create(name="persisted", quantity=4, tags=["x"])
    stored = stack.client("dynamodb").get_item(
        TableName=table_name, Key={"id": {"S": created["id"]}}
    )["Item"]
    assert stored["name"] == {"S": "persisted"}
    assert stored["quantity"] == {"N": "4"}


@pytest.mark.mutating
def test_get_returns_what_was_created(items: ItemsClient) -> None:
    created = items.create()
    response = items.request("GET", f"/items/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


@pytest.mark.mutating
def test_delete_removes_the_item_from_the_table(
    items: ItemsClient, stack: Stack, table_name: str
) -> None:
    created = items.create()
    assert items.request("DELETE", f"/items/{created['id']}").status_code == 204
    record = stack.client("dynamodb").get_item(
        TableName=table_name, Key={"id": {"S": created["id"]}}
    )
    assert "Item" not in record
    assert items.request("GET", f"/items/{created['id']}").status_code == 404


@pytest.mark.mutating
def test_a_duplicate_id_is_a_409(items: ItemsClient) -> None:
    created = items.create(name="first")
    response = items.request(
        "POST", "/items", json={"id": created["id"], "name": "x", "quantity": 1}
    )
    assert response.status_code == 409
    assert items.request("GET", f"/items/{created['id']}").json()["name"] == "first"


@pytest.mark.mutating
def test_concurrent_creates_are_all_persisted(
    items: ItemsClient, stack: Stack, table_name: str
) -> None:
    ids = [items.new_id() for _ in range(16)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(
            pool.map(
                lambda item_id: (
                    items.request(
                        "POST", "/items", json={"id": item_id, "name": "c", "quantity": 1}
                    ).status_code
                ),
                ids,
            )
        )
    assert statuses == [201] * len(ids)
    dynamodb = stack.client("dynamodb")
    found = dynamodb.batch_get_item(
        RequestItems={table_name: {"Keys": [{"id": {"S": item_id}} for item_id in ids]}}
    )["Responses"][table_name]
    assert sorted(record["id"]["S"] for record in found) == sorted(ids)


@pytest.mark.mutating
def test_paging_across_pages_sees_every_created_item_once(items: ItemsClient) -> None:
    created = {items.create(quantity=n)["id"] for n in range(7)}
    seen: list[str] = []
    params = {"limit": "3"}
    for _ in range(1000):
        page = items.request("GET", "/items", params=params).json()
        assert len(page["items"]) <= 3
        seen += [item["id"] for item in page["items"]]
        if page["next"] is None:
            break
        params["next"] = page["next"]
    assert len(seen) == len(set(seen)), "an item was listed twice"
    assert created <= set(seen)
