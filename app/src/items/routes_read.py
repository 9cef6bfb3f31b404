"""Read routes: health, listing one page at a time, and fetching one item."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from items import responses, store
from items.models import ITEM_ID_PATTERN, HealthStatus, Item, ItemPage
from items.paging import page_token, start_key

router = Router()


@router.get("/health", summary="Liveness check", tags=["health"], operation_id="health")
def health() -> HealthStatus:
    """Answer without touching DynamoDB, so the check measures the function, not the table."""
    return HealthStatus(status="ok")


@router.get(
    "/items",
    summary="List items, one page at a time",
    tags=["items"],
    operation_id="listItems",
    responses={200: responses.success("One page of items"), 400: responses.INVALID_REQUEST},
)
def list_items(
    limit: Annotated[int, Query(ge=1, le=100, description="Items per page")] = 20,
    next_token: Annotated[
        str | None,
        Query(
            alias="next",
            pattern=ITEM_ID_PATTERN,
            description="The `next` of the previous page; the listing continues after it",
        ),
    ] = None,
) -> ItemPage:
    """Page through the table; following ``next`` until it is null yields every item once."""
    items, last_key = store.scan_items(
        limit, start_key(next_token) if next_token is not None else None
    )
    return ItemPage(items=items, next=page_token(last_key) if last_key else None)


@router.get(
    "/items/<id>",
    summary="Fetch one item",
    tags=["items"],
    operation_id="getItem",
    responses={
        200: responses.success("The item"),
        400: responses.INVALID_REQUEST,
        404: responses.ITEM_NOT_FOUND,
    },
)
def get_item(item_id: Annotated[str, Path(alias="id", pattern=ITEM_ID_PATTERN)]) -> Item:
    """Return the item, or 404 naming the id."""
    return store.fetch_item(item_id)
