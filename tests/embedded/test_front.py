"""The embedded front over real sockets: API Gateway's events in, its answers out.

The gateway's rules have their own unit tests (``tests/apigateway``); here they are seen
through HTTP, with the framing, logging and hostile-input handling only the front has.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from harness.apigateway import ApiGateway
from harness.apigateway.gateway import MAX_PAYLOAD_BYTES
from harness.sam import Route, SamApi
from harness.targets.embedded.front import LISTEN_BACKLOG, LocalApi
from harness.targets.embedded.log_files import parse_line
from harness.targets.embedded.workers import FunctionError, InvokeResult, WorkerRegistry


def route(method: str, path: str, function: str | None, payload: str = "2.0") -> Route:
    return Route("Api", method, path, function, payload, f"{function}.Events.E")  # type: ignore[arg-type]


ROUTES = (
    route("GET", "/items/{id}", "Read"),
    route("POST", "/items", "Write"),
    route("ANY", "/respond", "Respond"),
)


def http_api(routes=ROUTES, stage="$default", **fields: Any) -> SamApi:
    return SamApi("Api", "HTTP", False, stage, tuple(routes), **fields)


def rest_api(routes, stage="Prod", **fields: Any) -> SamApi:
    return SamApi("Api", "REST", False, stage, tuple(routes), **fields)


class FakeFunctions:
    """Stands in for the workers: records events, answers with ``self.answer``."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.answer: InvokeResult = self.returning({"ok": True})

    @staticmethod
    def returning(payload: Any) -> InvokeResult:
        return InvokeResult(payload, None, f"logs for {payload!r}", 1.0, "lambda-request-id")

    def __call__(self, function: str, event: dict[str, Any]) -> InvokeResult:
        self.events.append((function, event))
        return self.answer


Response = tuple[int, http.client.HTTPMessage, bytes]
Send = Callable[..., Response]


@pytest.fixture
def functions() -> FakeFunctions:
    return FakeFunctions()


def serving(api: SamApi, invoke: Any, tmp_path: Path | None = None, **kwargs: Any) -> LocalApi:
    return LocalApi(
        ApiGateway(api, invoke, api_id="abc123"),
        access_log=None if tmp_path is None else tmp_path / "access.log",
        **kwargs,
    )


@pytest.fixture
def api(functions: FakeFunctions, tmp_path: Path) -> Iterator[LocalApi]:
    with serving(http_api(), functions, tmp_path) as started:
        yield started


def sender(base_url: str) -> Send:
    """Send one request with exact control over (repeated) headers."""

    def send(
        method: str, path: str, headers: list[tuple[str, str]] = (), body: bytes | None = None
    ) -> Response:
        url = urlsplit(base_url)
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        try:
            connection.putrequest(method, url.path.rstrip("/") + path)
            for name, value in headers:
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    return send


def raw_exchange(api: LocalApi, data: bytes) -> bytes:
    """Write raw bytes on a fresh connection; everything the server answers before closing."""
    with socket.create_connection(("127.0.0.1", api.port), timeout=10) as connection:
        connection.sendall(data)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture
def send(api: LocalApi) -> Send:
    return sender(api.url)


def test_event_has_the_payload_2_0_shape(send, functions):
    send(
        "GET",
        "/items/a%2Fb?tag=x&tag=y&q=hello%20world&empty=",
        headers=[
            ("X-Custom", "one"),
            ("x-custom", "two"),
            ("Cookie", "session=abc; theme=dark"),
            ("Cookie", "lang=en"),
            ("User-Agent", "pytest-agent"),
        ],
    )
    function, event = functions.events[-1]
    assert function == "Read"
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /items/{id}"
    assert event["rawPath"] == "/items/a%2Fb"
    assert event["rawQueryString"] == "tag=x&tag=y&q=hello%20world&empty="
    assert event["headers"]["x-custom"] == "one,two"
    assert all(name == name.lower() for name in event["headers"])
    assert "cookie" not in event["headers"]
    assert event["cookies"] == ["session=abc", "theme=dark", "lang=en"]
    assert event["queryStringParameters"] == {"tag": "x,y", "q": "hello world", "empty": ""}
    assert event["pathParameters"] == {"id": "a/b"}
    assert event["isBase64Encoded"] is False
    assert "body" not in event
    context = event["requestContext"]
    assert context["http"] == {
        "method": "GET",
        "path": "/items/a%2Fb",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "pytest-agent",
    }
    assert context["routeKey"] == "GET /items/{id}"
    assert context["stage"] == "$default"
    assert context["accountId"] == "123456789012"
    assert context["domainName"] == "127.0.0.1"
    assert re.fullmatch(r"\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000", context["time"])
    assert context["apiId"] == "abc123"
    assert isinstance(context["timeEpoch"], int)
    assert {"apiId", "domainPrefix", "requestId"} <= context.keys()


def test_optional_fields_are_omitted_when_empty(send, functions):
    send("POST", "/items", body=b"")
    event = functions.events[-1][1]
    assert {"queryStringParameters", "pathParameters", "cookies", "body"}.isdisjoint(event)


def test_text_body_is_passed_as_text(send, functions):
    body = json.dumps({"name": "widget ✓"}).encode()
    send("POST", "/items", headers=[("Content-Type", "application/json")], body=body)
    event = functions.events[-1][1]
    assert event["body"] == '{"name": "widget \\u2713"}'
    assert event["isBase64Encoded"] is False


@pytest.mark.parametrize(
    ("content_type", "body"),
    [("application/octet-stream", b"plain ascii"), ("text/plain", b"\xff\xfe not utf-8")],
)
def test_binary_body_is_base64_encoded(send, functions, content_type, body):
    send("POST", "/items", headers=[("Content-Type", content_type)], body=body)
    event = functions.events[-1][1]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == body


@pytest.mark.parametrize(
    ("payload", "expected_body"),
    [
        ({"items": [1, 2]}, {"items": [1, 2]}),
        ([1, "two"], [1, "two"]),
        (42, 42),
        ("just text", "just text"),
        (None, None),
    ],
)
def test_return_values_without_status_code_become_200_json(send, functions, payload, expected_body):
    functions.answer = functions.returning(payload)
    status, headers, body = send("GET", "/respond")
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == expected_body


def test_response_description_is_mapped(send, functions):
    functions.answer = functions.returning(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "text/plain", "X-Count": 3},
            "cookies": ["a=1; Path=/", "b=2; HttpOnly"],
            "body": "created",
        }
    )
    status, headers, body = send("GET", "/respond")
    assert (status, body) == (201, b"created")
    assert headers["content-type"] == "text/plain"
    assert headers["x-count"] == "3"
    assert headers.get_all("set-cookie") == ["a=1; Path=/", "b=2; HttpOnly"]
    assert headers["apigw-requestid"]


def test_base64_response_body_is_decoded(send, functions):
    raw = bytes(range(256))
    functions.answer = functions.returning(
        {"statusCode": 200, "body": base64.b64encode(raw).decode(), "isBase64Encoded": True}
    )
    assert send("GET", "/respond")[2] == raw


@pytest.mark.parametrize(
    "answer",
    [
        InvokeResult(None, FunctionError("unhandled", "ValueError", "boom"), "", 1.0, "r"),
        InvokeResult(None, FunctionError("timeout", "Sandbox.Timedout", "late"), "", 1.0, "r"),
        InvokeResult(None, FunctionError("crash", "Runtime.ExitError", "died"), "", 1.0, "r"),
        InvokeResult(None, FunctionError("throttled", "TooManyRequestsException", "x"), "", 0, "r"),
        FakeFunctions.returning({"statusCode": "not a number"}),
        FakeFunctions.returning({"statusCode": 200, "body": {"not": "a string"}}),
    ],
)
def test_function_errors_and_malformed_responses_are_500(send, functions, answer):
    functions.answer = answer
    status, _, body = send("GET", "/respond")
    assert status == 500
    assert json.loads(body) == {"message": "Internal Server Error"}


def test_unknown_route_is_404_and_not_invoked(send, functions):
    status, _, body = send("DELETE", "/items")
    assert status == 404
    assert json.loads(body) == {"message": "Not Found"}
    assert functions.events == []


def test_body_over_10_mb_is_413_without_invoking(api, functions):
    url = urlsplit(api.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    connection.putrequest("POST", "/items")
    connection.putheader("Content-Length", str(MAX_PAYLOAD_BYTES + 1))
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 413
    assert json.loads(response.read()) == {"message": "Request Entity Too Large"}
    connection.close()
    assert functions.events == []


def test_head_has_headers_but_no_body(send, functions):
    functions.answer = functions.returning({"statusCode": 200, "body": "twelve bytes"})
    status, headers, body = send("HEAD", "/respond")
    assert (status, body) == (200, b"")
    assert headers["content-length"] == "12"
    assert functions.events[-1][1]["requestContext"]["http"]["method"] == "HEAD"


def test_named_stage_prefixes_paths(functions):
    with serving(http_api(stage="dev"), functions) as api:
        assert api.url.endswith("/dev/")
        send = sender(api.url)
        assert send("GET", "/items/7")[0] == 200
        event = functions.events[-1][1]
        assert event["rawPath"] == "/dev/items/7"
        assert event["requestContext"]["stage"] == "dev"
        assert event["pathParameters"] == {"id": "7"}
        assert sender(api.url.removesuffix("dev/"))("GET", "/items/7")[0] == 404


def test_request_log_and_default_access_log(api, send, functions, tmp_path):
    send("GET", "/items/1")
    _, headers, _ = send("POST", "/items", body=b"{}")
    send("GET", "/nowhere")
    records = api.request_log
    assert [(r.method, r.path, r.status, r.function) for r in records] == [
        ("GET", "/items/1", 200, "Read"),
        ("POST", "/items", 200, "Write"),
        ("GET", "/nowhere", 404, None),
    ]
    assert records[1].request_id == headers["apigw-requestid"]
    lines = [json.loads(text) for _, text in _access_log(tmp_path / "access.log")]
    assert [(line["routeKey"], line["status"]) for line in lines] == [
        ("GET /items/{id}", 200),
        ("POST /items", 200),
        ("-", 404),
    ]
    assert lines[1]["requestId"] == headers["apigw-requestid"]


def _access_log(path: Path) -> list[tuple[float | None, str]]:
    return [parse_line(line) for line in path.read_text().splitlines()]


def test_the_request_log_is_bounded(functions):
    with serving(http_api(), functions, request_log_size=3) as api:
        send = sender(api.url)
        for number in range(5):
            send("GET", f"/items/{number}")
        assert [record.path for record in api.request_log] == [f"/items/{n}" for n in (2, 3, 4)]


def test_access_log_follows_the_apis_declared_format(functions, tmp_path):
    log_format = (
        '{"id":"$context.requestId","route":"$context.routeKey","status":"$context.status",'
        '"error":"$context.integrationErrorMessage","ua":"$context.identity.userAgent"}'
    )
    with serving(http_api(), functions, tmp_path, access_log_format=log_format) as api:
        functions.answer = functions.returning({"statusCode": 200, "headers": {"X": "a\r\nb"}})
        _, headers, _ = sender(api.url)("GET", "/respond", headers=[("User-Agent", 'say "hi"')])
    ((written, line),) = _access_log(tmp_path / "access.log")
    entry = json.loads(line)
    assert written is not None  # every line carries the time it was written
    assert set(entry) == {"id", "route", "status", "error", "ua"}
    assert entry["id"] == headers["apigw-requestid"]
    assert (entry["route"], entry["status"], entry["ua"]) == ("ANY /respond", "500", 'say "hi"')
    assert "'X'" in entry["error"]
    assert "CR or LF" in entry["error"]


def test_listen_backlog_is_at_least_128(api):
    assert LISTEN_BACKLOG >= 128
    assert api._server is not None
    assert api._server.request_queue_size == LISTEN_BACKLOG


@pytest.mark.parametrize("length", ["abc", "-5", "1e3"])
def test_a_malformed_content_length_is_api_gateways_400(api, functions, length):
    answer = raw_exchange(
        api, f"POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n{{}}".encode()
    )
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"Connection: close" in head
    assert json.loads(body) == {"message": "Bad Request"}
    assert functions.events == []


def test_a_malformed_chunk_size_is_api_gateways_400(api, functions):
    answer = raw_exchange(
        api,
        b"POST /items HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"zz\r\nabc\r\n0\r\n\r\n",
    )
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert json.loads(body) == {"message": "Bad Request"}
    assert functions.events == []


def test_a_chunked_body_is_read(api, functions):
    answer = raw_exchange(
        api,
        b"POST /items HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close"
        b"\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert functions.events[-1][1]["body"] == "abcde"


def test_a_garbled_request_line_is_a_json_400(api):
    head, _, body = raw_exchange(api, b"this is not http\r\n\r\n").partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == b"400"
    assert json.loads(body) == {"message": "Bad Request"}


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /respond HTTP/1.1\r\nHost: x\r\n" + b"X-Many: 1\r\n" * 100 + b"\r\n", b"431"),
        (b"GET /respond HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n", b"431"),
        (b"GET /respond HTTP/2.0\r\nHost: x\r\n\r\n", b"505"),
        (b"GET /respond HTTP/one\r\nHost: x\r\n\r\n", b"400"),
        (b"GET /respond\r\n\r\n", b"400"),
        (b"GET /respond HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", b"400"),
        (b"GET /respond HTTP/1.1\r\nX-Folded: a\r\n continued\r\n\r\n", b"400"),
        (b"GET /respond HTTP/1.1\r\nHost : x\r\n\r\n", b"400"),
    ],
    ids=[
        "101-headers",
        "long-line",
        "http2",
        "bad-version",
        "http0.9",
        "no-colon",
        "obs-fold",
        "space-before-colon",
    ],
)
def test_a_header_block_the_front_cannot_take_is_a_json_error_and_no_invoke(
    api, functions, request_bytes, status
):
    head, _, body = raw_exchange(api, request_bytes).partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == status
    assert b"Connection: close" in head
    assert "message" in json.loads(body)
    assert functions.events == []


def test_header_fields_keep_their_order_duplicates_and_trimmed_values(send, functions):
    send("GET", "/respond", headers=[("X-Dup", "  one "), ("x-dup", "two\t"), ("X-Empty", "")])
    event = functions.events[-1][1]
    assert event["headers"]["x-dup"] == "one,two"
    assert event["headers"]["x-empty"] == ""


def test_keep_alive_follows_the_version_and_the_connection_header(api, functions):
    one_zero = raw_exchange(api, b"GET /respond HTTP/1.0\r\nHost: x\r\n\r\n")
    assert b"Connection: close" in one_zero.partition(b"\r\n\r\n")[0]
    with socket.create_connection(("127.0.0.1", api.port), timeout=10) as connection:
        for _ in range(2):  # HTTP/1.0 keep-alive: the connection serves a second request
            connection.sendall(b"GET /respond HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            head = connection.recv(65536).partition(b"\r\n\r\n")[0]
            assert head.startswith(b"HTTP/1.1 200 ")
            assert b"Connection: close" not in head
    closing = raw_exchange(api, b"GET /respond HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert closing.startswith(b"HTTP/1.1 200 ")


def test_expect_100_continue_is_answered_before_the_body(api, functions):
    with socket.create_connection(("127.0.0.1", api.port), timeout=10) as connection:
        connection.sendall(
            b"POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n"
        )
        assert connection.recv(65536).startswith(b"HTTP/1.1 100 Continue\r\n")
        connection.sendall(b"{}")
        assert connection.recv(65536).startswith(b"HTTP/1.1 200 ")
    assert functions.events[-1][1]["body"] == "{}"


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "BREW"])
def test_unknown_methods_get_the_missing_route_answer_in_json(functions, method, tmp_path):
    with (
        serving(http_api((route("ANY", "/respond", "Respond"),)), functions) as http,
        serving(rest_api((route("ANY", "/respond", "Respond", "1.0"),)), functions) as rest,
    ):
        status, headers, body = sender(http.url)(method, "/respond")
        assert (status, json.loads(body)) == (404, {"message": "Not Found"})
        assert headers["content-type"] == "application/json"
        status, _, body = sender(rest.url)(method, "/respond")
        assert (status, json.loads(body)) == (403, {"message": "Missing Authentication Token"})
    assert functions.events == []


def test_a_header_value_with_cr_lf_never_reaches_the_wire_as_two_headers(functions, tmp_path):
    noted: list[tuple[str, str, str]] = []
    functions.answer = functions.returning(
        {"statusCode": 200, "headers": {"X-Split": "a\r\nInjected: yes"}, "body": "x"}
    )
    with (
        serving(
            http_api(), functions, on_integration_error=lambda *args: noted.append(args)
        ) as http,
        serving(
            rest_api((route("GET", "/respond", "Respond", "1.0"),)),
            functions,
            on_integration_error=lambda *args: noted.append(args),
        ) as rest,
    ):
        status, headers, body = sender(http.url)("GET", "/respond")
        assert (status, json.loads(body)) == (500, {"message": "Internal Server Error"})
        assert "injected" not in headers
        status, headers, body = sender(rest.url)("GET", "/respond")
        assert (status, json.loads(body)) == (502, {"message": "Internal server error"})
        assert "injected" not in headers
    assert [(function, request_id) for function, request_id, _ in noted] == [
        ("Respond", "lambda-request-id")
    ] * 2
    assert all("'X-Split'" in message for _, _, message in noted)


def test_end_to_end_with_real_workers(make_spec, tmp_path):
    """A raising handler gives 500 with its traceback in the logs; a timed-out one is replaced;
    a response over Lambda's 6 MB is a failed invocation, not a 200."""
    routes = [
        route("GET", "/echo", "Echo"),
        route("GET", "/boom", "Boom"),
        route("GET", "/slow", "Slow"),
        route("GET", "/binary", "Binary"),
        route("GET", "/cookies", "Cookies"),
        route("GET", "/big", "Big"),
    ]
    with WorkerRegistry(log_dir=tmp_path) as registry:
        registry.start(
            [
                make_spec("Echo", "http_echo"),
                make_spec("Boom", "boom"),
                make_spec("Slow", "sleepy", timeout_s=1),
                make_spec("Binary", "binary"),
                make_spec("Cookies", "cookies"),
                make_spec("Big", "text_of_length"),
            ]
        )
        journal: dict[str, InvokeResult] = {}

        def invoke(function: str, event: dict[str, Any]) -> InvokeResult:
            result = registry.invoke(function, 7 * 1024 * 1024 if function == "Big" else event)
            journal[function] = result
            return result

        with serving(http_api(routes), invoke) as api:
            send = sender(api.url)
            status, _, body = send("GET", "/echo?x=1")
            assert status == 200
            assert json.loads(body)["queryStringParameters"] == {"x": "1"}

            status, _, body = send("GET", "/boom")
            assert (status, json.loads(body)) == (500, {"message": "Internal Server Error"})
            assert "ValueError: boom from the fixture" in journal["Boom"].logs
            assert "Traceback (most recent call last)" in journal["Boom"].logs

            assert send("GET", "/binary")[2] == bytes(range(256))
            status, headers, _ = send("GET", "/cookies")
            assert status == 204
            assert headers.get_all("set-cookie") == ["a=1; Path=/", "b=2; HttpOnly"]

            slow_worker = registry.pool("Slow").workers[0]
            first_pid = slow_worker.pid
            assert send("GET", "/slow")[0] == 500
            assert "Task timed out" in journal["Slow"].logs
            assert slow_worker.pid != first_pid
            assert send("GET", "/echo")[0] == 200

            status, _, body = send("GET", "/big")
            assert (status, json.loads(body)) == (500, {"message": "Internal Server Error"})
            assert journal["Big"].error is not None
            assert journal["Big"].error.kind == "response_too_large"
            assert "ResponseSizeTooLarge" in api.request_log[-1].integration_error
