"""Everything that speaks API Gateway, for the embedded front and the in-process client alike.

* :mod:`request`: the request as API Gateway receives it, and what it adds (ids, stage).
* :mod:`routing`: which route serves a request, REST and HTTP rules.
* :mod:`events`: the events Lambda receives (REST 1.0, HTTP 2.0 and 1.0, authorizers).
* :mod:`responses`: a function's answer mapped to HTTP, per payload format.
* :mod:`answers`: API Gateway's own answers (errors), one table per API kind.
* :mod:`authorizers`, :mod:`policy`: Lambda authorizers and their IAM policies.
* :mod:`cors`: preflights and CORS headers.
* :mod:`gateway`: one API's request pipeline, composing the above.
* :mod:`lambda_context`: the Lambda context object (standard library only).
"""

from __future__ import annotations

from harness.apigateway.answers import Answer, GatewayResponse, gateway_answer
from harness.apigateway.authorizers import (
    AuthDecision,
    AuthorizerRegistry,
    AuthRequest,
    LambdaAuthorizers,
    Verifier,
)
from harness.apigateway.gateway import ApiGateway, ApiKeys, Exchange
from harness.apigateway.integration import Failure, Invoke, InvokeOutcome, Outcome
from harness.apigateway.lambda_context import LambdaContext
from harness.apigateway.request import ApiRequest, GatewayContext, QueryValue, request_for
from harness.apigateway.routing import RouteMatch, Router

__all__ = [
    "Answer",
    "ApiGateway",
    "ApiKeys",
    "ApiRequest",
    "AuthDecision",
    "AuthRequest",
    "AuthorizerRegistry",
    "Exchange",
    "Failure",
    "GatewayContext",
    "GatewayResponse",
    "Invoke",
    "InvokeOutcome",
    "LambdaAuthorizers",
    "LambdaContext",
    "Outcome",
    "QueryValue",
    "RouteMatch",
    "Router",
    "Verifier",
    "gateway_answer",
    "request_for",
]
