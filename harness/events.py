"""API Gateway HTTP API (payload format 2.0) events and a Lambda context, built in one place.

Unit tests call handlers in-process with events from :func:`http_api_event` instead of
JSON blobs copied per test, so a change to the event shape is made once, here. The shape
follows what API Gateway sends: lower-cased headers, cookies split out of the ``Cookie``
header, repeated query keys joined by commas, bodies base64-encoded when binary.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

QueryValue = str | Sequence[str]


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
    source_ip: str = "127.0.0.1",
    stage: str = "$default",
) -> dict[str, Any]:
    """Build the event API Gateway would send for one request.

    ``body`` may be ``bytes`` (sent base64-encoded, as API Gateway does for binary media),
    ``str`` (sent as is) or any JSON-serialisable value (serialised, with a JSON
    content type unless ``headers`` say otherwise).
    """
    method = method.upper()
    event_headers = {"host": "api.example.test", "user-agent": "harness-unit"}
    event_headers |= {name.lower(): value for name, value in (headers or {}).items()}
    encoded_body, is_base64 = _encode_body(body, event_headers)
    pairs = [
        (key, item)
        for key, value in (query or {}).items()
        for item in ([value] if isinstance(value, str) else value)
    ]
    now = time.time()
    request_id = uuid.uuid4().hex
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key or f"{method} {path}",
        "rawPath": path,
        "rawQueryString": urlencode(pairs),
        "headers": event_headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "harness",
            "domainName": event_headers["host"],
            "domainPrefix": event_headers["host"].split(".")[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": event_headers["user-agent"],
            },
            "requestId": request_id,
            "routeKey": route_key or f"{method} {path}",
            "stage": stage,
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": is_base64,
    }
    if pairs:
        joined: dict[str, list[str]] = {}
        for key, item in pairs:
            joined.setdefault(key, []).append(item)
        event["queryStringParameters"] = {key: ",".join(v) for key, v in joined.items()}
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if cookies:
        event["cookies"] = list(cookies)
    if encoded_body is not None:
        event["body"] = encoded_body
    return event


def _encode_body(body: Any, headers: dict[str, str]) -> tuple[str | None, bool]:
    if body is None:
        return None, False
    if isinstance(body, bytes):
        headers.setdefault("content-type", "application/octet-stream")
        return base64.b64encode(body).decode("ascii"), True
    if isinstance(body, str):
        return body, False
    headers.setdefault("content-type", "application/json")
    return json.dumps(body), False


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
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self._started
        return max(0, int((self.timeout_s - elapsed) * 1000))
