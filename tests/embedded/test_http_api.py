"""The local HTTP API: payload 2.0 events in, API Gateway response mapping out."""

from __future__ import annotations

import base64
import http.client
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from harness.targets.embedded.http_api import MAX_BODY_BYTES, LocalHttpApi
from harness.targets.embedded.routes import Route
from harness.targets.embedded.workers import FunctionError, InvokeResult, WorkerRegistry

ROUTES = [
    Route("GET", "/items/{id}", "Read"),
    Route("POST", "/items", "Write"),
    Route("ANY", "/respond", "Respond"),
]


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


@pytest.fixture
def api(functions: FakeFunctions, tmp_path: Path) -> Iterator[LocalHttpApi]:
    with LocalHttpApi(ROUTES, functions, access_log=tmp_path / "access.log") as started:
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


@pytest.fixture
def send(api: LocalHttpApi) -> Send:
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
            "multiValueHeaders": {"X-Multi": ["a", "b"]},
            "cookies": ["a=1; Path=/", "b=2; HttpOnly"],
            "body": "created",
        }
    )
    status, headers, body = send("GET", "/respond")
    assert (status, body) == (201, b"created")
    assert headers["content-type"] == "text/plain"
    assert headers["x-count"] == "3"
    assert headers.get_all("x-multi") == ["a", "b"]
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
    connection.putheader("Content-Length", str(MAX_BODY_BYTES + 1))
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
    with LocalHttpApi(ROUTES, functions, stage="dev") as api:
        assert api.url.endswith("/dev/")
        send = sender(api.url)
        assert send("GET", "/items/7")[0] == 200
        event = functions.events[-1][1]
        assert event["rawPath"] == "/dev/items/7"
        assert event["requestContext"]["stage"] == "dev"
        assert event["pathParameters"] == {"id": "7"}
        assert sender(api.url.removesuffix("dev/"))("GET", "/items/7")[0] == 404


def test_request_log_last_logs_and_access_log(api, send, functions, tmp_path):
    functions.answer = functions.returning("first")
    send("GET", "/items/1")
    functions.answer = functions.returning("second")
    _, headers, _ = send("POST", "/items", body=b"{}")
    send("GET", "/nowhere")
    records = api.request_log
    assert [(r.method, r.path, r.status, r.function) for r in records] == [
        ("GET", "/items/1", 200, "Read"),
        ("POST", "/items", 200, "Write"),
        ("GET", "/nowhere", 404, None),
    ]
    assert records[1].request_id == headers["apigw-requestid"]
    assert api.last_logs() == "logs for 'second'"
    assert api.last_logs("Read") == "logs for 'first'"
    assert api.last_logs("Unknown") == ""
    lines = [json.loads(line) for line in (tmp_path / "access.log").read_text().splitlines()]
    assert [(line["routeKey"], line["status"]) for line in lines] == [
        ("GET /items/{id}", 200),
        ("POST /items", 200),
        ("-", 404),
    ]


def test_end_to_end_with_real_workers(make_spec, tmp_path):
    """A raising handler gives 500 with its traceback in the logs; a timed-out one is replaced."""
    routes = [
        Route("GET", "/echo", "Echo"),
        Route("GET", "/boom", "Boom"),
        Route("GET", "/slow", "Slow"),
        Route("GET", "/binary", "Binary"),
        Route("GET", "/cookies", "Cookies"),
    ]
    with WorkerRegistry(log_dir=tmp_path) as registry:
        registry.start(
            [
                make_spec("Echo", "http_echo"),
                make_spec("Boom", "boom"),
                make_spec("Slow", "sleepy", timeout_s=1),
                make_spec("Binary", "binary"),
                make_spec("Cookies", "cookies"),
            ]
        )
        with LocalHttpApi(routes, registry.invoke) as api:
            send = sender(api.url)
            status, _, body = send("GET", "/echo?x=1")
            assert status == 200
            assert json.loads(body)["queryStringParameters"] == {"x": "1"}

            status, _, body = send("GET", "/boom")
            assert (status, json.loads(body)) == (500, {"message": "Internal Server Error"})
            assert "ValueError: boom from the fixture" in api.last_logs("Boom")
            assert "Traceback (most recent call last)" in api.last_logs("Boom")

            assert send("GET", "/binary")[2] == bytes(range(256))
            status, headers, _ = send("GET", "/cookies")
            assert status == 204
            assert headers.get_all("set-cookie") == ["a=1; Path=/", "b=2; HttpOnly"]

            slow_worker = registry.pool("Slow").workers[0]
            first_pid = slow_worker.pid
            assert send("GET", "/slow")[0] == 500
            assert "Task timed out" in api.last_logs("Slow")
            assert slow_worker.pid != first_pid
            assert send("GET", "/echo")[0] == 200
