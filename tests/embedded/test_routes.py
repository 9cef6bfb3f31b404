"""Routes from SAM HttpApi events, and API Gateway's matching precedence."""

from __future__ import annotations

import pytest

from harness.targets.embedded.routes import Route, match_route, routes_from_sam


def function(*events: dict) -> dict:
    return {
        "Type": "AWS::Serverless::Function",
        "Properties": {"Events": {f"E{index}": event for index, event in enumerate(events)}},
    }


def http(path: str | None = None, method: str | None = None) -> dict:
    properties = {key: value for key, value in (("Path", path), ("Method", method)) if value}
    return {"Type": "HttpApi", "Properties": properties}


def test_routes_come_from_every_functions_httpapi_events():
    document = {
        "Resources": {
            "Read": function(http("/items", "get"), http("/items/{id}", "GET")),
            "Write": function(http("/items", "post"), {"Type": "SQS", "Properties": {}}),
            "Fallback": function({"Type": "HttpApi"}),
            "Table": {"Type": "AWS::DynamoDB::Table"},
        }
    }
    assert routes_from_sam(document) == [
        Route("GET", "/items", "Read"),
        Route("GET", "/items/{id}", "Read"),
        Route("POST", "/items", "Write"),
        Route("ANY", "$default", "Fallback"),
    ]
    assert [route.key for route in routes_from_sam(document)][-1] == "$default"


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (http("/items"), r"Bad\.Events\.E0: .*both Path and Method"),
        (http("items", "GET"), r"Bad\.Events\.E0: Path 'items' must start with '/'"),
        (http("/{proxy+}/x", "GET"), r"Bad\.Events\.E0: .*greedy variable"),
    ],
)
def test_bad_events_are_named(event, message):
    with pytest.raises(ValueError, match=message):
        routes_from_sam({"Resources": {"Bad": function(event)}})


def test_two_functions_on_one_route_is_an_error():
    document = {"Resources": {"A": function(http("/x", "GET")), "B": function(http("/x", "get"))}}
    with pytest.raises(ValueError, match=r"B\.Events\.E0: route 'GET /x' is already served by A"):
        routes_from_sam(document)


ROUTES = [
    Route("ANY", "/{proxy+}", "Greedy"),
    Route("GET", "/items/{id}", "ById"),
    Route("ANY", "/items/{id}", "AnyById"),
    Route("GET", "/items/special", "Special"),
    Route("GET", "/items/{id}/tags/{tag}", "Tag"),
    Route("GET", "/files/{path+}", "Files"),
    Route("ANY", "$default", "Default"),
]


@pytest.mark.parametrize(
    ("method", "path", "function", "parameters"),
    [
        ("GET", "/items/special", "Special", {}),
        ("GET", "/items/42", "ById", {"id": "42"}),
        ("DELETE", "/items/42", "AnyById", {"id": "42"}),
        ("get", "/items/a%20b", "ById", {"id": "a b"}),
        ("GET", "/items/1/tags/red", "Tag", {"id": "1", "tag": "red"}),
        ("GET", "/files/a/b/c.txt", "Files", {"path": "a/b/c.txt"}),
        ("POST", "/files/a", "Greedy", {"proxy": "files/a"}),
        ("GET", "/other/deep/path", "Greedy", {"proxy": "other/deep/path"}),
        ("GET", "/", "Default", {}),
    ],
)
def test_precedence_exact_then_parameter_then_greedy_then_default(
    method, path, function, parameters
):
    match = match_route(ROUTES, method, path)
    assert match is not None
    route, found = match
    assert (route.function, found) == (function, parameters)


def test_no_match_without_default_route():
    routes = [Route("GET", "/items/{id}", "ById"), Route("GET", "/items", "List")]
    assert match_route(routes, "POST", "/items") is None
    assert match_route(routes, "GET", "/items/") is None
    assert match_route(routes, "GET", "/items/1/extra") is None
    assert match_route(routes, "GET", "/Items") is None  # paths are case-sensitive
