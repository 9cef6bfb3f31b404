"""Write routes: creating an item (never overwriting) and deleting one.

Both need the API token and open writes, checked by the handler before routing
(``items.write``); each route documents those answers and the ``bearerAuth`` requirement.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools import single_metric
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.metrics import MetricUnit

from items import responses, store
from items.models import ITEM_ID_PATTERN, Item, NewItem

router = Router()
# Business metrics, namespace from POWERTOOLS_METRICS_NAMESPACE; "stage" keeps the stages apart
# when they share an account.
EVENT_DIMENSIONS = {"service": os.environ["POWERTOOLS_SERVICE_NAME"], "stage": os.environ["STAGE"]}


def count_event(name: str) -> None:
    """One business event as its own embedded-metric-format line in the function's log.

    Written when it happens rather than by ``Metrics.log_metrics`` at the end of the request,
    which warns of an empty flush on every request that changes nothing (a 400, a 404).
    """
    with single_metric(
        name=name, unit=MetricUnit.Count, value=1, default_dimensions=EVENT_DIMENSIONS
    ):
        pass


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
        401: responses.UNAUTHORIZED,
        409: responses.ITEM_EXISTS,
        415: responses.UNSUPPORTED_MEDIA_TYPE,
        503: responses.WRITES_PAUSED,
    },
    security=responses.WRITE_SECURITY,
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
    count_event("ItemsCreated")
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
        401: responses.UNAUTHORIZED,
        404: responses.ITEM_NOT_FOUND,
        503: responses.WRITES_PAUSED,
    },
    security=responses.WRITE_SECURITY,
)
def delete_item(
    item_id: Annotated[str, Path(alias="id", pattern=ITEM_ID_PATTERN)],
) -> Response[None]:
    """Delete the item; 404 when there is nothing to delete, so clients see their mistakes."""
    store.delete_item(item_id)
    count_event("ItemsDeleted")
    return Response(status_code=HTTPStatus.NO_CONTENT)
