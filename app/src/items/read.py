"""Lambda entry point of ``ItemsReadFunction``: health, listing, fetching, the OpenAPI document.

Its IAM role can only read the table, so the write routes live in another function.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths

from items import routes_docs, routes_read
from items.errors import install_error_handlers

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()

app = APIGatewayHttpResolver(enable_validation=True)
install_error_handlers(app)
app.include_router(routes_read.router)
app.include_router(routes_docs.router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Route an API Gateway HTTP API (payload 2.0) event to its read route."""
    return app.resolve(event, context)
