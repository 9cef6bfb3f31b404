"""Call a SAM app's handlers in this process, routed exactly as its HTTP API routes them.

The unit layer's client: tests say ``api.post("/items", json=...)`` and get a response,
while the route table, the payload 2.0 event and the Lambda context come from the same
code the embedded target uses (:mod:`harness.targets.embedded.routes`,
:mod:`harness.events`). No sockets, no worker processes: a request costs what the
handler costs, plus its DynamoDB calls to the session's moto server.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.events import LambdaContext, QueryValue, http_api_event
from harness.targets.embedded.http_api import http_response
from harness.targets.embedded.routes import Route, match_route, routes_from_sam
from harness.template.loader import load_document

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True)
class Response:
    """What the client of an HTTP API would receive."""

    status: int
    headers: Mapping[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


class InProcessApi:
    """A client whose requests are handled by the template's functions, in-process."""

    def __init__(self, routes: Sequence[Route], load_handler: Callable[[str], Handler]) -> None:
        self.routes = list(routes)
        self._load_handler = load_handler

    @classmethod
    def from_template(cls, template: Path, load_handler: Callable[[str], Handler]) -> InProcessApi:
        return cls(routes_from_sam(load_document(template)), load_handler)

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, QueryValue] | None = None,
        json: Any = None,
        body: str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """Send one request; ``json`` is serialised, ``body`` is sent as given."""
        matched = match_route(self.routes, method.upper(), path)
        if matched is None:
            return Response(404, {"content-type": "application/json"}, '{"message":"Not Found"}')
        route, path_parameters = matched
        event = http_api_event(
            method,
            path,
            route_key=route.key,
            path_parameters=path_parameters,
            query=query,
            headers=headers,
            body=body if body is not None else json,
        )
        handler = self._load_handler(route.function)
        return _to_response(handler(event, LambdaContext(function_name=route.function)))

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Response:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Response:
        return self.request("DELETE", path, **kwargs)


def _to_response(result: Any) -> Response:
    """Map a handler's return value with the local HTTP API's payload-2.0 rules."""
    status, header_pairs, body = http_response(result)
    headers = {name.lower(): value for name, value in header_pairs}
    return Response(status, headers, body.decode("utf-8", errors="replace"))
