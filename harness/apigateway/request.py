"""A request as it reaches API Gateway, and what API Gateway knows about it.

Both callers build one :class:`ApiRequest`: the embedded front from the bytes a client
sent, the in-process client from a test's arguments (:func:`request_for`). Everything
downstream (route matching, authorizers, events) reads this one shape, so the two can
never disagree on how a header or a query string is read.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl, urlencode

QueryValue = str | Sequence[str]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class ApiRequest:
    """One HTTP request: ``target`` is the path with its query string, as sent.

    ``headers`` keep the client's order, case and repeats; lookups are case-insensitive.
    """

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"

    @cached_property
    def path(self) -> str:
        """The raw path, percent-encoding kept."""
        return self.target.partition("?")[0]

    @cached_property
    def raw_query(self) -> str:
        return self.target.partition("?")[2]

    @cached_property
    def query_pairs(self) -> list[tuple[str, str]]:
        """Every query parameter in order, decoded, blanks kept (``?a=&b``)."""
        return parse_qsl(self.raw_query, keep_blank_values=True)

    @cached_property
    def _lower_headers(self) -> dict[str, list[str]]:
        folded: dict[str, list[str]] = {}
        for name, value in self.headers:
            folded.setdefault(name.lower(), []).append(value)
        return folded

    def header(self, name: str) -> str | None:
        """The first value of a header, any case; ``None`` when absent."""
        values = self._lower_headers.get(name.lower())
        return values[0] if values else None

    def header_values(self, name: str) -> list[str]:
        return list(self._lower_headers.get(name.lower(), ()))

    def query_values(self, name: str) -> list[str]:
        return [value for key, value in self.query_pairs if key == name]

    @property
    def media_type(self) -> str | None:
        """The ``Content-Type`` without parameters, lower-cased."""
        content_type = self.header("content-type")
        return content_type.split(";", 1)[0].strip().lower() if content_type else None


def new_request_id() -> str:
    """An id shaped like API Gateway's (``JXLZxi0GIAMEVXQ=``)."""
    return base64.b64encode(os.urandom(10)).decode()


@dataclass(frozen=True)
class GatewayContext:
    """What API Gateway adds to a request: which API and stage, its id and arrival time."""

    api_id: str
    stage: str
    region: str
    account_id: str
    request_id: str = field(default_factory=new_request_id)
    stage_variables: Mapping[str, str] = field(default_factory=dict)
    time: datetime = field(default_factory=lambda: datetime.now(UTC))

    @cached_property
    def request_time(self) -> str:
        """The ``requestTime`` format of API Gateway: ``09/Apr/2015:12:34:56 +0000``."""
        now = self.time
        return f"{now:%d}/{_MONTHS[now.month - 1]}/{now:%Y:%H:%M:%S} +0000"

    @property
    def epoch_ms(self) -> int:
        return int(self.time.timestamp() * 1000)

    def execute_api_arn(self, method: str, resource_path: str) -> str:
        """``arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH``, the ARN policies name.

        ``resource_path`` is the request's path without the stage (``/items/42``); the
        leading slash is the separator after the method, as in API Gateway's method ARNs.
        """
        return (
            f"arn:aws:execute-api:{self.region}:{self.account_id}:{self.api_id}/{self.stage}/"
            f"{method}{resource_path}"
        )


def request_for(
    method: str,
    path: str,
    *,
    query: Mapping[str, QueryValue] | None = None,
    headers: Mapping[str, str] | None = None,
    cookies: Sequence[str] | None = None,
    body: Any = None,
    host: str = "api.example.test",
) -> ApiRequest:
    """The request a test describes: ``body`` may be bytes, text or any JSON value.

    JSON values are serialised with a JSON content type and bytes sent as
    ``application/octet-stream``, unless ``headers`` name a content type.
    """
    header_map = {"host": host, "user-agent": "harness-in-process"}
    header_map |= {name.lower(): value for name, value in (headers or {}).items()}
    if cookies:
        header_map["cookie"] = "; ".join(cookies)
    if isinstance(body, bytes):
        header_map.setdefault("content-type", "application/octet-stream")
        raw_body = body
    elif isinstance(body, str):
        raw_body = body.encode("utf-8")
    elif body is None:
        raw_body = b""
    else:
        header_map.setdefault("content-type", "application/json")
        raw_body = json.dumps(body).encode("utf-8")
    pairs = [
        (key, item)
        for key, value in (query or {}).items()
        for item in ([value] if isinstance(value, str) else value)
    ]
    target = f"{path}?{urlencode(pairs)}" if pairs else path
    return ApiRequest(method.upper(), target, tuple(header_map.items()), raw_body)
