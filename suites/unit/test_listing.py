"""GET /items: pages, limits and paging tokens."""

from __future__ import annotations

from harness import InProcessApi


def create(api: InProcessApi, count: int) -> set[str]:
    return {
        api.post("/items", json={"name": f"item {n}", "quantity": n}).json()["id"]
        for n in range(count)
    }


def test_an_empty_table_lists_nothing_and_has_no_next_page(api: InProcessApi) -> None:
    response = api.get("/items")
    assert response.status == 200
    assert response.json() == {"items": [], "next": None}


def test_limit_caps_the_page_and_next_continues(api: InProcessApi) -> None:
    ids = create(api, 5)
    first = api.get("/items", query={"limit": "2"}).json()
    assert len(first["items"]) == 2
    assert first["next"]
    second = api.get("/items", query={"limit": "2", "next": first["next"]}).json()
    assert len(second["items"]) == 2
    seen = {item["id"] for item in first["items"] + second["items"]}
    assert len(seen) == 4
    assert seen <= ids


def test_the_default_page_holds_twenty_items(api: InProcessApi) -> None:
    create(api, 25)
    assert len(api.get("/items").json()["items"]) == 20


def test_any_token_of_the_documented_form_continues_the_listing(api: InProcessApi) -> None:
    ids = create(api, 3)
    never_issued = api.get("/items", query={"next": "no-item-has-this-id"})
    assert never_issued.status == 200
    assert {item["id"] for item in never_issued.json()["items"]} <= ids
