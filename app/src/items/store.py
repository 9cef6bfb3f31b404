"""DynamoDB data layer: the only module that talks to the items table.

The table handle is built once per execution environment, at import, so warm invocations
reuse its connection pool. No endpoint is configured here: boto3 honours ``AWS_ENDPOINT_URL``,
which is how emulators (moto, LocalStack) are reached without code paths only tests take.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools import Tracer
from botocore.exceptions import ClientError

from items.errors import ItemAlreadyExistsError, ItemNotFoundError
from items.models import Item

tracer = Tracer()

_table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])

_CONDITION_FAILED = "ConditionalCheckFailedException"


def _condition_failed(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == _CONDITION_FAILED


@tracer.capture_method
def fetch_item(item_id: str) -> Item:
    """Return the item with this id, or raise ItemNotFoundError."""
    record = _table.get_item(Key={"id": item_id}).get("Item")
    if record is None:
        raise ItemNotFoundError(item_id)
    return Item.model_validate(record)


@tracer.capture_method
def insert_item(item: Item) -> None:
    """Store a new item; an existing id raises ItemAlreadyExistsError instead of overwriting it."""
    try:
        _table.put_item(
            Item=item.model_dump(mode="json"),
            ConditionExpression="attribute_not_exists(id)",
        )
    except ClientError as error:
        if _condition_failed(error):
            raise ItemAlreadyExistsError(item.id) from error
        raise


@tracer.capture_method
def delete_item(item_id: str) -> None:
    """Delete the item with this id, or raise ItemNotFoundError when there is none."""
    try:
        _table.delete_item(Key={"id": item_id}, ConditionExpression="attribute_exists(id)")
    except ClientError as error:
        if _condition_failed(error):
            raise ItemNotFoundError(item_id) from error
        raise


@tracer.capture_method
def scan_items(
    limit: int, start_key: dict[str, Any] | None
) -> tuple[list[Item], dict[str, Any] | None]:
    """Return up to ``limit`` items after ``start_key``, and the key to continue from (or None).

    A Scan visits every item exactly once across pages as long as each page continues from the
    previous page's LastEvaluatedKey; a page may hold fewer than ``limit`` items (DynamoDB stops
    at 1 MB) and the last one may be empty.
    """
    request: dict[str, Any] = {"Limit": limit}
    if start_key is not None:
        request["ExclusiveStartKey"] = start_key
    response = _table.scan(**request)
    items = [Item.model_validate(record) for record in response.get("Items", [])]
    return items, response.get("LastEvaluatedKey")
