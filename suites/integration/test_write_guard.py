"""The deployed write routes refuse requests without the stage's token, which no variable holds."""

from __future__ import annotations

import pytest
import requests
from items_client import TIMEOUT, ItemsClient

from harness import Stack

pytestmark = [pytest.mark.requires("http_api"), pytest.mark.mutating]


@pytest.mark.parametrize(
    "authorization", [None, "Bearer not-the-token", "Basic dXNlcjpwYXNz"], ids=str
)
def test_a_write_without_the_token_is_refused_and_stores_nothing(
    items: ItemsClient, stack: Stack, table_name: str, authorization: str | None
) -> None:
    item_id = items.new_id()
    response = items.request(
        "POST",
        "/items",
        json={"id": item_id, "name": "unauthorised", "quantity": 1},
        headers={"Authorization": authorization},  # None: requests leaves the header out
    )
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    stored = stack.client("dynamodb").get_item(TableName=table_name, Key={"id": {"S": item_id}})
    assert "Item" not in stored


def test_a_delete_with_a_wrong_token_keeps_the_item(items: ItemsClient) -> None:
    created = items.create()
    response = items.request(
        "DELETE", f"/items/{created['id']}", headers={"Authorization": "Bearer not-the-token"}
    )
    assert response.status_code == 401, response.text
    assert items.request("GET", f"/items/{created['id']}").status_code == 200


def test_the_token_is_read_by_reference_never_held_in_a_variable(
    stack: Stack, api_token: str
) -> None:
    configuration = stack.client("lambda").get_function_configuration(
        FunctionName=stack.outputs["ItemsWriteFunctionName"]
    )
    variables = configuration["Environment"]["Variables"]
    assert variables["API_TOKEN_SECRET_ARN"] == stack.outputs["ApiTokenSecretArn"]
    assert api_token not in variables.values()


def test_reads_need_no_token(api_url: str) -> None:
    assert requests.get(api_url + "items", timeout=TIMEOUT).status_code == 200
