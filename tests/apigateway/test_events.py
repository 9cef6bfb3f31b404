"""The events Lambda receives, per format, for one request."""

from __future__ import annotations

import base64

from harness.apigateway import ApiRequest, GatewayContext, RouteMatch, request_for
from harness.apigateway.events import (
    Caller,
    http_authorizer_event,
    http_v1_event,
    http_v2_event,
    media_type_matches,
    rest_event,
    rest_token_authorizer_event,
)
from harness.sam import Route

CONTEXT = GatewayContext("abc123", "Prod", "eu-west-1", "123456789012", stage_variables={"v": "1"})
REQUEST = ApiRequest(
    "GET",
    "/Prod/items/7?tag=a&tag=b",
    (("Host", "api.test:8080"), ("X-Multi", "one"), ("X-Multi", "two"), ("User-Agent", "ua")),
    source_ip="10.0.0.1",
)


def match(payload: str = "1.0") -> RouteMatch:
    return RouteMatch(Route("Api", "GET", "/items/{id}", "Fn", payload, "src"), {"id": "7"})  # type: ignore[arg-type]


def test_rest_event_keeps_last_values_and_all_values_and_header_case():
    event = rest_event(REQUEST, match(), CONTEXT, resource_path_below_stage="/items/7")
    assert event["resource"] == "/items/{id}"
    assert event["path"] == "/items/7"
    assert event["httpMethod"] == "GET"
    assert event["headers"]["X-Multi"] == "two"
    assert event["multiValueHeaders"]["X-Multi"] == ["one", "two"]
    assert event["queryStringParameters"] == {"tag": "b"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"]}
    assert event["pathParameters"] == {"id": "7"}
    assert event["stageVariables"] == {"v": "1"}
    assert (event["body"], event["isBase64Encoded"]) == (None, False)
    context = event["requestContext"]
    assert context["path"] == "/Prod/items/7"
    assert (context["stage"], context["apiId"], context["resourcePath"]) == (
        "Prod",
        "abc123",
        "/items/{id}",
    )
    assert context["identity"]["sourceIp"] == "10.0.0.1"
    assert context["domainName"] == "api.test"
    assert "authorizer" not in context


def test_rest_event_without_query_or_parameters_has_nulls():
    bare = ApiRequest("GET", "/Prod/", ())
    route = RouteMatch(Route("Api", "GET", "/", "Fn", "1.0", "src"), {})
    event = rest_event(bare, route, CONTEXT, resource_path_below_stage="/")
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None


def test_rest_bodies_are_base64_only_for_binary_media_types():
    png = request_for("POST", "/Prod/x", body=b"\x89PNG", headers={"content-type": "image/png"})
    text = request_for("POST", "/Prod/x", body="hi", headers={"content-type": "text/plain"})
    as_binary = rest_event(
        png, match(), CONTEXT, resource_path_below_stage="/x", binary_media_types=["image/*"]
    )
    assert as_binary["isBase64Encoded"] is True
    assert base64.b64decode(as_binary["body"]) == b"\x89PNG"
    as_text = rest_event(
        text, match(), CONTEXT, resource_path_below_stage="/x", binary_media_types=["image/*"]
    )
    assert (as_text["body"], as_text["isBase64Encoded"]) == ("hi", False)


def test_authorizer_output_reaches_each_format_where_it_belongs():
    caller = Caller(principal_id="user-1", authorizer_context={"tenant": "acme"})
    rest = rest_event(
        REQUEST, match(), CONTEXT, resource_path_below_stage="/items/7", caller=caller
    )
    assert rest["requestContext"]["authorizer"] == {"tenant": "acme", "principalId": "user-1"}
    v1 = http_v1_event(REQUEST, match(), CONTEXT, caller=caller)
    assert v1["requestContext"]["authorizer"] == {"tenant": "acme", "principalId": "user-1"}
    v2 = http_v2_event(REQUEST, match("2.0"), CONTEXT, caller=caller)
    assert v2["requestContext"]["authorizer"] == {"lambda": {"tenant": "acme"}}


def test_http_v1_event_lower_cases_headers_and_carries_the_route_key():
    event = http_v1_event(REQUEST, match(), CONTEXT)
    assert event["version"] == "1.0"
    assert event["headers"]["x-multi"] == "two"
    assert event["multiValueHeaders"]["x-multi"] == ["one", "two"]
    assert event["path"] == "/Prod/items/7"
    assert event["requestContext"]["routeKey"] == "GET /items/{id}"


def test_http_v2_event_joins_repeats_with_commas():
    event = http_v2_event(REQUEST, match("2.0"), CONTEXT)
    assert event["headers"]["x-multi"] == "one,two"
    assert event["queryStringParameters"] == {"tag": "a,b"}
    assert event["rawPath"] == "/Prod/items/7"
    assert event["stageVariables"] == {"v": "1"}


def test_authorizer_inputs():
    assert rest_token_authorizer_event("Bearer x", "arn:m") == {
        "type": "TOKEN",
        "authorizationToken": "Bearer x",
        "methodArn": "arn:m",
    }
    v2 = http_authorizer_event(
        "2.0", REQUEST, match("2.0"), CONTEXT, route_arn="arn:r", identity_values=["t"]
    )
    assert (v2["type"], v2["routeArn"], v2["identitySource"]) == ("REQUEST", "arn:r", ["t"])
    v1 = http_authorizer_event(
        "1.0", REQUEST, match(), CONTEXT, route_arn="arn:r", identity_values=["t", "u"]
    )
    assert (v1["methodArn"], v1["identitySource"], v1["authorizationToken"]) == (
        "arn:r",
        "t,u",
        "t",
    )


def test_media_type_wildcards():
    assert media_type_matches("image/png", ["image/*"])
    assert media_type_matches("application/pdf", ["*/*"])
    assert not media_type_matches("text/plain", ["image/png"])
    assert not media_type_matches(None, ["*/*"])
