"""API Gateway's rules for a route's path and method, shared by events and OpenAPI bodies."""

from __future__ import annotations

DEFAULT_ROUTE = "$default"
ANY_METHOD_EXTENSION = "x-amazon-apigateway-any-method"
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options"})


def route_method(method: str) -> str:
    """API Gateway's spelling of a method: upper case, ``ANY`` for SAM's and OpenAPI's any."""
    lowered = method.lower()
    return "ANY" if lowered in ("any", ANY_METHOD_EXTENSION) else method.upper()


def path_problem(path: str, *, http_api: bool) -> str | None:
    """Why API Gateway would refuse ``path`` as a route's path; ``None`` when it is fine.

    A path starts with ``/`` (or is an HTTP API's ``$default``), and a greedy variable
    (``{proxy+}``) may only be its last segment.
    """
    if http_api and path == DEFAULT_ROUTE:
        return None
    if not path.startswith("/"):
        return f"Path {path!r} must start with '/'"
    if any(segment.endswith("+}") for segment in path.split("/")[1:-1]):
        return f"Path {path!r} has a greedy variable before its last segment"
    return None
