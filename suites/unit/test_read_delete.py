"""GET /items/{id}, DELETE /items/{id}, GET /health and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from harness import InProcessApi, SamModel


def test_get_returns_what_was_created(api: InProcessApi) -> None:
    created = api.post("/items", json={"name": "w", "quantity": 7, "tags": ["a", "b"]}).json()
    response = api.get(f"/items/{created['id']}")
    assert response.status == 200
    assert response.json() == created


def test_get_unknown_id_is_a_404_naming_it(api: InProcessApi) -> None:
    response = api.get("/items/nope")
    assert response.status == 404
    assert response.json() == {"message": "item not found", "id": "nope"}


def test_delete_removes_the_item(api: InProcessApi, table: Any) -> None:
    created = api.post("/items", json={"id": "gone", "name": "w", "quantity": 1}).json()
    response = api.delete(f"/items/{created['id']}")
    assert response.status == 204
    assert response.body == ""
    assert "Item" not in table.get_item(Key={"id": "gone"})
    assert api.get("/items/gone").status == 404


def test_delete_unknown_id_is_a_404(api: InProcessApi) -> None:
    assert api.delete("/items/never-there").status == 404


def test_health_answers_ok(api: InProcessApi) -> None:
    response = api.get("/health")
    assert response.status == 200
    assert response.json() == {"status": "ok"}


def test_openapi_document_lists_every_route_of_the_template(
    api: InProcessApi, sam_model: SamModel
) -> None:
    document = api.get("/openapi.json").json()
    assert document["openapi"].startswith("3.")
    served = {
        (method.upper(), path.replace("<", "{").replace(">", "}"))
        for path, operations in document["paths"].items()
        for method in operations
    }
    declared = {(route.method, route.path) for route in sam_model.routes}
    assert declared <= served, f"routes missing from the OpenAPI document: {declared - served}"


def test_openapi_document_links_a_created_item_to_its_read_and_delete(api: InProcessApi) -> None:
    document = api.get("/openapi.json").json()
    operations = {
        operation["operationId"]: operation
        for path_operations in document["paths"].values()
        for operation in path_operations.values()
    }
    links = operations["createItem"]["responses"]["201"]["links"].values()
    assert {link["operationId"] for link in links} == {"getItem", "deleteItem"}
    assert all(link["parameters"] == {"id": "$response.body#/id"} for link in links)
    assert all("429" in operation["responses"] for operation in operations.values())
