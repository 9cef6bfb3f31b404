"""Route matching: HTTP APIs' most-specific-route rules, REST APIs' resource tree."""

from __future__ import annotations

import pytest

from harness.apigateway import Router
from harness.sam import Route


def route(method: str, path: str, function: str) -> Route:
    return Route("Api", method, path, function, "2.0", function)


HTTP_ROUTES = [
    route("ANY", "/{proxy+}", "Greedy"),
    route("GET", "/items/{id}", "ById"),
    route("ANY", "/items/{id}", "AnyById"),
    route("GET", "/items/special", "Special"),
    route("GET", "/items/{id}/tags/{tag}", "Tag"),
    route("GET", "/files/{path+}", "Files"),
    route("ANY", "$default", "Default"),
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
def test_http_precedence_exact_then_parameter_then_greedy_then_default(
    method, path, function, parameters
):
    match = Router("HTTP", HTTP_ROUTES).match(method, path)
    assert match is not None
    assert (match.route.function_id, match.path_parameters) == (function, parameters)


def test_http_no_match_without_default_route():
    router = Router("HTTP", [route("GET", "/items/{id}", "ById"), route("GET", "/items", "List")])
    assert router.match("POST", "/items") is None
    assert router.match("GET", "/items/") is None  # a trailing slash is significant
    assert router.match("GET", "/items/1/extra") is None
    assert router.match("GET", "/Items") is None  # paths are case-sensitive


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "CONNECT"])
def test_any_means_api_gateways_seven_methods_only(method):
    router = Router("HTTP", HTTP_ROUTES)
    assert router.match(method, "/items/1") is None


REST_ROUTES = [
    route("GET", "/", "Root"),
    route("GET", "/books", "List"),
    route("POST", "/books/{id}", "Update"),
    route("GET", "/books/new", "New"),
    route("ANY", "/{proxy+}", "Proxy"),
]


@pytest.mark.parametrize(
    ("method", "path", "function", "parameters"),
    [
        ("GET", "/", "Root", {}),
        ("GET", "/books", "List", {}),
        ("GET", "/books/", "List", {}),  # REST ignores a trailing slash
        ("POST", "/books/7", "Update", {"id": "7"}),
        ("GET", "/books/new", "New", {}),
        ("PUT", "/elsewhere/x", "Proxy", {"proxy": "elsewhere/x"}),
    ],
)
def test_rest_resource_then_method(method, path, function, parameters):
    match = Router("REST", REST_ROUTES).match(method, path)
    assert match is not None
    assert (match.route.function_id, match.path_parameters) == (function, parameters)


def test_rest_a_resource_without_the_method_does_not_fall_back_to_another():
    router = Router("REST", REST_ROUTES)
    assert router.match("DELETE", "/books") is None  # /books exists, without DELETE
    assert router.match("GET", "/books/7") is None  # /books/{id} has POST only
    assert router.resource("/books/7") == ("/books/{id}", {"id": "7"})
    assert router.methods_at("/books/{id}") == ["POST"]
