"""A local stand-in for an API Gateway HTTP API with Lambda proxy integrations (payload 2.0).

moto has no data plane for API Gateway v2, so the embedded target serves the
template's routes itself: each request becomes the event API Gateway would
build, goes to the route's function through ``invoke``, and the function's
answer is mapped back to HTTP with API Gateway's rules, including its inference
for return values without ``statusCode`` and its bare error bodies.

Deliberately not emulated: authorizers, CORS preflight answers (OPTIONS is
routed like any method, as on an API without a CORS configuration),
throttling, custom domains. HEAD is routed like any method; its response
carries headers only.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

from harness.events import HttpRequest, event_from_request
from harness.targets.embedded.routes import Route, match_route
from harness.targets.embedded.workers import InvokeResult

MAX_BODY_BYTES = 10 * 1024 * 1024
"""API Gateway's payload limit; larger requests get 413."""

_API_ID = "embedded"
_LOGS_KEPT = 200

Invoke = Callable[[str, dict[str, Any]], InvokeResult]
RequestObserver = Callable[[str | None, int, float, InvokeResult | None], None]


@dataclass(frozen=True)
class RequestRecord:
    """One request as served; ``request_id`` is API Gateway's (``apigw-requestid`` header)."""

    method: str
    path: str
    status: int
    function: str | None
    request_id: str
    duration_ms: float


class FunctionResponseError(ValueError):
    """The function returned something API Gateway cannot turn into a response."""


class LocalHttpApi:
    """Serve ``routes`` on 127.0.0.1 (random port) from a daemon thread.

    ``access_log``: file that receives one JSON line per request (never the
    terminal); without it, access lines are discarded and only
    ``request_log`` keeps track. ``on_request(route_key, status, latency_ms, result)`` is
    told of every request (``route_key`` ``None`` when no route matched): API metrics.
    """

    def __init__(
        self,
        routes: Iterable[Route],
        invoke: Invoke,
        stage: str = "$default",
        *,
        access_log: Path | None = None,
        on_request: RequestObserver | None = None,
    ) -> None:
        self.routes = list(routes)
        self.on_request = on_request
        self.stage = stage
        self._invoke = invoke
        self._access_log_path = access_log
        self._access_log: IO[str] | None = None
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []
        self._logs: deque[tuple[str, str]] = deque(maxlen=_LOGS_KEPT)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> LocalHttpApi:
        if self._access_log_path is not None:
            self._access_log_path.parent.mkdir(parents=True, exist_ok=True)
            self._access_log = self._access_log_path.open("a", encoding="utf-8")
        self._server = _Server(("127.0.0.1", 0), _Handler, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="local-http-api",
            daemon=True,
        )
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT/``, plus the stage segment for a named stage."""
        if self._server is None:
            raise RuntimeError("LocalHttpApi.url is only known after start()")
        stage = "" if self.stage == "$default" else f"{self.stage}/"
        return f"http://127.0.0.1:{self._server.server_address[1]}/{stage}"

    @property
    def request_log(self) -> list[RequestRecord]:
        """A snapshot of every request served so far, oldest first."""
        with self._lock:
            return list(self._records)

    def last_logs(self, function: str | None = None) -> str:
        """Function logs of the latest invocation (of ``function``, if given); "" if none."""
        with self._lock:
            for logged_function, logs in reversed(self._logs):
                if function is None or logged_function == function:
                    return logs
        return ""

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        with self._lock:
            if self._access_log is not None:
                self._access_log.close()
                self._access_log = None

    def __enter__(self) -> LocalHttpApi:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _record(self, record: RequestRecord, result: InvokeResult | None, line: str) -> None:
        with self._lock:
            self._records.append(record)
            if result is not None and record.function is not None:
                self._logs.append((record.function, result.logs))
            if self._access_log is not None:
                self._access_log.write(line + "\n")
                self._access_log.flush()

    def _note(self, message: str) -> None:
        """Server-level messages (malformed requests) go to the access log as well."""
        with self._lock:
            if self._access_log is not None:
                self._access_log.write(message + "\n")
                self._access_log.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], handler: type[_Handler], api: LocalHttpApi
    ) -> None:
        super().__init__(address, handler)
        self.api = api


class _Handler(BaseHTTPRequestHandler):
    """Turns one HTTP request into one Lambda invocation."""

    protocol_version = "HTTP/1.1"
    timeout = 60  # idle keep-alive connections must not pin threads forever
    # Headers and body leave in separate writes; with Nagle on, the client's delayed ACK
    # holds the second one back ~40 ms on every keep-alive request.
    disable_nagle_algorithm = True
    server: _Server

    def do_request(self) -> None:
        api = self.server.api
        started = time.monotonic()
        request_id = _api_request_id()
        raw_path = self.path.partition("?")[0]
        function: str | None = None
        result: InvokeResult | None = None
        route_key = "-"
        try:
            body = self._read_body()
        except _TooLarge:
            status, headers, payload = _message(413, "Request Entity Too Large")
            self.close_connection = True
        else:
            route_path = _strip_stage(raw_path, api.stage)
            match = (
                None if route_path is None else match_route(api.routes, self.command, route_path)
            )
            if match is None:
                status, headers, payload = _message(404, "Not Found")
            else:
                route, path_parameters = match
                function, route_key = route.function, route.key
                event = build_event(
                    self, body, route, path_parameters, stage=api.stage, request_id=request_id
                )
                status, headers, payload, result = self._call(api, function, event)
        duration_ms = (time.monotonic() - started) * 1000
        record = RequestRecord(self.command, raw_path, status, function, request_id, duration_ms)
        if api.on_request is not None:
            api.on_request(None if function is None else route_key, status, duration_ms, result)
        # Recorded before answering, so a client that got its response finds it logged.
        api._record(record, result, _access_line(self, record, route_key, len(payload)))
        self._respond(status, headers, payload, request_id)

    # http.server dispatches on these names; every method is routed the same way.
    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_request  # noqa: N815

    def _call(
        self, api: LocalHttpApi, function: str, event: dict[str, Any]
    ) -> tuple[int, list[tuple[str, str]], bytes, InvokeResult | None]:
        try:
            result = api._invoke(function, event)
        except Exception as error:
            api._note(f"invoking {function} failed in the harness: {error!r}")
            return (*_message(500, "Internal Server Error"), None)
        if result.error is not None:
            return (*_message(500, "Internal Server Error"), result)
        try:
            return (*http_response(result.payload), result)
        except FunctionResponseError as error:
            api._note(f"{function} returned a malformed response: {error}")
            return (*_message(500, "Internal Server Error"), result)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY_BYTES:
            raise _TooLarge
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        body = bytearray()
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            if len(body) + size > MAX_BODY_BYTES:
                raise _TooLarge
            body += self.rfile.read(size)
            self.rfile.readline()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass  # trailers
        return bytes(body)

    def _respond(
        self, status: int, headers: list[tuple[str, str]], payload: bytes, request_id: str
    ) -> None:
        self.send_response_only(status)
        self.send_header("Date", self.date_time_string())
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("apigw-requestid", request_id)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        self.server.api._note(format % args)


class _TooLarge(Exception):
    """The request body exceeds API Gateway's payload limit."""


def build_event(
    request: BaseHTTPRequestHandler,
    body: bytes,
    route: Route,
    path_parameters: Mapping[str, str],
    *,
    stage: str,
    request_id: str,
) -> dict[str, Any]:
    """The payload-2.0 event API Gateway HTTP APIs send for this request."""
    headers = list(request.headers.items())
    if not any(name.lower() == "x-forwarded-port" for name, _ in headers):
        headers.append(("x-forwarded-port", str(request.server.server_address[1])))
    return event_from_request(
        HttpRequest(
            request.command,
            request.path,
            headers,
            body,
            source_ip=request.client_address[0],
            protocol=request.request_version,
        ),
        route_key=route.key,
        path_parameters=path_parameters,
        stage=stage,
        request_id=request_id,
        api_id=_API_ID,
    )


def http_response(payload: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """Map a function's payload to (status, headers, body) like payload format 2.0 does.

    A dict with ``statusCode`` is a response description; anything else is
    returned as a 200 JSON document of the payload.
    """
    if not (isinstance(payload, dict) and "statusCode" in payload):
        return 200, [("Content-Type", "application/json")], json.dumps(payload).encode()
    try:
        status = int(payload["statusCode"])
    except (TypeError, ValueError):
        raise FunctionResponseError(
            f"statusCode {payload['statusCode']!r} is not a number"
        ) from None
    headers = [
        (str(name), _header_value(value)) for name, value in (payload.get("headers") or {}).items()
    ]
    for name, values in (payload.get("multiValueHeaders") or {}).items():
        headers += [(str(name), _header_value(value)) for value in values]
    headers += [("Set-Cookie", str(cookie)) for cookie in payload.get("cookies") or []]
    body = payload.get("body")
    if body is None:
        return status, headers, b""
    if not isinstance(body, str):
        raise FunctionResponseError(f"body must be a string, got {type(body).__name__}")
    if payload.get("isBase64Encoded"):
        try:
            return status, headers, base64.b64decode(body, validate=True)
        except binascii.Error as error:
            raise FunctionResponseError(f"isBase64Encoded body is not base64: {error}") from None
    return status, headers, body.encode("utf-8")


def _message(status: int, message: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """API Gateway's own bare error bodies."""
    return status, [("Content-Type", "application/json")], json.dumps({"message": message}).encode()


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _strip_stage(raw_path: str, stage: str) -> str | None:
    """The path routes see: a named stage's prefix removed, ``None`` when it is missing."""
    if stage == "$default":
        return raw_path
    prefix = f"/{stage}"
    if raw_path == prefix:
        return "/"
    return raw_path[len(prefix) :] if raw_path.startswith(prefix + "/") else None


def _api_request_id() -> str:
    """An id shaped like API Gateway's (``JXLZxi0GIAMEVXQ=``)."""
    return base64.b64encode(os.urandom(10)).decode()


def _access_line(
    request: BaseHTTPRequestHandler, record: RequestRecord, route_key: str, length: int
) -> str:
    """One access-log entry with the fields API Gateway's access logs usually carry."""
    return json.dumps(
        {
            "requestId": record.request_id,
            "ip": request.client_address[0],
            "requestTime": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "httpMethod": record.method,
            "path": record.path,
            "routeKey": route_key,
            "status": record.status,
            "protocol": request.request_version,
            "responseLength": length,
            "function": record.function,
            "latencyMs": round(record.duration_ms, 2),
        }
    )
