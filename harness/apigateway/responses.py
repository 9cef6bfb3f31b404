"""A function's return value as API Gateway turns it into an HTTP response, per format.

* REST proxy (developer guide, "Output format of a Lambda function for proxy
  integration"): an object with ``statusCode`` and only ``headers``,
  ``multiValueHeaders``, ``body`` (a string) and ``isBase64Encoded``; anything else is a
  "Malformed Lambda proxy response" (so SAM CLI's ``start-api`` rejects other keys too).
  Values of ``headers`` and ``multiValueHeaders`` for one name are merged.
  ``isBase64Encoded`` bodies are decoded to binary only when the request's ``Accept``
  (its first media type) is one of the API's binary media types; otherwise the client
  gets the base64 text, as REST APIs do ("Return binary media from a Lambda proxy
  integration").
* HTTP payload 1.0: the same object (``statusCode`` required); base64 bodies decoded.
* HTTP payload 2.0 ("Lambda function response for format 2.0"): an object with
  ``statusCode`` is a response (``headers``, ``cookies``, ``body``, ``isBase64Encoded``);
  anything else valid JSON is a 200 ``application/json`` whose body is that JSON.

A header name or value holding CR or LF cannot be sent as one header; API Gateway
refuses such a response rather than splitting it, so it is malformed here too, with the
header named in :class:`MalformedResponse`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from typing import Any

from harness.apigateway.answers import GatewayResponse
from harness.apigateway.events import media_type_matches

_V1_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"})


class MalformedResponse(ValueError):
    """The function returned something API Gateway cannot turn into a response."""


def rest_response(
    payload: Any, *, accept: str | None, binary_media_types: Sequence[str]
) -> GatewayResponse:
    """A REST proxy integration's response (see module doc)."""
    if not isinstance(payload, dict):
        raise MalformedResponse(f"the response must be a JSON object, got {_kind(payload)}")
    extra = sorted(set(payload) - _V1_KEYS)
    if extra:
        raise MalformedResponse(
            f"keys {extra} are not allowed (only {', '.join(sorted(_V1_KEYS))})"
        )
    decode = media_type_matches(_first_media_type(accept), binary_media_types)
    return _v1_response(payload, decode_base64=decode)


def http_v1_response(payload: Any) -> GatewayResponse:
    """An HTTP API payload 1.0 integration's response (see module doc)."""
    if not isinstance(payload, dict):
        raise MalformedResponse(f"the response must be a JSON object, got {_kind(payload)}")
    return _v1_response(payload, decode_base64=True)


def http_v2_response(payload: Any) -> GatewayResponse:
    """An HTTP API payload 2.0 integration's response (see module doc)."""
    if not (isinstance(payload, dict) and "statusCode" in payload):
        body = json.dumps(payload).encode()
        return GatewayResponse(200, [("Content-Type", "application/json")], body)
    headers = _header_pairs(payload.get("headers"))
    cookies = payload.get("cookies") or []
    if not isinstance(cookies, list):
        raise MalformedResponse(f"cookies must be a list, got {_kind(cookies)}")
    headers += [("Set-Cookie", _checked("Set-Cookie", cookie)) for cookie in cookies]
    return GatewayResponse(_status(payload), headers, _body(payload, decode_base64=True))


def _v1_response(payload: Mapping[str, Any], *, decode_base64: bool) -> GatewayResponse:
    if "statusCode" not in payload:
        raise MalformedResponse("statusCode is missing")
    status = _status(payload)
    single = _header_pairs(payload.get("headers"))
    multi = payload.get("multiValueHeaders") or {}
    if not isinstance(multi, Mapping):
        raise MalformedResponse(f"multiValueHeaders must be an object, got {_kind(multi)}")
    headers: list[tuple[str, str]] = []
    for name, values in multi.items():
        if not isinstance(values, list):
            raise MalformedResponse(f"multiValueHeaders {name!r} must be a list")
        headers += [(str(name), _value(name, value)) for value in values]
    merged = {name.lower() for name, _ in headers}
    headers += [
        (name, value)
        for name, value in single
        if name.lower() not in merged or (name.lower(), value) not in _lowered(headers)
    ]
    return GatewayResponse(status, headers, _body(payload, decode_base64=decode_base64))


def _status(payload: Mapping[str, Any]) -> int:
    status = payload["statusCode"]
    if isinstance(status, bool) or not isinstance(status, int | str):
        raise MalformedResponse(f"statusCode {status!r} is not a number")
    try:
        number = int(status)
    except ValueError:
        raise MalformedResponse(f"statusCode {status!r} is not a number") from None
    if not 100 <= number <= 599:
        raise MalformedResponse(f"statusCode {number} is not an HTTP status")
    return number


def _header_pairs(headers: Any) -> list[tuple[str, str]]:
    if headers is None:
        return []
    if not isinstance(headers, Mapping):
        raise MalformedResponse(f"headers must be an object, got {_kind(headers)}")
    return [(_checked("a header name", str(name)), _value(name, v)) for name, v in headers.items()]


def _value(name: Any, value: Any) -> str:
    if isinstance(value, bool):
        text = str(value).lower()
    elif isinstance(value, str | int | float):
        text = str(value)
    else:
        raise MalformedResponse(f"header {name!r} has a {_kind(value)} value")
    return _checked(f"header {name!r}", text)


def _checked(what: str, text: Any) -> str:
    text = str(text)
    if "\r" in text or "\n" in text:
        raise MalformedResponse(f"{what} holds a CR or LF character ({text!r})")
    return text


def _body(payload: Mapping[str, Any], *, decode_base64: bool) -> bytes:
    body = payload.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise MalformedResponse(f"body must be a string, got {_kind(body)}")
    if payload.get("isBase64Encoded") and decode_base64:
        try:
            return base64.b64decode(body, validate=True)
        except binascii.Error as error:
            raise MalformedResponse(f"isBase64Encoded body is not base64: {error}") from None
    return body.encode("utf-8")


def _lowered(headers: list[tuple[str, str]]) -> set[tuple[str, str]]:
    return {(name.lower(), value) for name, value in headers}


def _first_media_type(accept: str | None) -> str | None:
    if not accept:
        return None
    return accept.split(",", 1)[0].split(";", 1)[0].strip().lower()


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__
