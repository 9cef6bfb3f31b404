"""The data layer (``items.store``) on its own, against the session's moto backend."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from harness import MotoUnitBackend


@pytest.fixture
def store(lambda_handler: Any, unit_aws: MotoUnitBackend) -> Any:
    lambda_handler("ItemsWriteFunction")  # imports the package with its environment set
    import items.store

    return items.store


def new_item(item_id: str) -> Any:
    from items.models import Item

    return Item(id=item_id, name="w", quantity=1, tags=[], created_at=datetime.now(UTC))


def test_insert_then_fetch(store: Any) -> None:
    store.insert_item(new_item("a"))
    assert store.fetch_item("a").name == "w"


def test_insert_never_overwrites(store: Any) -> None:
    from items.errors import ItemAlreadyExistsError

    store.insert_item(new_item("a"))
    with pytest.raises(ItemAlreadyExistsError):
        store.insert_item(new_item("a"))


def test_fetch_and_delete_of_a_missing_item_raise_not_found(store: Any) -> None:
    from items.errors import ItemNotFoundError

    with pytest.raises(ItemNotFoundError):
        store.fetch_item("missing")
    with pytest.raises(ItemNotFoundError):
        store.delete_item("missing")


def test_scan_pages_with_a_last_key(store: Any) -> None:
    for n in range(3):
        store.insert_item(new_item(f"s{n}"))
    items, last_key = store.scan_items(2, None)
    assert len(items) == 2
    assert last_key is not None
    rest, end = store.scan_items(2, last_key)
    assert {i.id for i in items + rest} == {"s0", "s1", "s2"}
    assert end is None
