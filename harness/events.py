"""API Gateway HTTP API (payload format 2.0) events and a Lambda context, built in one place.

Both callers of handlers build their events here: the embedded target's local HTTP API
(from a real HTTP request, :func:`event_from_request`) and the unit layer's in-process
client (from a test's arguments, :func:`http_api_event`). So the shape API Gateway sends
lower-cased headers with repeats joined by commas, cookies split out of ``Cookie``,
repeated query keys joined by commas, binary bodies base64-encoded is written once.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

ACCOUNT_ID = "123456789012"
QueryValue = str | Sequence[str]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TEXT_TYPES = ("application/json", "application/xml", "application/javascript", "application/yaml")


@dataclass(frozen=True)
class HttpRequest:
    """A request as it reaches API Gateway: ``target`` is the path with its query string."""

    method: str
    target: str
    headers: Iterable[tuple[str, str]]
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"


def event_from_request(
    request: HttpRequest,
    *,
    route_key: str,
    path_parameters: Mapping[str, str] | None = None,
    stage: str = "$default",
    request_id: str | None = None,
    api_id: str = "harness",
) -> dict[str, Any]:
    """The payload-2.0 event API Gateway HTTP APIs send to the route's function."""
    raw_path, _, raw_query = request.target.partition("?")
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        key = name.lower()
        if key == "cookie":
            cookies += [part.strip() for part in value.split(";") if part.strip()]
        else:
            headers[key] = f"{headers[key]},{value}" if key in headers else value
    forwarded = headers.get("x-forwarded-for")
    headers["x-forwarded-for"] = (
        f"{forwarded}, {request.source_ip}" if forwarded else request.source_ip
    )
    headers.setdefault("x-forwarded-proto", "http")
    domain = headers.get("host", "localhost").rsplit(":", 1)[0]
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    query = _joined_query(raw_query)
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = {
        "accountId": ACCOUNT_ID,
        "apiId": api_id,
        "domainName": domain,
        "domainPrefix": domain.split(".", 1)[0],
        "http": {
            "method": request.method.upper(),
            "path": raw_path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id or uuid.uuid4().hex,
        "routeKey": route_key,
        "stage": stage,
        "time": f"{now:%d}/{_MONTHS[now.month - 1]}/{now:%Y:%H:%M:%S} +0000",
        "timeEpoch": int(now.timestamp() * 1000),
    }
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    event["isBase64Encoded"] = False
    if request.body:
        if _is_text(headers.get("content-type")) and _is_utf8(request.body):
            event["body"] = request.body.decode("utf-8")
        else:
            event["body"], event["isBase64Encoded"] = base64.b64encode(request.body).decode(), True
    return event


def http_api_event(
    method: str,
    path: str,
    *,
    route_key: str | None = None,
    path_parameters: Mapping[str, str] | None = None,
    query: Mapping[str, QueryValue] | None = None,
    headers: Mapping[str, str] | None = None,
    cookies: Sequence[str] | None = None,
    body: Any = None,
    stage: str = "$default",
) -> dict[str, Any]:
    """The event for a request described the way a test thinks of it.

    ``body`` may be ``bytes`` (sent as binary), ``str`` (sent as is) or any JSON value
    (serialised, with a JSON content type unless ``headers`` say otherwise).
    """
    header_pairs = {"host": "api.example.test", "user-agent": "harness-unit"}
    header_pairs |= {name.lower(): value for name, value in (headers or {}).items()}
    if cookies:
        header_pairs["cookie"] = "; ".join(cookies)
    if isinstance(body, bytes):
        header_pairs.setdefault("content-type", "application/octet-stream")
        raw_body = body
    elif isinstance(body, str):
        raw_body = body.encode("utf-8")
    elif body is None:
        raw_body = b""
    else:
        header_pairs.setdefault("content-type", "application/json")
        raw_body = json.dumps(body).encode("utf-8")
    pairs = [
        (key, item)
        for key, value in (query or {}).items()
        for item in ([value] if isinstance(value, str) else value)
    ]
    target = f"{path}?{urlencode(pairs)}" if pairs else path
    return event_from_request(
        HttpRequest(method.upper(), target, header_pairs.items(), raw_body),
        route_key=route_key or f"{method.upper()} {path}",
        path_parameters=path_parameters,
        stage=stage,
    )


def _joined_query(raw_query: str) -> dict[str, str]:
    joined: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


def _is_text(content_type: str | None) -> bool:
    """Whether API Gateway passes a body of this type as text rather than base64."""
    if content_type is None:
        return True
    media_type = content_type.split(";", 1)[0].strip().lower()
    return (
        media_type.startswith("text/")
        or media_type in _TEXT_TYPES
        or media_type.endswith(("+json", "+xml"))
    )


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    function_name: str = "harness-function"
    memory_limit_in_mb: int = 256
    timeout_s: float = 10.0
    aws_request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/harness-function"
    log_stream_name: str = "harness"
    _started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self._started
        return max(0, int((self.timeout_s - elapsed) * 1000))
