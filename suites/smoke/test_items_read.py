"""Reading works and failures keep their contract; nothing here changes data."""

from __future__ import annotations

import pytest

from harness import ApiClient, SyntheticData

pytestmark = pytest.mark.readonly


def test_list_returns_a_page_and_each_item_reads_back(smoke_api: ApiClient) -> None:
    response = smoke_api.get("items", params={"limit": 3})
    assert response.status_code == 200, response.text
    page = response.json()
    assert isinstance(page["items"], list)
    assert len(page["items"]) <= 3
    assert "next" in page
    for listed in page["items"]:
        read = smoke_api.get(f"items/{listed['id']}")
        assert read.status_code == 200, read.text
        assert read.json() == listed


def test_unknown_item_is_404_naming_the_id(smoke_api: ApiClient, smoke_run: SyntheticData) -> None:
    missing = f"{smoke_run.prefix}never-created"
    response = smoke_api.get(f"items/{missing}")
    assert response.status_code == 404, response.text
    assert response.json() == {"message": "item not found", "id": missing}


def test_invalid_query_is_400_naming_the_field(smoke_api: ApiClient) -> None:
    response = smoke_api.get("items", params={"limit": 0})
    assert response.status_code == 400, response.text
    body = response.json()
    assert isinstance(body["message"], str)
    assert [error["field"] for error in body["errors"]] == ["limit"]
