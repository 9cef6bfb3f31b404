"""The write routes' bearer token, checked against the stage's Secrets Manager secret.

Clients send ``Authorization: Bearer <token>`` (RFC 6750, section 2.1): the standard header
for a token that grants access to whoever holds it, which OpenAPI describes as an ``http``
``bearer`` security scheme and which proxies and API Gateway's access log treat as sensitive
(a custom ``X-Api-Token`` header would be logged like any other). A request without it, or
with another token, is answered 401 with a ``WWW-Authenticate: Bearer`` challenge, with
``error="invalid_token"`` for a wrong one (RFC 6750, section 3.1).

The expected token is the ``token`` key of the JSON secret whose ARN is in
``API_TOKEN_SECRET_ARN`` (never the value itself), read through Powertools parameters and
cached for :data:`SECRET_MAX_AGE_S`: a warm execution environment calls Secrets Manager once
per window, and a rotated token is honoured within it. The comparison is
``hmac.compare_digest``, whose time does not depend on how much of the token matched.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping

from aws_lambda_powertools.utilities import parameters

TOKEN_SECRET_ENV = "API_TOKEN_SECRET_ARN"
TOKEN_KEY = "token"
SECRET_MAX_AGE_S = 300
"""Five minutes: how long a rotated token may still be accepted by a warm function."""
SCHEME = "bearer"


class Unauthorized(Exception):
    """The request carries no bearer token, or not the expected one."""

    def __init__(self, message: str, challenge: str) -> None:
        super().__init__(message)
        self.message = message
        self.challenge = challenge


def presented_token(headers: Mapping[str, str] | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header (the scheme is case-insensitive)."""
    for name, value in (headers or {}).items():
        if name.lower() == "authorization":
            scheme, _, token = value.strip().partition(" ")
            if scheme.lower() == SCHEME and token.strip():
                return token.strip()
    return None


def expected_token() -> str:
    """The stage's token, from Secrets Manager or the cache of this execution environment."""
    secret = parameters.get_secret(
        os.environ[TOKEN_SECRET_ENV], transform="json", max_age=SECRET_MAX_AGE_S
    )
    return str(secret[TOKEN_KEY])


def authorize(headers: Mapping[str, str] | None) -> None:
    """Return when the request presents the stage's token; raise :class:`Unauthorized` if not."""
    token = presented_token(headers)
    if token is None:
        raise Unauthorized(
            "send the API token as Authorization: Bearer <token>", 'Bearer realm="items"'
        )
    if not hmac.compare_digest(token.encode(), expected_token().encode()):
        raise Unauthorized(
            "the API token is not valid", 'Bearer realm="items", error="invalid_token"'
        )
