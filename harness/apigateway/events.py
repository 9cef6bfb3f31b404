"""The events API Gateway sends to Lambda: REST proxy (1.0), HTTP API 2.0 and 1.0.

Shapes per the developer guide ("Input format of a Lambda function for proxy
integration" for REST; "Create AWS Lambda proxy integrations for HTTP APIs" for the HTTP
formats) and the Lambda authorizer pages for the authorizer inputs:

* REST and HTTP 1.0 carry ``headers`` and ``queryStringParameters`` with the *last* value
  of a repeated name and ``multiValueHeaders``/``multiValueQueryStringParameters`` with
  all of them; absent maps are ``null``. REST keeps header names as sent, HTTP APIs
  lower-case them.
* HTTP 2.0 joins repeated headers and query values with commas, moves ``Cookie`` into
  ``cookies`` and omits what is empty.
* REST's ``path`` is the path below the stage, ``requestContext.path`` the full one;
  HTTP APIs' ``rawPath`` is the full path (a named stage included).
* Bodies: REST base64-encodes a body whose ``Content-Type`` is one of the API's binary
  media types (``*/*`` and ``image/*`` wildcards included) and passes the rest as text;
  HTTP APIs pass text types (``text/*``, JSON, XML, JavaScript, YAML, ``+json``/``+xml``)
  as text and base64-encode everything else.
* The authorizer's output reaches the function in ``requestContext.authorizer``: REST and
  HTTP 1.0 the ``context`` keys with ``principalId``; HTTP 2.0 under ``lambda``.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.apigateway.lambda_context import ACCOUNT_ID
from harness.apigateway.request import ApiRequest, GatewayContext, request_for
from harness.apigateway.routing import RouteMatch
from harness.sam import Route

_TEXT_TYPES = ("application/json", "application/xml", "application/javascript", "application/yaml")


@dataclass(frozen=True)
class Caller:
    """What API Gateway learned about the caller before invoking: authorizer, API key."""

    principal_id: str | None = None
    authorizer_context: Mapping[str, Any] | None = None
    api_key: str | None = None
    api_key_id: str | None = None
    jwt: Mapping[str, Any] | None = None
    """A JWT authorizer's verdict: ``{"claims": {...}, "scopes": [...]}``."""


def rest_event(
    request: ApiRequest,
    match: RouteMatch,
    context: GatewayContext,
    *,
    resource_path_below_stage: str,
    caller: Caller = Caller(),
    binary_media_types: Sequence[str] = (),
) -> dict[str, Any]:
    """The REST proxy integration event for this request."""
    identity = _identity(request)
    if caller.api_key is not None:
        identity |= {"apiKey": caller.api_key, "apiKeyId": caller.api_key_id}
    event = _v1_event(
        request, match, context, path=resource_path_below_stage, rest=True, identity=identity
    )
    _add_authorizer(event, _v1_authorizer(caller))
    binary = media_type_matches(request.media_type, binary_media_types)
    event["body"], event["isBase64Encoded"] = _v1_body(request.body, binary=binary)
    return event


def http_v1_event(
    request: ApiRequest,
    match: RouteMatch,
    context: GatewayContext,
    *,
    caller: Caller = Caller(),
) -> dict[str, Any]:
    """The HTTP API payload format 1.0 event for this request."""
    event = {"version": "1.0"} | _v1_event(request, match, context, path=request.path, rest=False)
    event["requestContext"]["routeKey"] = match.route.key
    _add_authorizer(event, _v1_authorizer(caller))
    event["body"], event["isBase64Encoded"] = _v1_body(
        request.body, binary=not _is_text(request.media_type, request.body)
    )
    return event


def http_v2_event(
    request: ApiRequest,
    match: RouteMatch,
    context: GatewayContext,
    *,
    caller: Caller = Caller(),
) -> dict[str, Any]:
    """The HTTP API payload format 2.0 event for this request."""
    event = _v2_request_fields(request, match.route.key, context)
    if match.path_parameters:
        event["pathParameters"] = dict(match.path_parameters)
    if context.stage_variables:
        event["stageVariables"] = dict(context.stage_variables)
    _add_authorizer(event, _v2_authorizer(caller))
    event["isBase64Encoded"] = False
    if request.body:
        if _is_text(request.media_type, request.body):
            event["body"] = request.body.decode("utf-8")
        else:
            event["body"], event["isBase64Encoded"] = base64.b64encode(request.body).decode(), True
    return event


def rest_token_authorizer_event(token: str, method_arn: str) -> dict[str, Any]:
    """A REST TOKEN authorizer's input: the identity header's value and the method ARN."""
    return {"type": "TOKEN", "authorizationToken": token, "methodArn": method_arn}


def rest_request_authorizer_event(
    request: ApiRequest,
    match: RouteMatch,
    context: GatewayContext,
    *,
    resource_path_below_stage: str,
    method_arn: str,
) -> dict[str, Any]:
    """A REST REQUEST authorizer's input: the proxy event's request parts, no body."""
    event: dict[str, Any] = {"type": "REQUEST", "methodArn": method_arn}
    event |= _v1_event(request, match, context, path=resource_path_below_stage, rest=True)
    return event


def http_authorizer_event(
    version: str,
    request: ApiRequest,
    match: RouteMatch,
    context: GatewayContext,
    *,
    route_arn: str,
    identity_values: Sequence[str],
) -> dict[str, Any]:
    """An HTTP API Lambda authorizer's input, payload format ``1.0`` or ``2.0``."""
    if version == "2.0":
        event: dict[str, Any] = {"version": "2.0", "type": "REQUEST", "routeArn": route_arn}
        event["identitySource"] = list(identity_values)
        event |= _v2_request_fields(request, match.route.key, context)
        if match.path_parameters:
            event["pathParameters"] = dict(match.path_parameters)
        if context.stage_variables:
            event["stageVariables"] = dict(context.stage_variables)
        return event
    event = {"version": "1.0", "type": "REQUEST", "methodArn": route_arn}
    event["identitySource"] = ",".join(identity_values)
    event["authorizationToken"] = identity_values[0] if identity_values else None
    event |= _v1_event(request, match, context, path=request.path, rest=False)
    return event


def media_type_matches(media_type: str | None, patterns: Sequence[str]) -> bool:
    """Whether a media type is one of ``patterns`` (``image/png``, ``image/*``, ``*/*``)."""
    if media_type is None or not patterns:
        return False
    kind, _, subtype = media_type.partition("/")
    for pattern in patterns:
        want_kind, _, want_subtype = pattern.strip().lower().partition("/")
        if want_kind in ("*", kind) and want_subtype in ("*", subtype):
            return True
    return False


def _v1_event(
    request: ApiRequest,
    match: RouteMatch,
    context: GatewayContext,
    *,
    path: str,
    rest: bool,
    identity: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The request part shared by REST, HTTP 1.0 and their authorizers' events."""
    event = _v1_request_fields(request, match, context, path=path, lower_case=not rest)
    event["requestContext"] = _v1_request_context(
        request, context, match.route.path, identity or _identity(request)
    )
    return event


def _add_authorizer(event: dict[str, Any], authorizer: dict[str, Any] | None) -> None:
    if authorizer is not None:
        event["requestContext"]["authorizer"] = authorizer


def _v1_request_fields(
    request: ApiRequest,
    match: RouteMatch,
    context: GatewayContext,
    *,
    path: str,
    lower_case: bool,
) -> dict[str, Any]:
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in _forwarded(request):
        key = name.lower() if lower_case else name
        headers[key] = value
        multi_headers.setdefault(key, []).append(value)
    query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for key, value in request.query_pairs:
        query[key] = value
        multi_query.setdefault(key, []).append(value)
    return {
        "resource": match.route.path,
        "path": path,
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": dict(match.path_parameters) or None,
        "stageVariables": dict(context.stage_variables) or None,
    }


def _v1_request_context(
    request: ApiRequest,
    context: GatewayContext,
    resource_path: str,
    identity: dict[str, Any],
) -> dict[str, Any]:
    domain = _domain(request)
    return {
        "accountId": context.account_id,
        "apiId": context.api_id,
        "domainName": domain,
        "domainPrefix": domain.split(".", 1)[0],
        "extendedRequestId": context.request_id,
        "httpMethod": request.method,
        "identity": identity,
        "path": request.path,
        "protocol": request.protocol,
        "requestId": context.request_id,
        "requestTime": context.request_time,
        "requestTimeEpoch": context.epoch_ms,
        "resourceId": resource_path,
        "resourcePath": resource_path,
        "stage": context.stage,
    }


def _identity(request: ApiRequest) -> dict[str, Any]:
    return {
        "accessKey": None,
        "accountId": None,
        "caller": None,
        "cognitoAuthenticationProvider": None,
        "cognitoAuthenticationType": None,
        "cognitoIdentityId": None,
        "cognitoIdentityPoolId": None,
        "principalOrgId": None,
        "sourceIp": request.source_ip,
        "user": None,
        "userAgent": request.header("user-agent") or "",
        "userArn": None,
    }


def _v1_authorizer(caller: Caller) -> dict[str, Any] | None:
    if caller.jwt is not None:
        return dict(caller.jwt)
    if caller.authorizer_context is None and caller.principal_id is None:
        return None
    authorizer = dict(caller.authorizer_context or {})
    if caller.principal_id is not None:
        authorizer["principalId"] = caller.principal_id
    return authorizer


def _v2_authorizer(caller: Caller) -> dict[str, Any] | None:
    if caller.jwt is not None:
        return {"jwt": dict(caller.jwt)}
    if caller.authorizer_context is None and caller.principal_id is None:
        return None
    return {"lambda": dict(caller.authorizer_context or {})}


def _v2_request_fields(
    request: ApiRequest, route_key: str, context: GatewayContext
) -> dict[str, Any]:
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in _forwarded(request):
        key = name.lower()
        if key == "cookie":
            cookies += [part.strip() for part in value.split(";") if part.strip()]
        else:
            headers[key] = f"{headers[key]},{value}" if key in headers else value
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.path,
        "rawQueryString": request.raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    query: dict[str, str] = {}
    for key, value in request.query_pairs:
        query[key] = f"{query[key]},{value}" if key in query else value
    if query:
        event["queryStringParameters"] = query
    domain = _domain(request)
    event["requestContext"] = {
        "accountId": context.account_id,
        "apiId": context.api_id,
        "domainName": domain,
        "domainPrefix": domain.split(".", 1)[0],
        "http": {
            "method": request.method,
            "path": request.path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": context.request_id,
        "routeKey": route_key,
        "stage": context.stage,
        "time": context.request_time,
        "timeEpoch": context.epoch_ms,
    }
    return event


def _forwarded(request: ApiRequest) -> list[tuple[str, str]]:
    """The client's headers plus the ``X-Forwarded-*`` ones API Gateway adds."""
    headers = list(request.headers)
    forwarded = request.header("x-forwarded-for")
    headers = [(n, v) for n, v in headers if n.lower() != "x-forwarded-for"]
    headers.append(
        (
            "X-Forwarded-For",
            f"{forwarded}, {request.source_ip}" if forwarded else request.source_ip,
        )
    )
    if request.header("x-forwarded-proto") is None:
        headers.append(("X-Forwarded-Proto", "http"))
    return headers


def _domain(request: ApiRequest) -> str:
    return (request.header("host") or "localhost").rsplit(":", 1)[0]


def _v1_body(body: bytes, *, binary: bool) -> tuple[str | None, bool]:
    if not body:
        return None, False
    if binary:
        return base64.b64encode(body).decode(), True
    return body.decode("utf-8", errors="replace"), False


def _is_text(media_type: str | None, body: bytes) -> bool:
    """Whether an HTTP API passes a body of this type as text rather than base64."""
    if media_type is not None and not (
        media_type.startswith("text/")
        or media_type in _TEXT_TYPES
        or media_type.endswith(("+json", "+xml"))
    ):
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def http_api_event(
    method: str,
    path: str,
    *,
    route_key: str | None = None,
    path_parameters: Mapping[str, str] | None = None,
    stage: str = "$default",
    **request: Any,
) -> dict[str, Any]:
    """A payload 2.0 event for a request a test describes (``request``: see ``request_for``).

    For events handed to a handler or to Lambda's Invoke API directly; ``route_key``
    defaults to ``METHOD path``.
    """
    method = method.upper()
    route_method, _, route_path = (route_key or f"{method} {path}").partition(" ")
    route = Route("harness", route_method, route_path or route_method, None, "2.0", "test event")
    context = GatewayContext("harness", stage, "us-east-1", ACCOUNT_ID)
    match = RouteMatch(route, dict(path_parameters or {}))
    return http_v2_event(request_for(method, path, **request), match, context)


def rest_api_event(
    method: str,
    path: str,
    *,
    resource: str | None = None,
    path_parameters: Mapping[str, str] | None = None,
    stage: str = "Prod",
    **request: Any,
) -> dict[str, Any]:
    """A REST proxy event (payload 1.0) for a request a test describes (see ``request_for``).

    ``path`` is below the stage, as the function sees it in ``path``; ``resource`` is the
    route's template (``/items/{id}``), ``path`` itself unless given.
    """
    method = method.upper()
    route = Route("harness", method, resource or path, None, "1.0", "test event")
    context = GatewayContext("harness", stage, "us-east-1", ACCOUNT_ID)
    match = RouteMatch(route, dict(path_parameters or {}))
    described = request_for(method, f"/{stage}{path}", **request)
    return rest_event(described, match, context, resource_path_below_stage=path)
