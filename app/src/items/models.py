"""Pydantic models: the request and response shapes, and the OpenAPI schemas built from them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, StringConstraints

ITEM_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
"""Ids are URL-path safe and short, so a client-chosen id never needs escaping or truncating."""

ItemId = Annotated[str, StringConstraints(pattern=ITEM_ID_PATTERN)]
ItemName = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=30)]
QUANTITY_RANGE = Field(ge=0, le=1_000_000)
Quantity = Annotated[int, QUANTITY_RANGE]


def integral_float_to_int(value: object) -> object:
    """``178.0`` becomes ``178``; every other value is left for the strict check to judge.

    The OpenAPI document (3.1, so JSON Schema 2020-12) says ``"type": "integer"``, and JSON
    Schema counts a number with a zero fractional part as an integer: "1 and 1.0 are two ways
    to represent the same value in JSON" (json-schema.org, Understanding JSON Schema, Numeric
    types). No schema can tell ``178.0`` from ``178``, so the handler must accept both, or a
    client that follows the document gets a 400 for a valid value.
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


ClientQuantity = Annotated[StrictInt, QUANTITY_RANGE, BeforeValidator(integral_float_to_int)]
"""A quantity as a client sends it: whole numbers only; strings, booleans and 3.5 are refused."""


class NewItem(BaseModel):
    """What a client may send to create an item.

    Unknown fields are rejected rather than dropped, so a typo ("qty") fails loudly instead of
    storing an item without the value the client meant to set. ``quantity`` is strict: "3",
    3.5 and true are client mistakes, not numbers to coerce; 3.0 is the number 3 in JSON.
    """

    model_config = ConfigDict(extra="forbid")

    name: ItemName
    quantity: ClientQuantity
    tags: Annotated[list[Tag], Field(max_length=10)] = Field(default_factory=list)
    id: ItemId | None = None


class Item(BaseModel):
    """An item as stored and returned.

    Lax on purpose (no ``extra="forbid"``, no strict int): it is built from DynamoDB records,
    where numbers come back as ``Decimal``.
    """

    id: ItemId
    name: ItemName
    quantity: Quantity
    tags: list[Tag]
    created_at: datetime


class ItemPage(BaseModel):
    """One page of a listing; ``next`` is the token for the following page, or null."""

    items: list[Item]
    next: ItemId | None


class HealthStatus(BaseModel):
    """Liveness answer; it checks that the function runs, not that DynamoDB answers."""

    status: str


class FieldError(BaseModel):
    """One reason a request was rejected, naming the field at fault ("body" for the body itself)."""

    field: str
    message: str


class InvalidRequestBody(BaseModel):
    """Body of every 4xx that rejects client input."""

    message: str
    errors: list[FieldError]


class ItemErrorBody(BaseModel):
    """Body of a 404 or 409 about one item, echoing the id so clients can correlate."""

    message: str
    id: str


class MessageBody(BaseModel):
    """Body of errors that concern no single field or item."""

    message: str
