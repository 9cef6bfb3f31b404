"""The embedded target's API Gateway: each API of the stack on its own loopback port.

moto has no data plane for API Gateway (v1 or v2), so the front serves the template's
APIs itself. All API Gateway behaviour lives in :mod:`harness.apigateway`; this module
only turns bytes on a socket into an :class:`~harness.apigateway.ApiRequest` and an
:class:`~harness.apigateway.gateway.Exchange` back into bytes, and keeps the logs.

Why our own request loop on ``http.server`` instead of its ``do_GET`` dispatch: a hostile
client must get API Gateway's JSON answers, never a traceback, silence or an HTML page.

* The listen backlog is 128 (``http.server``'s 5 stalls 20 clients that open a
  connection per request: the kernel drops their SYNs).
* A malformed ``Content-Length`` (``abc``, ``-5``) or chunk size, or a request line or
  header block ``http.server`` cannot parse, is a 400 ``{"message": "Bad Request"}``
  and the connection is closed (its framing is lost).
* Any method reaches the gateway, which answers an unknown one (``TRACE``, ``PROPFIND``)
  as a missing route of that API kind.
* A body over API Gateway's 10 MB limit is a 413 without reading it; the connection is
  closed after the answer.
* Headers and body leave in one write, so neither Nagle nor a delayed ACK holds the
  body back on keep-alive connections.
* The request line and header block are read by :mod:`http_head` (not the ``email``
  package's parser), with ``http.server``'s limits; what it refuses is answered here.

Each API writes an access log, one line a request, stamped with the time like every log
file of the target (:mod:`log_files`): the fields of the API's own access log ``Format``
where the template declares one (``$context.*`` variables filled in, missing ones ``-``
as API Gateway writes them), else a default set as JSON. The in-memory
request log keeps the most recent requests only.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

from harness.apigateway import Answer, ApiGateway, ApiRequest, gateway_answer
from harness.apigateway.answers import GatewayResponse
from harness.apigateway.gateway import MAX_PAYLOAD_BYTES, Exchange
from harness.sam import SamApi
from harness.targets.embedded.http_head import HeadParsing
from harness.targets.embedded.log_files import stamped_line

LISTEN_BACKLOG = 128
REQUEST_LOG_SIZE = 1_000
"""Requests kept in memory per API (the access log file has them all)."""

_REQUEST_ID_HEADER = {"REST": "x-amzn-RequestId", "HTTP": "apigw-requestid"}
"""Where each API kind tells the client its request id."""
_CONTEXT_VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_.]+)")

IntegrationErrorHook = Callable[[str, str, str], None]
"""``hook(function_id, lambda_request_id, message)``: a served request's integration error."""
RequestHook = Callable[[Exchange, float], None]
"""``hook(exchange, latency_ms)``: every answered request (API Gateway's metrics)."""


@dataclass(frozen=True)
class RequestRecord:
    """One request as served; ``request_id`` is API Gateway's (``apigw-requestid`` header
    of HTTP APIs, ``x-amzn-RequestId`` of REST APIs)."""

    method: str
    path: str
    status: int
    function: str | None
    request_id: str
    duration_ms: float
    integration_error: str = ""


class LocalApi:
    """One API served on ``127.0.0.1`` (a random port) from a daemon thread."""

    def __init__(
        self,
        gateway: ApiGateway,
        *,
        access_log: Path | None = None,
        access_log_format: str | None = None,
        on_integration_error: IntegrationErrorHook | None = None,
        on_request: RequestHook | None = None,
        request_log_size: int = REQUEST_LOG_SIZE,
    ) -> None:
        self.gateway = gateway
        self._access_log_path = access_log
        self._access_log_format = access_log_format
        self._access_log: IO[bytes] | None = None
        self._on_integration_error = on_integration_error
        self._on_request = on_request
        self._lock = threading.Lock()
        self._records: deque[RequestRecord] = deque(maxlen=request_log_size)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> LocalApi:
        if self._access_log_path is not None:
            self._access_log_path.parent.mkdir(parents=True, exist_ok=True)
            self._access_log = self._access_log_path.open("ab")
        self._server = _Server(("127.0.0.1", 0), _Handler, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"api-{self.gateway.api.logical_id}",
            daemon=True,
        )
        self._thread.start()
        return self

    def reconfigure(self, api: SamApi, function_timeouts: Mapping[str, float]) -> None:
        """Serve ``api`` on the same port from the next request on (see ``ApiGateway``)."""
        self.gateway.reconfigure(api, function_timeouts)
        self._access_log_format = api.access_log_format

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("LocalApi.port is only known after start()")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """The API's base URL: ``http://127.0.0.1:PORT/``, plus ``Stage/`` where it has one."""
        return f"http://127.0.0.1:{self.port}{self.gateway.stage_prefix}/"

    @property
    def request_log(self) -> list[RequestRecord]:
        """A snapshot of the most recent requests (up to ``request_log_size``), oldest first."""
        with self._lock:
            return list(self._records)

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.gateway.close()
        with self._lock:
            if self._access_log is not None:
                self._access_log.close()
                self._access_log = None

    def __enter__(self) -> LocalApi:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def serve(self, request: ApiRequest) -> Exchange:
        """Answer one request through the gateway and log it."""
        started = time.monotonic()
        exchange = self.gateway.handle(request)
        duration_ms = (time.monotonic() - started) * 1000
        outcome = exchange.outcome
        if exchange.integration_error and exchange.function_id and self._on_integration_error:
            lambda_id = outcome.request_id if outcome is not None else ""
            self._on_integration_error(exchange.function_id, lambda_id, exchange.integration_error)
        record = RequestRecord(
            request.method,
            request.path,
            exchange.response.status,
            exchange.function_id,
            exchange.context.request_id,
            duration_ms,
            exchange.integration_error,
        )
        line = (
            None if self._access_log is None else self._access_line(request, exchange, duration_ms)
        )
        with self._lock:  # recorded before answering: a client that got its answer finds it
            self._records.append(record)
            if self._access_log is not None and line is not None:
                self._access_log.write(stamped_line(line))
                self._access_log.flush()
        if self._on_request is not None:
            self._on_request(exchange, duration_ms)
        return exchange

    def note(self, message: str) -> None:
        """Server-level messages (malformed requests) go to the access log as well."""
        with self._lock:
            if self._access_log is not None:
                self._access_log.write(stamped_line(json.dumps({"message": message})))
                self._access_log.flush()

    def _access_line(self, request: ApiRequest, exchange: Exchange, duration_ms: float) -> str:
        values = _log_values(request, exchange, duration_ms)
        if self._access_log_format is None:
            return json.dumps({name: values.get(name) for name in _DEFAULT_FIELDS})

        def fill(found: re.Match[str]) -> str:
            value = values.get(found.group(1))
            return "-" if value in (None, "") else json.dumps(str(value))[1:-1]

        return " ".join(_CONTEXT_VARIABLE.sub(fill, self._access_log_format).split())


_DEFAULT_FIELDS = (
    "requestId",
    "identity.sourceIp",
    "requestTime",
    "httpMethod",
    "path",
    "routeKey",
    "status",
    "protocol",
    "responseLength",
    "responseLatency",
    "integrationLatency",
    "integrationErrorMessage",
    "authorizer.error",
    "function",
)


def _log_values(request: ApiRequest, exchange: Exchange, duration_ms: float) -> dict[str, Any]:
    """``$context`` variables of API Gateway's access logs, for one request."""
    context = exchange.context
    integration_ms = exchange.integration_latency_ms
    return {
        "requestId": context.request_id,
        "extendedRequestId": context.request_id,
        "apiId": context.api_id,
        "stage": context.stage,
        "domainName": (request.header("host") or "").rsplit(":", 1)[0],
        "identity.sourceIp": request.source_ip,
        "identity.userAgent": request.header("user-agent"),
        "requestTime": context.request_time,
        "requestTimeEpoch": context.epoch_ms,
        "httpMethod": request.method,
        "path": request.path,
        "protocol": request.protocol,
        "routeKey": exchange.route_key,
        "status": exchange.response.status,
        "responseLength": len(exchange.response.body),
        "responseLatency": round(duration_ms),
        "integrationLatency": None if integration_ms is None else round(integration_ms),
        "integration.latency": None if integration_ms is None else round(integration_ms),
        "integrationErrorMessage": exchange.integration_error,
        "integration.error": exchange.integration_error,
        "authorizer.error": exchange.auth_error,
        "authorizer.principalId": exchange.principal_id,
        "function": exchange.function_id,
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, address: tuple[str, int], handler: type[_Handler], api: LocalApi) -> None:
        super().__init__(address, handler)
        self.api = api


class _BadFraming(Exception):
    """The request's body cannot be delimited: its connection is unusable."""


class _TooLarge(Exception):
    """The request body exceeds API Gateway's payload limit."""


class _Handler(HeadParsing):
    """Reads one request at a time off a connection; every method goes to the gateway."""

    protocol_version = "HTTP/1.1"
    timeout = 60  # idle keep-alive connections must not pin threads forever
    disable_nagle_algorithm = True
    server: _Server

    def handle_one_request(self) -> None:
        """``http.server``'s loop step, without its per-method dispatch (see module doc)."""
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except TimeoutError:
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if len(self.raw_requestline) > 65536:
            self._answer_bad_request("request line too long")
            return
        if not self.parse_request():  # it has answered through send_error
            return
        api = self.server.api
        try:
            body = self._read_body()
        except _TooLarge:
            self.close_connection = True
            self._write(gateway_answer(api.gateway.kind, Answer.REQUEST_TOO_LARGE), "-")
            return
        except _BadFraming as error:
            self._answer_bad_request(str(error))
            return
        headers = tuple(self.headers.items())
        if self.headers.get("x-forwarded-port") is None:
            headers += (("X-Forwarded-Port", str(self.server.server_address[1])),)
        request = ApiRequest(
            self.command,
            self.path,
            headers,
            body,
            source_ip=self.client_address[0],
            protocol=self.request_version,
        )
        exchange = api.serve(request)
        self._write(exchange.response, exchange.context.request_id)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """``http.server``'s parse errors, answered as JSON like API Gateway's own."""
        self.close_connection = True
        self.server.api.note(f"malformed request ({code}): {message or ''}")
        answer = gateway_answer(self.server.api.gateway.kind, Answer.BAD_REQUEST)
        if code != 400:
            phrase = self.responses.get(code, ("Error",))[0]
            answer = GatewayResponse(code, answer.headers, json.dumps({"message": phrase}).encode())
        self.request_version = getattr(self, "request_version", "HTTP/1.1")
        self.command = getattr(self, "command", None) or "GET"
        self._write(answer, "-")

    def _answer_bad_request(self, why: str) -> None:
        self.send_error(400, why)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            return self._read_chunked()
        raw = self.headers.get("content-length")
        if raw is None:
            return b""
        if not raw.strip().isdigit():
            raise _BadFraming(f"Content-Length {raw!r} is not a number of bytes")
        length = int(raw)
        if length > MAX_PAYLOAD_BYTES:
            raise _TooLarge
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        body = bytearray()
        while True:
            line = self.rfile.readline(1024)
            size_text = line.split(b";")[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise _BadFraming(f"chunk size {size_text!r} is not hexadecimal") from None
            if size < 0 or not size_text.isalnum():
                raise _BadFraming(f"chunk size {size_text!r} is not hexadecimal")
            if size == 0:
                break
            if len(body) + size > MAX_PAYLOAD_BYTES:
                raise _TooLarge
            body += self.rfile.read(size)
            self.rfile.readline()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass  # trailers
        return bytes(body)

    def _write(self, response: GatewayResponse, request_id: str) -> None:
        """Status line, headers and body in one write."""
        phrase = self.responses.get(response.status, ("",))[0]
        lines = [
            f"{self.protocol_version} {response.status} {phrase}",
            f"Date: {self.date_time_string()}",
        ]
        lines += [f"{name}: {value}" for name, value in response.headers]
        lines.append(f"Content-Length: {len(response.body)}")
        lines.append(f"{_REQUEST_ID_HEADER[self.server.api.gateway.kind]}: {request_id}")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace")
        self.wfile.write(head if self.command == "HEAD" else head + response.body)
        self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:
        self.server.api.note(format % args)


class LocalApis:
    """Every API of one stack, each on its own port, by logical id."""

    def __init__(self, apis: Mapping[str, LocalApi]) -> None:
        self.apis = dict(apis)

    def start(self) -> LocalApis:
        try:
            for api in self.apis.values():
                api.start()
        except BaseException:
            self.close()
            raise
        return self

    @property
    def urls(self) -> dict[str, str]:
        """Each API's base URL (stage included), by logical id."""
        return {logical_id: api.url for logical_id, api in self.apis.items()}

    def close(self) -> None:
        for api in self.apis.values():
            api.close()
