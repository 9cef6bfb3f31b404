"""Which route of an API serves a request, by each API kind's own rules.

HTTP APIs (developer guide, "Working with routes for HTTP APIs"): the most specific
route wins, a literal segment beating ``{param}``, which beats greedy ``{proxy+}``,
compared left to right; then a specific method beats ``ANY``; ``$default`` catches what
no route matches. Paths are case-sensitive and a trailing slash is significant.

REST APIs ("Set up a proxy integration with a proxy resource"): routes are methods of
resources in a tree. The request path picks the resource first (the same specificity
order: literal child, then ``{param}``, then ``{proxy+}``, which matches one or more
segments), then the method on that resource (exact, then ``ANY``); a resource without
the method does not hand the request to another resource: API Gateway answers as for a
missing route. A trailing slash is ignored (``/hello/`` is the ``/hello`` resource).

Path parameter values are percent-decoded; a greedy parameter keeps its slashes.
``ANY`` stands for API Gateway's seven methods: a request with any other method
(``TRACE``, ``PROPFIND``) matches no route.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from harness.sam import ApiKind, Route

DEFAULT_ROUTE = "$default"
METHODS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"})
_LITERAL, _PARAMETER, _GREEDY = 2, 1, 0


@dataclass(frozen=True)
class RouteMatch:
    """The route serving a request, with its path parameters (empty when it has none)."""

    route: Route
    path_parameters: dict[str, str]


@dataclass(frozen=True)
class _Pattern:
    """A route path split once: fixed segments, and the greedy variable's name if any."""

    fixed: tuple[str, ...]
    greedy: str | None

    @classmethod
    def of(cls, path: str) -> _Pattern:
        segments = tuple(_segments(path))
        if segments and segments[-1].startswith("{") and segments[-1].endswith("+}"):
            return cls(segments[:-1], segments[-1][1:-2])
        return cls(segments, None)

    def match(self, requested: list[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
        """Each segment's specificity and the parameters, or ``None`` when it does not match."""
        fixed = self.fixed
        if len(requested) < len(fixed):
            return None
        rest = requested[len(fixed) :]
        if (self.greedy is not None and not (rest and rest[0])) or (self.greedy is None and rest):
            return None
        ranks: list[int] = []
        parameters: dict[str, str] = {}
        for segment, value in zip(fixed, requested, strict=False):
            if segment.startswith("{") and segment.endswith("}") and value:
                parameters[segment[1:-1]] = unquote(value)
                ranks.append(_PARAMETER)
            elif segment == value or segment == unquote(value):
                ranks.append(_LITERAL)
            else:
                return None
        if self.greedy is not None:
            parameters[self.greedy] = unquote("/".join(rest))
            ranks.append(_GREEDY)
        return tuple(ranks), parameters


class Router:
    """The routes of one API, matched by that API kind's rules (see module doc)."""

    def __init__(self, kind: ApiKind, routes: Iterable[Route]) -> None:
        self.kind = kind
        self.routes = tuple(routes)
        self._default = next((r for r in self.routes if r.path == DEFAULT_ROUTE), None)
        self._patterns = {
            route.path: _Pattern.of(route.path)
            for route in self.routes
            if route.path != DEFAULT_ROUTE
        }
        self._methods: dict[str, dict[str, Route]] = {}
        for route in self.routes:
            if route.path != DEFAULT_ROUTE:
                self._methods.setdefault(route.path, {})[route.method] = route

    def match(self, method: str, path: str) -> RouteMatch | None:
        """The route for ``method path`` (``path`` without stage or query), or ``None``."""
        method = method.upper()
        if method not in METHODS:
            return None
        if self.kind == "REST":
            return self._match_rest(method, path)
        return self._match_http(method, path)

    def resource(self, path: str) -> tuple[str, dict[str, str]] | None:
        """REST: the resource path a request path selects, with its parameters."""
        best: tuple[tuple[int, ...], str, dict[str, str]] | None = None
        requested = _segments(_without_trailing_slash(path))
        for resource_path, pattern in self._patterns.items():
            matched = pattern.match(requested)
            if matched is not None and (best is None or matched[0] > best[0]):
                best = (matched[0], resource_path, matched[1])
        return None if best is None else (best[1], best[2])

    def methods_at(self, resource_path: str) -> list[str]:
        """The methods a resource declares, in declaration order (``ANY`` as written)."""
        return list(self._methods.get(resource_path, {}))

    def _match_rest(self, method: str, path: str) -> RouteMatch | None:
        found = self.resource(path)
        if found is None:
            return None
        resource_path, parameters = found
        methods = self._methods[resource_path]
        route = methods.get(method) or methods.get("ANY")
        return None if route is None else RouteMatch(route, parameters)

    def _match_http(self, method: str, path: str) -> RouteMatch | None:
        requested = _segments(path)
        best: tuple[tuple[tuple[int, ...], bool], Route, dict[str, str]] | None = None
        for resource_path, methods in self._methods.items():
            route = methods.get(method) or methods.get("ANY")
            if route is None:
                continue
            matched = self._patterns[resource_path].match(requested)
            if matched is None:
                continue
            rank = (matched[0], route.method != "ANY")
            if best is None or rank > best[0]:
                best = (rank, route, matched[1])
        if best is not None:
            return RouteMatch(best[1], best[2])
        return RouteMatch(self._default, {}) if self._default is not None else None


def _segments(path: str) -> list[str]:
    return path.split("/")[1:]


def _without_trailing_slash(path: str) -> str:
    return path[:-1] if len(path) > 1 and path.endswith("/") else path
