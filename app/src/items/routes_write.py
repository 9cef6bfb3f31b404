"""Write routes: creating an item (never overwriting) and deleting one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from items import responses, store
from items.models import ITEM_ID_PATTERN, Item, NewItem

router = Router()

CREATED_ITEM_LINKS = {
    "GetCreatedItem": responses.link("getItem", id="$response.body#/id"),
    "DeleteCreatedItem": responses.link("deleteItem", id="$response.body#/id"),
}


@router.post(
    "/items",
    summary="Create an item",
    tags=["items"],
    operation_id="createItem",
    status_code=HTTPStatus.CREATED,
    responses={
        201: responses.success(
            "The stored item, with its id and creation time", links=CREATED_ITEM_LINKS
        ),
        400: responses.INVALID_REQUEST,
        409: responses.ITEM_EXISTS,
        415: responses.UNSUPPORTED_MEDIA_TYPE,
    },
)
def create_item(new_item: NewItem) -> Item:
    """Store the item under the client's id or a fresh uuid4 hex, stamped with UTC time."""
    item = Item(
        id=new_item.id or uuid.uuid4().hex,
        name=new_item.name,
        quantity=new_item.quantity,
        tags=new_item.tags,
        created_at=datetime.now(UTC),
    )
    store.insert_item(item)
    return item


@router.delete(
    "/items/<id>",
    summary="Delete an item",
    tags=["items"],
    operation_id="deleteItem",
    status_code=HTTPStatus.NO_CONTENT,
    responses={
        204: responses.NO_CONTENT,
        400: responses.INVALID_REQUEST,
        404: responses.ITEM_NOT_FOUND,
    },
)
def delete_item(
    item_id: Annotated[str, Path(alias="id", pattern=ITEM_ID_PATTERN)],
) -> Response[None]:
    """Delete the item; 404 when there is nothing to delete, so clients see their mistakes."""
    store.delete_item(item_id)
    return Response(status_code=HTTPStatus.NO_CONTENT)
