"""DynamoDB tables as ``create_table`` arguments, so tests never restate a key schema.

``AWS::Serverless::SimpleTable`` follows SAM's documented shape: a single hash key from
``PrimaryKey`` (default ``id`` of type ``String``) and on-demand billing unless
``ProvisionedThroughput`` is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.sam.context import ReadContext
from harness.sam.model import SamTable

DYNAMODB_TABLE = "AWS::DynamoDB::Table"
SIMPLE_TABLE = "AWS::Serverless::SimpleTable"
TABLE_PROPERTIES = (
    "AttributeDefinitions",
    "KeySchema",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "ProvisionedThroughput",
)
_ATTRIBUTE_TYPES = {"String": "S", "Number": "N", "Binary": "B"}


def read_tables(context: ReadContext) -> dict[str, SamTable]:
    """Every DynamoDB table of the template, plain or SAM, in template order."""
    tables = {}
    for logical_id, resource in context.resources.items():
        kind = resource.get("Type")
        if kind not in (DYNAMODB_TABLE, SIMPLE_TABLE):
            continue
        properties = context.resolver.resolve(resource.get("Properties") or {})
        line = context.resource_line(logical_id)
        if kind == DYNAMODB_TABLE:
            kwargs = {key: properties[key] for key in TABLE_PROPERTIES if key in properties}
        else:
            kwargs = _simple_table(context, logical_id, line, properties)
        if "ProvisionedThroughput" not in kwargs:
            kwargs["BillingMode"] = "PAY_PER_REQUEST"
        tables[logical_id] = SamTable(logical_id, kind, kwargs, line)
    return tables


def _simple_table(
    context: ReadContext, logical_id: str, line: int, properties: Mapping[str, Any]
) -> dict[str, Any]:
    key = properties.get("PrimaryKey") or {"Name": "id", "Type": "String"}
    attribute_type = _ATTRIBUTE_TYPES.get(key.get("Type", "String"))
    if attribute_type is None or not isinstance(key.get("Name"), str):
        raise context.error(
            f"{logical_id}: PrimaryKey needs a Name and a Type of String, Number or Binary; "
            f"found {dict(key)!r}",
            line,
        )
    kwargs: dict[str, Any] = {
        "AttributeDefinitions": [{"AttributeName": key["Name"], "AttributeType": attribute_type}],
        "KeySchema": [{"AttributeName": key["Name"], "KeyType": "HASH"}],
    }
    if "ProvisionedThroughput" in properties:
        kwargs["ProvisionedThroughput"] = properties["ProvisionedThroughput"]
    return kwargs
