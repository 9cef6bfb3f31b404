"""CORS as each API kind answers it, from the API's CORS configuration.

HTTP APIs (developer guide, "Configuring CORS for an HTTP API"): with a CORS
configuration, API Gateway itself answers every preflight (an ``OPTIONS`` request with
``Origin`` and ``Access-Control-Request-Method``), before routes and authorizers, whether
or not an ``OPTIONS`` route exists, and adds the CORS headers to the responses of allowed
origins, replacing any the integration returned. Origins match exactly or through a
``*`` wildcard (``https://*.example.com``); the preflight answer is 204.

REST APIs: CORS is not a feature of the API but methods SAM adds to the document (SAM
reference, ``CorsConfiguration``): an ``OPTIONS`` method on every path, a mock
integration answering 200 with ``Access-Control-Allow-Origin`` (the configured value as
is), ``-Allow-Methods`` (configured, else the path's methods and ``OPTIONS``, ``ANY``
spelled out, sorted), ``-Allow-Headers`` and ``-Max-Age`` when configured and
``-Allow-Credentials`` when true. Actual responses carry whatever headers the function
returns. The generated method takes the API's default authorizer and API key
requirement unless ``AddDefaultAuthorizerToCorsPreflight`` / ``AddApiKeyRequiredToCorsPreflight``
say otherwise (the model applies that).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from harness.apigateway.answers import GatewayResponse
from harness.apigateway.request import ApiRequest
from harness.apigateway.routing import METHODS
from harness.sam import Cors


def is_preflight(request: ApiRequest) -> bool:
    """An ``OPTIONS`` request a browser sends before a cross-origin one."""
    return (
        request.method == "OPTIONS"
        and request.header("origin") is not None
        and request.header("access-control-request-method") is not None
    )


def http_preflight(cors: Cors, request: ApiRequest) -> GatewayResponse:
    """An HTTP API's own answer to a preflight: 204, with CORS headers for allowed origins."""
    allowed = _allowed_origin(cors, request.header("origin"))
    if allowed is None:
        return GatewayResponse(204)
    return GatewayResponse(204, _preflight_headers(cors, allowed, cors.allow_methods))


def with_http_cors(cors: Cors, request: ApiRequest, response: GatewayResponse) -> GatewayResponse:
    """An HTTP API response with the CORS headers API Gateway puts on it."""
    allowed = _allowed_origin(cors, request.header("origin"))
    if allowed is None:
        return response
    kept = [(n, v) for n, v in response.headers if not n.lower().startswith("access-control-")]
    kept.append(("Access-Control-Allow-Origin", allowed))
    if cors.expose_headers:
        kept.append(("Access-Control-Expose-Headers", ",".join(cors.expose_headers)))
    if cors.allow_credentials:
        kept.append(("Access-Control-Allow-Credentials", "true"))
    return GatewayResponse(response.status, kept, response.body)


def rest_preflight(cors: Cors, path_methods: Iterable[str]) -> GatewayResponse:
    """The mock ``OPTIONS`` answer SAM generates for a REST path."""
    methods = cors.allow_methods or _spelled_out(path_methods)
    headers = _preflight_headers(cors, ",".join(cors.allow_origins), methods)
    return GatewayResponse(200, [("Content-Type", "application/json"), *headers])


def _preflight_headers(cors: Cors, origin: str, methods: Sequence[str]) -> list[tuple[str, str]]:
    headers = [("Access-Control-Allow-Origin", origin)]
    if methods:
        headers.append(("Access-Control-Allow-Methods", ",".join(methods)))
    if cors.allow_headers:
        headers.append(("Access-Control-Allow-Headers", ",".join(cors.allow_headers)))
    if cors.max_age_s is not None:
        headers.append(("Access-Control-Max-Age", str(cors.max_age_s)))
    if cors.allow_credentials:
        headers.append(("Access-Control-Allow-Credentials", "true"))
    return headers


def _spelled_out(methods: Iterable[str]) -> tuple[str, ...]:
    names = set(methods) | {"OPTIONS"}
    if "ANY" in names:
        names = set(METHODS)
    return tuple(sorted(names))


def _allowed_origin(cors: Cors, origin: str | None) -> str | None:
    """The ``Access-Control-Allow-Origin`` value for this origin, ``None`` if not allowed."""
    if origin is None:
        return None
    for pattern in cors.allow_origins:
        if pattern == "*":
            return "*"
        regex = ".*".join(re.escape(part) for part in pattern.lower().split("*"))
        if re.fullmatch(regex, origin.lower()):
            return origin
    return None
