"""IAM policy evaluation on method ARNs; CORS answers of both API kinds."""

from __future__ import annotations

import pytest

from harness.apigateway import request_for
from harness.apigateway.answers import GatewayResponse
from harness.apigateway.cors import http_preflight, is_preflight, rest_preflight, with_http_cors
from harness.apigateway.policy import evaluate
from harness.sam import Cors

ARN = "arn:aws:execute-api:us-east-1:123456789012:abc/dev/GET/books/7"


def statement(effect: str, resource, action="execute-api:Invoke", **extra):
    return {"Effect": effect, "Action": action, "Resource": resource, **extra}


@pytest.mark.parametrize(
    ("statements", "verdict"),
    [
        ([statement("Allow", ARN)], "allow"),
        ([statement("Allow", "arn:aws:execute-api:us-east-1:123456789012:abc/*")], "allow"),
        ([statement("Allow", "arn:aws:execute-api:*:*:abc/dev/GET/books/?")], "allow"),
        ([statement("Allow", "arn:aws:execute-api:*:*:abc/dev/POST/*")], "none"),
        ([statement("Allow", "*"), statement("Deny", "*/GET/books/*")], "deny"),
        ([statement("Allow", "*", action="execute-api:*")], "allow"),
        ([statement("Allow", "*", action=["s3:GetObject"])], "none"),
        ([statement("Allow", "*", Condition={"IpAddress": {}})], "none"),
        ([], "none"),
    ],
)
def test_policy_verdicts(statements, verdict):
    assert evaluate({"Version": "2012-10-17", "Statement": statements}, ARN) == verdict


def test_a_single_statement_object_counts():
    assert evaluate({"Statement": statement("Allow", ARN)}, ARN) == "allow"


HTTP_CORS = Cors(
    allow_origins=("https://*.example.com",),
    allow_methods=("GET", "POST"),
    allow_headers=("content-type",),
    expose_headers=("x-id",),
    max_age_s=60,
    allow_credentials=True,
)


def preflight(origin: str):
    return request_for(
        "OPTIONS", "/x", headers={"Origin": origin, "Access-Control-Request-Method": "GET"}
    )


def test_http_preflight_for_an_allowed_and_a_refused_origin():
    allowed = http_preflight(HTTP_CORS, preflight("https://a.example.com"))
    assert allowed.status == 204
    assert dict(allowed.headers) == {
        "Access-Control-Allow-Origin": "https://a.example.com",
        "Access-Control-Allow-Methods": "GET,POST",
        "Access-Control-Allow-Headers": "content-type",
        "Access-Control-Max-Age": "60",
        "Access-Control-Allow-Credentials": "true",
    }
    assert http_preflight(HTTP_CORS, preflight("https://example.org")).headers == []
    assert not is_preflight(request_for("OPTIONS", "/x", headers={"Origin": "o"}))


def test_http_cors_replaces_the_integrations_own_cors_headers():
    original = GatewayResponse(200, [("Access-Control-Allow-Origin", "*"), ("X", "1")], b"")
    request = request_for("GET", "/x", headers={"Origin": "https://b.example.com"})
    headers = with_http_cors(HTTP_CORS, request, original).headers
    assert ("Access-Control-Allow-Origin", "*") not in headers
    assert ("Access-Control-Allow-Origin", "https://b.example.com") in headers
    assert ("Access-Control-Expose-Headers", "x-id") in headers


def test_rest_preflight_spells_out_any_and_adds_options():
    cors = Cors(allow_origins=("*",))
    assert dict(rest_preflight(cors, ["GET"]).headers)["Access-Control-Allow-Methods"] == (
        "GET,OPTIONS"
    )
    assert dict(rest_preflight(cors, ["ANY"]).headers)["Access-Control-Allow-Methods"] == (
        "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT"
    )
