"""Bad input is a 400 naming the field at fault, never a 5xx, and nothing is stored."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from harness import InProcessApi

VALID = {"name": "widget", "quantity": 1}


def fields_named(response: Any) -> set[str]:
    return {error["field"] for error in response.json()["errors"]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quantity": 1}, "name"),
        ({"name": "w"}, "quantity"),
        ({**VALID, "quantity": "3"}, "quantity"),
        ({**VALID, "quantity": 3.5}, "quantity"),
        ({**VALID, "quantity": True}, "quantity"),
        ({**VALID, "quantity": -1}, "quantity"),
        ({**VALID, "quantity": 1_000_001}, "quantity"),
        ({**VALID, "name": ""}, "name"),
        ({**VALID, "name": "x" * 101}, "name"),
        ({**VALID, "tags": ["t"] * 11}, "tags"),
        ({**VALID, "tags": ["x" * 31]}, "tags.0"),
        ({**VALID, "id": "has space"}, "id"),
        ({**VALID, "colour": "red"}, "colour"),
    ],
    ids=[
        "missing-name", "missing-quantity", "quantity-string", "quantity-float",
        "quantity-bool", "quantity-negative", "quantity-too-big", "name-empty",
        "name-too-long", "too-many-tags", "tag-too-long", "id-bad-pattern", "unknown-field",
    ],
)  # fmt: skip
def test_invalid_field_is_a_400_naming_it(
    api: InProcessApi, table: Any, body: dict[str, Any], field: str
) -> None:
    response = api.post("/items", json=body)
    assert response.status == 400, response.body
    assert field in fields_named(response)
    assert table.scan()["Count"] == 0


@pytest.mark.parametrize(
    "raw",
    ["{not json", "", "[1, 2]", '"a string"', "null", "[" * 5000 + "]" * 5000],
    ids=["malformed", "empty", "array", "string", "null", "deeply-nested"],
)
def test_a_body_that_is_not_an_item_object_is_a_400(api: InProcessApi, raw: str) -> None:
    response = api.post("/items", body=raw, headers={"content-type": "application/json"})
    assert response.status == 400, response.body
    assert response.json()["errors"]


def test_an_oversized_body_is_a_400_naming_the_body(api: InProcessApi) -> None:
    body = json.dumps({**VALID, "name": "w", "padding": "x" * 20_000})
    response = api.post("/items", body=body, headers={"content-type": "application/json"})
    assert response.status == 400
    assert fields_named(response) == {"body"}


@pytest.mark.parametrize("limit", ["0", "101", "abc", "-5"])
def test_an_invalid_limit_is_a_400_naming_it(api: InProcessApi, limit: str) -> None:
    response = api.get("/items", query={"limit": limit})
    assert response.status == 400
    assert "limit" in fields_named(response)


@pytest.mark.parametrize("token", ["garbage!", "", "x" * 65, "has space", "eyJpZCI6IDF9=="])
def test_a_page_token_not_of_the_documented_form_is_a_400_naming_next(
    api: InProcessApi, token: str
) -> None:
    response = api.get("/items", query={"next": token})
    assert response.status == 400
    assert "next" in fields_named(response)


@pytest.mark.parametrize("item_id", ["has space", "x" * 65, "ünïcode"])
def test_an_invalid_id_in_the_path_is_a_400_naming_id(api: InProcessApi, item_id: str) -> None:
    for method in (api.get, api.delete):
        response = method(f"/items/{quote(item_id)}")
        assert response.status == 400
        assert "id" in fields_named(response)
