"""``GET /openapi.json``: the OpenAPI document of the whole API, served by the read function.

The read function serves the document but only routes reads, so the document is generated
from a resolver of its own that includes every router, write routes too. Route functions in
this package take everything through typed parameters, never through ``router.current_event``,
which is why including a router in this second resolver is harmless.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

from items import routes_read, routes_write
from items.models import MessageBody

API_TITLE = "Items API"
API_VERSION = "1.0.0"
POWERTOOLS_ERROR_SCHEMAS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")
"""Error shapes Powertools documents by default and this API never answers with."""
THROTTLED = {
    "description": "Throttled by API Gateway: the stage's rate or burst limit was exceeded",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MessageBody"}}},
}
"""API Gateway's own answer on every route once the stage's throttling limits are exceeded
("Clients may receive 429 Too Many Requests error responses", AWS API Gateway developer guide,
Throttling requests to your HTTP API); its body is ``{"message": "Too Many Requests"}``."""

SECURITY_SCHEMES = {
    "bearerAuth": HTTPBearer(
        description="The stage's API token (the token key of the secret named by the "
        "stack's ApiTokenSecretArn output); the write routes require it"
    )
}

router = Router()


@router.get(
    "/openapi.json",
    summary="This OpenAPI document",
    tags=["docs"],
    operation_id="getOpenApiDocument",
)
def get_openapi_document() -> dict[str, Any]:
    """Serve the document built on first request, then cached for the container's life."""
    return openapi_document()


@cache
def openapi_document() -> dict[str, Any]:
    """Generate the OpenAPI document from every router of the API.

    Powertools documents a 422 on every validated route, and its own error schemas; this API
    answers 400 in its own shape instead (see ``items.errors``) and each route documents that,
    so Powertools' entries are dropped rather than published as promises the API does not keep.
    API Gateway's throttling answer is added to every operation: clients meet it too.
    """
    resolver = APIGatewayHttpResolver(enable_validation=True)
    for each in (routes_read.router, routes_write.router, router):
        resolver.include_router(each)
    document = json.loads(
        resolver.get_openapi_json_schema(
            title=API_TITLE, version=API_VERSION, security_schemes=SECURITY_SCHEMES
        )
    )
    for operations in document["paths"].values():
        for operation in operations.values():
            operation["responses"].pop("422", None)
            operation["responses"]["429"] = THROTTLED
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for unused in POWERTOOLS_ERROR_SCHEMAS:
        schemas.pop(unused, None)
    schemas["MessageBody"] = MessageBody.model_json_schema()
    return document
