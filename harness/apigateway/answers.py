"""API Gateway's own answers, the ones no function wrote, in one table per API kind.

REST APIs answer with their *gateway responses* (developer guide, "Gateway response
types for API Gateway"): the default status of each type, a ``{"message": ...}`` body
and an ``x-amzn-ErrorType`` header. HTTP APIs have no gateway responses; their bodies
are the fixed ``{"message":"Not Found"}`` family the HTTP API troubleshooting pages show.

* An unknown route (or a method no route declares): REST ``MISSING_AUTHENTICATION_TOKEN``
  (403 "Missing Authentication Token", also for a path outside the stage), HTTP 404.
* A Lambda authorizer: identity sources missing or not matching the validation
  expression, or the authorizer raising ``Unauthorized``: 401 ``UNAUTHORIZED``; a policy
  that denies: REST ``ACCESS_DENIED`` 403 with "User is not authorized to access this
  resource with an explicit deny" (or without "with an explicit deny" when no statement
  allows; these two bodies spell their key ``Message``, as API Gateway writes them), HTTP
  403 "Forbidden"; an authorizer that fails or answers malformed: REST
  ``AUTHORIZER_CONFIGURATION_ERROR`` 500 with ``"message": null``, HTTP 500.
* A JWT or Cognito authorizer: a token that does not verify is 401 ``UNAUTHORIZED``; one
  without any of the route's scopes is HTTP 403 "Forbidden" ("Control access to HTTP APIs
  with JWT authorizers") and REST 401 (a Cognito authorizer refuses such a token as
  unauthorized, see :mod:`harness.targets.embedded.jwt_authorizers`).
* A missing or unknown API key: REST ``INVALID_API_KEY`` 403 "Forbidden".
* The 10 MB payload limit: ``REQUEST_TOO_LARGE`` 413.
* Lambda (developer guide "Handling Lambda errors with an API Gateway API"): an
  invocation Lambda *rejects* (throttled, request over 6 MB) is a 500; a function that ran
  and failed (an exception, its own timeout, a crash, a response over 6 MB) is a REST 502,
  and so is a malformed proxy response ("Malformed Lambda proxy response"); HTTP APIs
  answer both with 500 "Internal Server Error". 429 is API Gateway's *own* throttling of a
  stage (``THROTTLED``), which the embedded front does not apply: a throttled Lambda is
  not a 429 through API Gateway.
* The integration timeout (REST 29 s: ``INTEGRATION_TIMEOUT`` 504 "Endpoint request timed
  out"; HTTP 30 s: 503 "Service Unavailable").
* A request that is not HTTP (bad ``Content-Length``, chunk size, request line): 400
  "Bad Request" in the same JSON form, where API Gateway's front door would answer it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum

from harness.sam import ApiKind


@dataclass(frozen=True)
class GatewayResponse:
    """What goes back to the client: status, headers in order (repeats allowed), body."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


class Answer(Enum):
    """Why API Gateway answers itself; each has a row per API kind below."""

    MISSING_ROUTE = "missing route"
    UNAUTHORIZED = "unauthorized"
    EXPLICIT_DENY = "denied by the authorizer's policy"
    NOT_ALLOWED = "not allowed by the authorizer's policy"
    INVALID_API_KEY = "missing or unknown API key"
    AUTHORIZER_FAILURE = "authorizer failed"
    INSUFFICIENT_SCOPE = "the token holds none of the route's scopes"
    REQUEST_TOO_LARGE = "request over 10 MB"
    BAD_REQUEST = "malformed request"
    INTEGRATION_REJECTED = "Lambda rejected the invocation"
    INTEGRATION_FAILURE = "the function failed"
    MALFORMED_RESPONSE = "malformed Lambda proxy response"
    INTEGRATION_TIMEOUT = "integration timed out"


_INTERNAL_REST = (500, "Internal server error", "InternalServerErrorException")
_FAILED_REST = (502, "Internal server error", "InternalServerErrorException")
_INTERNAL_HTTP = (500, "Internal Server Error", None)

_ANSWERS: dict[tuple[ApiKind, Answer], tuple[int, str | None, str | None]] = {
    ("REST", Answer.MISSING_ROUTE): (
        403,
        "Missing Authentication Token",
        "MissingAuthenticationTokenException",
    ),
    ("REST", Answer.UNAUTHORIZED): (401, "Unauthorized", "UnauthorizedException"),
    ("REST", Answer.EXPLICIT_DENY): (
        403,
        "User is not authorized to access this resource with an explicit deny",
        "AccessDeniedException",
    ),
    ("REST", Answer.NOT_ALLOWED): (
        403,
        "User is not authorized to access this resource",
        "AccessDeniedException",
    ),
    ("REST", Answer.INVALID_API_KEY): (403, "Forbidden", "ForbiddenException"),
    ("REST", Answer.AUTHORIZER_FAILURE): (500, None, "AuthorizerConfigurationException"),
    ("REST", Answer.INSUFFICIENT_SCOPE): (401, "Unauthorized", "UnauthorizedException"),
    ("REST", Answer.REQUEST_TOO_LARGE): (413, "Request Too Long", "RequestTooLongException"),
    ("REST", Answer.BAD_REQUEST): (400, "Bad Request", "BadRequestException"),
    ("REST", Answer.INTEGRATION_REJECTED): _INTERNAL_REST,
    ("REST", Answer.INTEGRATION_FAILURE): _FAILED_REST,
    ("REST", Answer.MALFORMED_RESPONSE): _FAILED_REST,
    ("REST", Answer.INTEGRATION_TIMEOUT): (
        504,
        "Endpoint request timed out",
        "InternalServerErrorException",
    ),
    ("HTTP", Answer.MISSING_ROUTE): (404, "Not Found", None),
    ("HTTP", Answer.UNAUTHORIZED): (401, "Unauthorized", None),
    ("HTTP", Answer.EXPLICIT_DENY): (403, "Forbidden", None),
    ("HTTP", Answer.NOT_ALLOWED): (403, "Forbidden", None),
    ("HTTP", Answer.INVALID_API_KEY): (403, "Forbidden", None),
    ("HTTP", Answer.AUTHORIZER_FAILURE): _INTERNAL_HTTP,
    ("HTTP", Answer.INSUFFICIENT_SCOPE): (403, "Forbidden", None),
    ("HTTP", Answer.REQUEST_TOO_LARGE): (413, "Request Entity Too Large", None),
    ("HTTP", Answer.BAD_REQUEST): (400, "Bad Request", None),
    ("HTTP", Answer.INTEGRATION_REJECTED): _INTERNAL_HTTP,
    ("HTTP", Answer.INTEGRATION_FAILURE): _INTERNAL_HTTP,
    ("HTTP", Answer.MALFORMED_RESPONSE): _INTERNAL_HTTP,
    ("HTTP", Answer.INTEGRATION_TIMEOUT): (503, "Service Unavailable", None),
}


def gateway_answer(kind: ApiKind, answer: Answer) -> GatewayResponse:
    """API Gateway's own response of this kind of API for ``answer``."""
    status, message, error_type = _ANSWERS[(kind, answer)]
    headers = [("Content-Type", "application/json")]
    if error_type is not None:
        headers.append(("x-amzn-ErrorType", error_type))
    key = "Message" if error_type == "AccessDeniedException" else "message"
    return GatewayResponse(status, headers, json.dumps({key: message}).encode())
