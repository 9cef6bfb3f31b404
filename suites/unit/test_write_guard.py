"""The write routes' guard: the stage's API token (Secrets Manager) and writes switch (SSM).

Refusals come before validation and routing, so a client without the token learns nothing
about what the routes accept; both values are cached per execution environment for their
max age, and a rotated token or a flipped switch takes over once the cache expires.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parameters import base as parameters_base

from harness import InProcessApi

NEW_ITEM = {"id": "guarded", "name": "w", "quantity": 1}
WRITE_OPERATIONS = {("post", "/items"), ("delete", "/items/{id}")}


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """``clock(seconds)``: Powertools' parameter cache sees the time that much later.

    Its cache compares each entry's expiry with ``datetime.now()`` of its ``base`` module,
    so moving that clock is how a test lets a max age pass without sleeping through it.
    """

    def advance(seconds: float) -> None:
        class Later(datetime):
            @classmethod
            def now(cls, tz: Any = None) -> Any:
                return datetime.now(tz) + timedelta(seconds=seconds)

        monkeypatch.setattr(parameters_base, "datetime", Later)

    return advance


def test_a_create_without_a_token_is_a_401_with_a_bearer_challenge(
    api: InProcessApi, table: Any
) -> None:
    response = api.post("/items", json=NEW_ITEM, headers={"authorization": None})
    assert response.status == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="items"'
    assert "Bearer" in response.json()["message"]
    assert "Item" not in table.get_item(Key={"id": "guarded"})


def test_a_wrong_token_is_a_401_invalid_token(api: InProcessApi, table: Any) -> None:
    response = api.post("/items", json=NEW_ITEM, headers={"authorization": "Bearer not-it"})
    assert response.status == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert response.json() == {"message": "the API token is not valid"}
    assert "Item" not in table.get_item(Key={"id": "guarded"})


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "the-token-alone"])
def test_a_token_not_sent_as_bearer_is_a_401(api: InProcessApi, header: str) -> None:
    assert api.post("/items", json=NEW_ITEM, headers={"authorization": header}).status == 401


def test_the_right_token_creates_whatever_the_schemes_case(
    api: InProcessApi, write_guard: Any
) -> None:
    response = api.post(
        "/items", json=NEW_ITEM, headers={"authorization": f"bearer {write_guard.token}"}
    )
    assert response.status == 201, response.body


def test_a_delete_without_the_token_keeps_the_item(api: InProcessApi, table: Any) -> None:
    api.post("/items", json=NEW_ITEM)
    response = api.delete("/items/guarded", headers={"authorization": "Bearer not-it"})
    assert response.status == 401
    assert "Item" in table.get_item(Key={"id": "guarded"})


def test_the_token_is_checked_before_the_body_is_validated(api: InProcessApi) -> None:
    response = api.post("/items", json={"quantity": "three"}, headers={"authorization": None})
    assert response.status == 401


def test_reads_need_no_token(api: InProcessApi) -> None:
    assert api.get("/items", headers={"authorization": None}).status == 200


def test_a_rotated_token_takes_over_after_five_minutes(
    api: InProcessApi, write_guard: Any, clock: Callable[[float], None]
) -> None:
    old = {"authorization": f"Bearer {write_guard.token}"}
    new = {"authorization": "Bearer rotated0token0value"}
    assert api.post("/items", json={**NEW_ITEM, "id": "before"}, headers=old).status == 201
    write_guard.rotate("rotated0token0value")

    # Within the max age the cached token holds: no Secrets Manager call per request.
    clock(299)
    assert api.post("/items", json={**NEW_ITEM, "id": "cached"}, headers=old).status == 201
    assert api.post("/items", json={**NEW_ITEM, "id": "early"}, headers=new).status == 401

    clock(301)
    assert api.post("/items", json={**NEW_ITEM, "id": "after"}, headers=new).status == 201
    assert api.post("/items", json={**NEW_ITEM, "id": "stale"}, headers=old).status == 401


def test_paused_writes_are_a_503_with_retry_after_and_reads_go_on(
    api: InProcessApi, write_guard: Any, table: Any
) -> None:
    write_guard.set_writes_enabled("false")
    response = api.post("/items", json=NEW_ITEM)
    assert response.status == 503
    assert response.headers["retry-after"] == "60"
    assert "paused" in response.json()["message"]
    assert "Item" not in table.get_item(Key={"id": "guarded"})
    assert api.get("/items").status == 200


def test_the_switch_is_followed_within_a_minute(
    api: InProcessApi, write_guard: Any, clock: Callable[[float], None]
) -> None:
    assert api.post("/items", json={**NEW_ITEM, "id": "open"}).status == 201
    write_guard.set_writes_enabled("false")
    clock(59)
    assert api.post("/items", json={**NEW_ITEM, "id": "cached"}).status == 201
    clock(61)
    assert api.post("/items", json={**NEW_ITEM, "id": "closed"}).status == 503


def test_the_document_says_which_operations_need_the_token(api: InProcessApi) -> None:
    document = api.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if (method, path) in WRITE_OPERATIONS:
                assert operation["security"] == [{"bearerAuth": []}], (method, path)
                assert {"401", "503"} <= set(operation["responses"]), (method, path)
            else:
                assert "security" not in operation, (method, path)
