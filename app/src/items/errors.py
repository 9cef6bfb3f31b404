"""What can go wrong in the items API, and how each failure answers over HTTP.

The domain exceptions carry no HTTP knowledge, so the data layer raises them freely; the
handlers installed here are the single place that turns them, and Powertools' own request
errors, into status codes and JSON bodies. Powertools answers 422 for invalid input by
default; this API promises 400 with the field at fault named, so its handler is replaced.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import pydantic
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from items.models import FieldError, InvalidRequestBody, ItemErrorBody, MessageBody

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

logger = Logger(child=True)

REQUEST_LOCATIONS = frozenset({"body", "query", "path", "header", "cookie"})
"""First element of a Powertools error location; dropped so clients see the bare field name."""


class ItemNotFoundError(Exception):
    """The item with this id does not exist."""

    def __init__(self, item_id: str) -> None:
        super().__init__(f"item {item_id!r} not found")
        self.item_id = item_id


class ItemAlreadyExistsError(Exception):
    """An item with this id exists already; creating never overwrites."""

    def __init__(self, item_id: str) -> None:
        super().__init__(f"item {item_id!r} already exists")
        self.item_id = item_id


def field_name(location: Sequence[Any]) -> str:
    """Name the field a Powertools/pydantic error location points at.

    ``("body", "tags", 3)`` becomes ``"tags.3"``; a location that is only the request part, or
    the part and a character offset (JSON decode errors), names the part itself: ``"body"``.
    """
    part, *path = location or ("body",)
    if part not in REQUEST_LOCATIONS:
        return ".".join(str(step) for step in location)
    if not path or isinstance(path[0], int):
        return str(part)
    return ".".join(str(step) for step in path)


def invalid_request(
    errors: list[FieldError], status: HTTPStatus = HTTPStatus.BAD_REQUEST
) -> Response:
    """Answer a request rejected for its input, listing every field at fault."""
    body = InvalidRequestBody(message="request is invalid", errors=errors)
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body.model_dump(),
    )


def describe(error: dict[str, Any]) -> str:
    """Reason for one error: pydantic's message, never the offending input echoed back."""
    return str(error.get("msg") or error.get("type") or "invalid value")


def answer_invalid_request(error: RequestValidationError) -> Response:
    """400 for input that failed validation (pydantic messages only, never the input echoed)."""
    return invalid_request(
        [
            FieldError(field=field_name(item["loc"]), message=describe(item))
            for item in error.errors()
        ]
    )


def answer_unsupported_content_type(error: RequestUnsupportedContentType) -> Response:
    """415 for bodies sent as anything but JSON."""
    logger.info("unsupported request content type", extra={"errors": error.errors()})
    return invalid_request(
        [FieldError(field="body", message="send the body as application/json")],
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    )


def answer_unreadable_body(error: ValueError) -> Response:
    """400 for a body Powertools could not decode before validating it.

    Powertools decodes the body (base64, UTF-8, multipart boundaries) before any middleware of
    ours runs, and lets ``ValueError``s escape for bytes it cannot read. Only the write
    function reads bodies, so only it installs this.
    """
    logger.info("unreadable request body", extra={"reason": str(error)})
    return invalid_request([FieldError(field="body", message="body could not be decoded")])


def reraise_internal_model_error(error: pydantic.ValidationError) -> Response:
    """Let a model our own code failed to build (a defect) escape as an invocation error.

    pydantic's error subclasses ``ValueError``, so without this the unreadable-body handler
    would answer our defects with 400s. Escaping keeps them in the function's Errors metric,
    which the deployment alarm watches to roll a bad release back.
    """
    raise error


def answer_item_not_found(error: ItemNotFoundError) -> Response:
    """404 naming the id that was asked for."""
    return Response(
        status_code=HTTPStatus.NOT_FOUND,
        content_type=content_types.APPLICATION_JSON,
        body=ItemErrorBody(message="item not found", id=error.item_id).model_dump(),
    )


def answer_item_exists(error: ItemAlreadyExistsError) -> Response:
    """409 naming the id that is taken."""
    return Response(
        status_code=HTTPStatus.CONFLICT,
        content_type=content_types.APPLICATION_JSON,
        body=ItemErrorBody(message="item already exists", id=error.item_id).model_dump(),
    )


def answer_route_not_found(_: NotFoundError) -> Response:
    """404 in this API's error shape for paths and methods no route serves."""
    return Response(
        status_code=HTTPStatus.NOT_FOUND,
        content_type=content_types.APPLICATION_JSON,
        body=MessageBody(message="route not found").model_dump(),
    )


def early_answer(
    status: HTTPStatus, message: str, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """A payload 2.0 answer for a request refused before routing (no token, writes paused).

    Built here rather than by a Powertools handler because these checks run before the
    resolver, and so before it validates the request: a client without the token learns
    nothing about what the routes accept.
    """
    return {
        "statusCode": int(status),
        "headers": {"Content-Type": content_types.APPLICATION_JSON, **(headers or {})},
        "body": json.dumps(MessageBody(message=message).model_dump()),
        "isBase64Encoded": False,
    }


def install_error_handlers(app: APIGatewayHttpResolver) -> None:
    """Register the API's error answers on a resolver (both functions install these)."""
    app.exception_handler(RequestValidationError)(answer_invalid_request)
    app.exception_handler(ItemNotFoundError)(answer_item_not_found)
    app.exception_handler(ItemAlreadyExistsError)(answer_item_exists)
    app.not_found(answer_route_not_found)


def install_body_error_handlers(app: APIGatewayHttpResolver) -> None:
    """Register the answers to bodies that cannot be read, for resolvers whose routes read one."""
    app.exception_handler(RequestUnsupportedContentType)(answer_unsupported_content_type)
    app.exception_handler(ValueError)(answer_unreadable_body)
    app.exception_handler(pydantic.ValidationError)(reraise_internal_model_error)
