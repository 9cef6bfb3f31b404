"""OpenAPI descriptions of route answers, for the ``responses=`` of each route.

Powertools documents only these once a route passes ``responses=``, so every route lists its
success answer too; a success entry without ``content`` gets the route's return schema.
Links (OpenAPI 3.1, Link Object) tell clients, and schemathesis's stateful tests, which
operation a value of the answer feeds: the id of a created item is the ``id`` of its GET and
DELETE.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from items.models import InvalidRequestBody, ItemErrorBody, MessageBody


def _json(description: str, model: type) -> OpenAPIResponse:
    return {"description": description, "content": {"application/json": {"model": model}}}


def success(description: str, links: dict[str, Any] | None = None) -> OpenAPIResponse:
    """A success answer whose body schema Powertools takes from the route's return type."""
    return {"description": description, "links": links} if links else {"description": description}


def link(operation_id: str, **parameters: str) -> dict[str, Any]:
    """A Link Object: call ``operation_id`` with parameters taken from this answer."""
    return {"operationId": operation_id, "parameters": parameters}


NO_CONTENT: OpenAPIResponse = {"description": "Done; no body", "content": {}}
INVALID_REQUEST = _json("The request is invalid; each error names its field", InvalidRequestBody)
ITEM_NOT_FOUND = _json("No item has this id", ItemErrorBody)
ITEM_EXISTS = _json("An item with this id exists already", ItemErrorBody)
UNSUPPORTED_MEDIA_TYPE = _json("The body was not sent as application/json", InvalidRequestBody)
UNAUTHORIZED = _json(
    "No API token, or not this stage's: send Authorization: Bearer <token>", MessageBody
)
WRITES_PAUSED = _json(
    "Writes are paused on this stage (its writes-enabled switch is off); retry after the "
    "Retry-After seconds",
    MessageBody,
)
WRITE_SECURITY = [{"bearerAuth": []}]
"""The write routes' requirement: the ``bearerAuth`` scheme of the document (``items.auth``)."""
