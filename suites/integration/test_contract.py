"""The error contract and the API's self-description, over real HTTP."""

from __future__ import annotations

import pytest
from items_client import ItemsClient

from harness import HarnessSettings, SamModel, Stack, api_answer_problems

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


def test_an_unknown_route_is_api_gateways_answer_not_the_apps(items: ItemsClient) -> None:
    response = items.request("GET", "/no/such/route")
    assert api_answer_problems(response) == []
    assert response.status_code in (403, 404)  # HTTP APIs answer 404, REST APIs 403
    assert "errors" not in response.json()  # the app's own 4xx bodies list their errors


def test_openapi_document_matches_the_templates_routes(
    items: ItemsClient, sam_model: SamModel
) -> None:
    document = items.request("GET", "/openapi.json").json()
    served = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    declared = {(route.method, route.path) for route in sam_model.routes}
    assert served == declared


def test_the_table_has_the_templates_key_schema(
    stack: Stack, table_name: str, sam_model: SamModel
) -> None:
    declared = sam_model.tables["ItemsTable"].create_kwargs["KeySchema"]
    described = stack.client("dynamodb").describe_table(TableName=table_name)["Table"]
    assert described["KeySchema"] == declared


def test_functions_run_the_templates_runtime(stack: Stack, sam_model: SamModel) -> None:
    lambda_client = stack.client("lambda")
    for function_id, output in [
        ("ItemsReadFunction", "ItemsReadFunctionName"),
        ("ItemsWriteFunction", "ItemsWriteFunctionName"),
    ]:
        configuration = lambda_client.get_function_configuration(FunctionName=stack.outputs[output])
        assert configuration["Runtime"] == sam_model.functions[function_id].runtime, output


def test_the_stage_output_is_the_stage_under_test(
    stack: Stack, harness_settings: HarnessSettings
) -> None:
    assert stack.outputs["Stage"] == harness_settings.stage
