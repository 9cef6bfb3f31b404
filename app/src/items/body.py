"""JSON request-body parsing with a size limit, plugged into Powertools as its deserializer.

Powertools parses the body before any middleware of ours runs, so the size check has to live
in the deserializer it calls: an oversized body is refused before it is parsed, and every
parse failure becomes a validation error naming ``body`` instead of an unhandled 500.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

MAX_BODY_BYTES = 16 * 1024
"""An item is at most ~1.5 KB of JSON; 16 KiB leaves room for whitespace and nothing else."""


def _body_error(error_type: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("body",), "type": error_type, "msg": message}])


def parse_json_body(text: str) -> Any:
    """Parse a request body, refusing bodies over MAX_BODY_BYTES and anything json cannot read.

    ``RecursionError`` is caught too: a deeply nested array within the size limit exhausts the
    parser's stack.
    """
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_BODY_BYTES:
        raise _body_error("too_large", f"body is {size} bytes; the limit is {MAX_BODY_BYTES}")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:
        raise _body_error("json_invalid", f"body is not valid JSON: {error}") from error
