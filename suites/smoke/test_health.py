"""The API is up and describes itself."""

from __future__ import annotations

import pytest

from harness import ApiClient

pytestmark = pytest.mark.readonly


def test_health_answers_ok(smoke_api: ApiClient) -> None:
    response = smoke_api.get("health")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ok"}


def test_openapi_document_is_served(smoke_api: ApiClient) -> None:
    response = smoke_api.get("openapi.json")
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert {"/health", "/items", "/items/{id}"} <= set(document["paths"])
