"""The error contract and the API's self-description, over real HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
from items_client import ItemsClient

from harness.sam import read_sam_model
from harness.targets.base import Stack
from harness.template.loader import load_document

pytestmark = [pytest.mark.requires("http_api"), pytest.mark.readonly]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quantity": 1}, "name"),
        ({"name": "w", "quantity": "1"}, "quantity"),
        ({"name": "w", "quantity": 1, "extra": True}, "extra"),
    ],
    ids=["missing-name", "quantity-as-string", "unknown-field"],
)
def test_an_invalid_body_is_a_400_naming_the_field(
    items: ItemsClient, body: dict[str, object], field: str
) -> None:
    response = items.request("POST", "/items", json=body)
    assert response.status_code == 400
    assert field in {error["field"] for error in response.json()["errors"]}


def test_malformed_json_is_a_400_naming_the_body(items: ItemsClient) -> None:
    response = items.request(
        "POST", "/items", data="{oops", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert {error["field"] for error in response.json()["errors"]} == {"body"}


def test_an_unknown_id_is_a_404_naming_it(items: ItemsClient) -> None:
    response = items.request("GET", f"/items/{items.new_id()}")
    assert response.status_code == 404
    assert response.json()["message"] == "item not found"


def test_an_unknown_route_is_api_gateways_404(items: ItemsClient) -> None:
    response = items.request("GET", "/no/such/route")
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}


def test_openapi_document_matches_the_templates_routes(
    items: ItemsClient, app_template_path: Path, app_parameters: dict[str, str]
) -> None:
    document = items.request("GET", "/openapi.json").json()
    served = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    declared = {
        (r.method, r.path) for r in read_sam_model(app_template_path, app_parameters).routes
    }
    assert served == declared


def test_the_table_has_the_templates_key_schema(
    stack: Stack, table_name: str, app_template_path: Path
) -> None:
    template_table = load_document(app_template_path)["Resources"]["ItemsTable"]["Properties"]
    described = stack.client("dynamodb").describe_table(TableName=table_name)["Table"]
    assert described["KeySchema"] == template_table["KeySchema"]


def test_functions_run_the_templates_runtime(stack: Stack, app_template_path: Path) -> None:
    runtime = load_document(app_template_path)["Globals"]["Function"]["Runtime"]
    lambda_client = stack.client("lambda")
    for output in ("ItemsReadFunctionName", "ItemsWriteFunctionName"):
        configuration = lambda_client.get_function_configuration(FunctionName=stack.outputs[output])
        assert configuration["Runtime"] == runtime, output


def test_the_stage_output_is_the_stage_under_test(stack: Stack, harness_settings) -> None:
    assert stack.outputs["Stage"] == harness_settings.stage
