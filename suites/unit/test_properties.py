"""Hypothesis properties of the API, run against the session's moto backend.

Each example empties the tables itself (``unit_backend.reset()``): Hypothesis runs many
examples inside one test, so a function-scoped fixture would leak state between them.
"""

from __future__ import annotations

import string
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness import InProcessApi, MotoUnitBackend

PROPERTY_SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

names = st.text(min_size=1, max_size=100)
tags = st.lists(st.text(min_size=1, max_size=30), max_size=10)
item_ids = st.text(alphabet=string.ascii_letters + string.digits + "_-", min_size=1, max_size=64)
valid_items = st.fixed_dictionaries(
    {"name": names, "quantity": st.integers(0, 1_000_000)},
    optional={"tags": tags, "id": item_ids},
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def valid_items_check(body: Any) -> bool:
    """Mirror of the contract, used only to filter generated bodies to invalid ones."""
    if not isinstance(body, dict) or not {"name", "quantity"} <= set(body):
        return False
    if set(body) - {"name", "quantity", "tags", "id"}:
        return False
    quantity, name = body["quantity"], body["name"]
    return (
        type(quantity) is int
        and 0 <= quantity <= 1_000_000
        and isinstance(name, str)
        and 1 <= len(name) <= 100
    )


invalid_items = st.one_of(
    json_values.filter(lambda body: not valid_items_check(body)),
    valid_items.flatmap(
        lambda item: st.sampled_from(
            [
                {**item, "quantity": str(item["quantity"])},
                {**item, "name": ""},
                {**item, "unexpected": True},
                {key: value for key, value in item.items() if key != "name"},
            ]
        )
    ),
)


@PROPERTY_SETTINGS
@given(item=valid_items)
def test_any_valid_item_round_trips_unchanged(
    token_api: InProcessApi, unit_backend: MotoUnitBackend, item: dict[str, Any]
) -> None:
    unit_backend.reset()
    created = token_api.post("/items", json=item)
    assert created.status == 201, created.body
    stored = created.json()
    expected = {"tags": [], **item}
    assert {key: stored[key] for key in expected} == expected
    assert token_api.get(f"/items/{stored['id']}").json() == stored
    assert token_api.get("/items").json()["items"] == [stored]


@PROPERTY_SETTINGS
@given(body=invalid_items)
def test_any_invalid_body_is_a_400_and_stores_nothing(
    token_api: InProcessApi, unit_backend: MotoUnitBackend, body: Any
) -> None:
    unit_backend.reset()
    response = token_api.post("/items", json=body)
    assert response.status == 400, (body, response.body)
    assert response.json()["errors"]
    assert unit_backend.table("ItemsTable").scan()["Count"] == 0


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(total=st.integers(0, 30), page_size=st.integers(1, 100))
def test_paging_returns_every_item_exactly_once(
    token_api: InProcessApi, unit_backend: MotoUnitBackend, total: int, page_size: int
) -> None:
    unit_backend.reset()
    with unit_backend.table("ItemsTable").batch_writer() as batch:
        for n in range(total):
            batch.put_item(
                Item={"id": f"i{n}", "name": "w", "quantity": n, "tags": [],
                      "created_at": "2026-01-01T00:00:00Z"}
            )  # fmt: skip
    seen: list[str] = []
    query = {"limit": str(page_size)}
    while True:
        page = token_api.get("/items", query=query).json()
        assert len(page["items"]) <= page_size
        seen += [item["id"] for item in page["items"]]
        if page["next"] is None:
            break
        query["next"] = page["next"]
    assert sorted(seen) == sorted(f"i{n}" for n in range(total))
