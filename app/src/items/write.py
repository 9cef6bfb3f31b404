"""Lambda entry point of ``ItemsWriteFunction``: creating and deleting items.

The only function allowed to write the table, and the only one that reads request bodies, so
it alone parses JSON with the size limit and answers undecodable bodies. Every request must
first present the stage's API token (:mod:`items.auth`) and find writes enabled
(:mod:`items.switches`); both are checked before routing and validation.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths

from items import routes_write
from items.auth import Unauthorized, authorize
from items.body import parse_json_body
from items.errors import early_answer, install_body_error_handlers, install_error_handlers
from items.switches import WritesPaused, require_writes_enabled

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()

app = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=parse_json_body)
install_error_handlers(app)
install_body_error_handlers(app)
app.include_router(routes_write.router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Route an API Gateway HTTP API (payload 2.0) event to its write route."""
    try:
        authorize(event.get("headers"))
        require_writes_enabled()
    except Unauthorized as refused:
        logger.info("write refused: no valid API token", extra={"reason": refused.message})
        return early_answer(
            HTTPStatus.UNAUTHORIZED, refused.message, {"WWW-Authenticate": refused.challenge}
        )
    except WritesPaused as paused:
        return early_answer(
            HTTPStatus.SERVICE_UNAVAILABLE,
            "writes are paused on this stage; try again later",
            {"Retry-After": str(paused.retry_after_s)},
        )
    return app.resolve(event, context)
