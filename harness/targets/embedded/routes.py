"""HTTP API routes read from a SAM template, and API Gateway's rules for matching them.

Routes come from the ``HttpApi`` events of every ``AWS::Serverless::Function``
(the same source SAM uses to generate the real API's routes), so the local API
serves exactly what the template would deploy. Events of all HttpApi APIs in
the template are merged into one front.

Matching follows API Gateway HTTP APIs: the most specific path wins (a literal
segment beats ``{param}``, which beats greedy ``{proxy+}``, compared left to
right), then a specific method beats ``ANY``, and ``$default`` catches the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

DEFAULT_ROUTE = "$default"
_LITERAL, _PARAMETER, _GREEDY = 2, 1, 0


@dataclass(frozen=True)
class Route:
    """One route: ``method`` is upper-case or ``ANY``; ``path`` may be ``$default``."""

    method: str
    path: str
    function: str

    @property
    def is_default(self) -> bool:
        return self.path == DEFAULT_ROUTE

    @property
    def key(self) -> str:
        """The routeKey API Gateway puts in events: ``GET /items/{id}`` or ``$default``."""
        return DEFAULT_ROUTE if self.is_default else f"{self.method} {self.path}"


def routes_from_sam(document: Mapping[str, Any]) -> list[Route]:
    """Every HttpApi event of every serverless function, in template order.

    An event without Path and Method is the ``$default`` route, as in SAM.
    Raises ValueError naming the function and event for half-specified events,
    malformed paths and two functions claiming the same route.
    """
    routes: dict[str, Route] = {}
    for logical_id, resource in (document.get("Resources") or {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        events = (resource.get("Properties") or {}).get("Events") or {}
        for event_name, event in events.items():
            if event.get("Type") != "HttpApi":
                continue
            where = f"{logical_id}.Events.{event_name}"
            route = _route_from_event(event.get("Properties") or {}, logical_id, where)
            if route.key in routes and routes[route.key].function != logical_id:
                raise ValueError(
                    f"{where}: route {route.key!r} is already served by "
                    f"{routes[route.key].function}"
                )
            routes[route.key] = route
    return list(routes.values())


def _route_from_event(properties: Mapping[str, Any], function: str, where: str) -> Route:
    path, method = properties.get("Path"), properties.get("Method")
    if path in (None, DEFAULT_ROUTE) and method is None:
        return Route("ANY", DEFAULT_ROUTE, function)
    if not isinstance(path, str) or not isinstance(method, str):
        raise ValueError(
            f"{where}: an HttpApi event needs both Path and Method (or neither, for the "
            f"$default route); got Path={path!r}, Method={method!r}"
        )
    if not path.startswith("/"):
        raise ValueError(f"{where}: Path {path!r} must start with '/'")
    segments = _segments(path)
    if any(segment.endswith("+}") for segment in segments[:-1]):
        raise ValueError(f"{where}: Path {path!r} has a greedy variable before its last segment")
    return Route(method.upper(), path, function)


def match_route(
    routes: Iterable[Route], method: str, path: str
) -> tuple[Route, dict[str, str]] | None:
    """The route API Gateway would pick for ``method path``, with its path parameters.

    ``path`` is the raw request path (no query string); parameter values are
    percent-decoded. ``None`` means API Gateway would answer 404.
    """
    method = method.upper()
    requested = _segments(path)
    best: tuple[tuple[tuple[int, ...], bool], Route, dict[str, str]] | None = None
    default: Route | None = None
    for route in routes:
        if route.is_default:
            default = route
            continue
        if route.method not in (method, "ANY"):
            continue
        matched = _match_segments(_segments(route.path), requested)
        if matched is None:
            continue
        rank = (matched[0], route.method != "ANY")
        if best is None or rank > best[0]:
            best = (rank, route, matched[1])
    if best is not None:
        return best[1], best[2]
    return (default, {}) if default is not None else None


def _segments(path: str) -> list[str]:
    return path.split("/")[1:]


def _match_segments(
    pattern: list[str], requested: list[str]
) -> tuple[tuple[int, ...], dict[str, str]] | None:
    """Match segment by segment; return each segment's specificity and the parameters."""
    greedy = bool(pattern) and pattern[-1].startswith("{") and pattern[-1].endswith("+}")
    fixed = pattern[:-1] if greedy else pattern
    rest = requested[len(fixed) :]
    if len(requested) < len(fixed):
        return None
    if (greedy and not (rest and rest[0])) or (not greedy and rest):
        return None
    ranks: list[int] = []
    parameters: dict[str, str] = {}
    for segment, value in zip(fixed, requested, strict=False):
        if segment.startswith("{") and segment.endswith("}") and value:
            parameters[segment[1:-1]] = unquote(value)
            ranks.append(_PARAMETER)
        elif unquote(value) == segment:
            ranks.append(_LITERAL)
        else:
            return None
    if greedy:
        parameters[pattern[-1][1:-2]] = unquote("/".join(rest))
        ranks.append(_GREEDY)
    return tuple(ranks), parameters
