"""POST /items: what is stored, what comes back, and the ids clients may choose."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from harness import InProcessApi


def test_create_returns_201_with_the_stored_item(api: InProcessApi, table: Any) -> None:
    response = api.post("/items", json={"name": "widget", "quantity": 3, "tags": ["blue"]})
    assert response.status == 201
    item = response.json()
    assert item["name"] == "widget"
    assert item["quantity"] == 3
    assert item["tags"] == ["blue"]
    stored = table.get_item(Key={"id": item["id"]})["Item"]
    assert stored["name"] == "widget"
    assert int(stored["quantity"]) == 3


def test_a_whole_number_written_with_a_fraction_is_that_integer(
    api: InProcessApi, table: Any
) -> None:
    response = api.post("/items", json={"name": "widget", "quantity": 178.0})
    assert response.status == 201
    assert type(response.json()["quantity"]) is int
    assert response.json()["quantity"] == 178
    assert int(table.get_item(Key={"id": response.json()["id"]})["Item"]["quantity"]) == 178


def test_create_generates_an_id_and_a_utc_timestamp(api: InProcessApi) -> None:
    item = api.post("/items", json={"name": "widget", "quantity": 0}).json()
    assert len(item["id"]) == 32
    created = datetime.fromisoformat(item["created_at"])
    assert created.utcoffset() is not None
    assert created.utcoffset().total_seconds() == 0


def test_tags_default_to_an_empty_list(api: InProcessApi) -> None:
    assert api.post("/items", json={"name": "w", "quantity": 1}).json()["tags"] == []


def test_create_honours_a_client_chosen_id(api: InProcessApi) -> None:
    response = api.post("/items", json={"id": "smoke-run-1", "name": "w", "quantity": 1})
    assert response.status == 201
    assert api.get("/items/smoke-run-1").json()["name"] == "w"


def test_creating_an_existing_id_is_a_409_and_keeps_the_original(api: InProcessApi) -> None:
    api.post("/items", json={"id": "dup", "name": "first", "quantity": 1})
    response = api.post("/items", json={"id": "dup", "name": "second", "quantity": 2})
    assert response.status == 409
    assert response.json()["id"] == "dup"
    assert api.get("/items/dup").json()["name"] == "first"


def test_responses_are_json(api: InProcessApi) -> None:
    response = api.post("/items", json={"name": "w", "quantity": 1})
    assert response.headers["content-type"].startswith("application/json")
