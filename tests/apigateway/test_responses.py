"""A function's return value as each payload format maps it, malformed ones refused."""

from __future__ import annotations

import base64

import pytest

from harness.apigateway.responses import (
    MalformedResponse,
    http_v1_response,
    http_v2_response,
    rest_response,
)


def rest(payload, accept=None, binary=()):
    return rest_response(payload, accept=accept, binary_media_types=list(binary))


def test_rest_merges_headers_and_multi_value_headers():
    response = rest(
        {
            "statusCode": 201,
            "headers": {"X-One": "a", "X-Both": "h"},
            "multiValueHeaders": {"X-Both": ["m1", "m2"]},
            "body": "ok",
        }
    )
    assert response.status == 201
    assert response.headers == [("X-Both", "m1"), ("X-Both", "m2"), ("X-One", "a"), ("X-Both", "h")]
    assert response.body == b"ok"


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ("text", "JSON object"),
        ({"body": "x"}, "statusCode is missing"),
        ({"statusCode": 200, "extra": 1}, "not allowed"),
        ({"statusCode": "abc"}, "not a number"),
        ({"statusCode": 200, "body": {"a": 1}}, "body must be a string"),
        ({"statusCode": 200, "headers": {"X": "a\r\nY: b"}}, "'X' holds a CR or LF"),
        ({"statusCode": 200, "headers": {"X": ["list"]}}, "list value"),
    ],
)
def test_rest_malformed_responses_name_the_problem(payload, problem):
    with pytest.raises(MalformedResponse, match=problem.replace("(", r"\(")):
        rest(payload)


def test_rest_base64_bodies_decode_only_for_an_accept_among_binary_media_types():
    payload = {
        "statusCode": 200,
        "body": base64.b64encode(b"\x00\x01").decode(),
        "isBase64Encoded": True,
    }
    assert rest(payload, accept="image/png, */*", binary=["image/png"]).body == b"\x00\x01"
    assert rest(payload, accept="text/html", binary=["image/png"]).body == b"AAE="
    assert rest(payload).body == b"AAE="


def test_http_v1_needs_a_status_code_and_decodes_base64():
    with pytest.raises(MalformedResponse):
        http_v1_response({"body": "x"})
    payload = {"statusCode": 200, "body": "AAE=", "isBase64Encoded": True, "extra": "ignored"}
    assert http_v1_response(payload).body == b"\x00\x01"


@pytest.mark.parametrize("payload", [{"items": []}, [1, 2], "text", 3, None])
def test_http_v2_infers_a_200_json_response(payload):
    response = http_v2_response(payload)
    assert response.status == 200
    assert response.headers == [("Content-Type", "application/json")]


def test_http_v2_cookies_become_set_cookie_and_cr_lf_is_refused():
    response = http_v2_response({"statusCode": 204, "cookies": ["a=1", "b=2"]})
    assert response.headers == [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]
    with pytest.raises(MalformedResponse, match="Set-Cookie"):
        http_v2_response({"statusCode": 200, "cookies": ["a=1\nX: y"]})
