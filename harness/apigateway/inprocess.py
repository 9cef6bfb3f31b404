"""Call a SAM app's handlers in this process, through the same gateway the embedded front uses.

The unit layer's client: tests say ``api.post("/items", json=...)`` and get a response,
while routing, authorizers, CORS, events, response mapping and API Gateway's own answers
are :mod:`harness.apigateway`'s, exactly as behind the embedded target's sockets. Every
API of the template is served (REST included); paths are given below the API's stage,
as they are appended to ``stack.api_url``. No sockets, no worker processes: a request
costs what the handler costs, plus its DynamoDB calls to the session's moto server.
Lambda authorizers run in-process too; API keys are checked only when the client is
given the valid ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.apigateway import (
    ApiGateway,
    ApiRequest,
    AuthorizerRegistry,
    Failure,
    LambdaAuthorizers,
    LambdaContext,
    Outcome,
    QueryValue,
    request_for,
)
from harness.sam import Route, SamModel, read_sam_model

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True)
class Response:
    """What the client of the API would receive (header names lower-cased)."""

    status: int
    headers: Mapping[str, str]
    body: str
    content: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)


class InProcessApi:
    """A client of one API of the template, its requests handled by the template's functions."""

    def __init__(
        self,
        model: SamModel,
        load_handler: Callable[[str], Handler],
        *,
        api: str | None = None,
        api_keys: Iterable[str] | None = None,
    ) -> None:
        self.model = model
        self._load_handler = load_handler
        self._api_keys = None if api_keys is None else frozenset(api_keys)
        self.api_id = _chosen_api(model, api)
        authorizers = AuthorizerRegistry({"lambda": LambdaAuthorizers(self._invoke)})
        self.gateway = ApiGateway(
            model.apis[self.api_id],
            self._invoke,
            api_id=self.api_id,
            authorizers=authorizers,
            api_keys=None if self._api_keys is None else _StaticKeys(self._api_keys),
        )

    @classmethod
    def from_template(
        cls,
        template: Path,
        load_handler: Callable[[str], Handler],
        *,
        parameters: Mapping[str, str] | None = None,
        api: str | None = None,
    ) -> InProcessApi:
        return cls(read_sam_model(template, parameters), load_handler, api=api)

    @property
    def routes(self) -> tuple[Route, ...]:
        """The routes this client's API serves, as the SAM model reads them."""
        return self.gateway.api.routes

    def for_api(self, logical_id: str) -> InProcessApi:
        """A client of another API of the same template."""
        return InProcessApi(self.model, self._load_handler, api=logical_id, api_keys=self._api_keys)

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
        return self.send(
            request_for(
                method,
                self.gateway.stage_prefix + path,
                query=query,
                headers=headers,
                body=body if body is not None else json,
            )
        )

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Response:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Response:
        return self.request("DELETE", path, **kwargs)

    def send(self, request: ApiRequest) -> Response:
        """Send a request built by hand (full path, stage included)."""
        response = self.gateway.handle(request).response
        return Response(
            response.status,
            {name.lower(): value for name, value in response.headers},
            response.body.decode("utf-8", errors="replace"),
            response.body,
        )

    def _invoke(self, function_id: str, event: dict[str, Any]) -> Outcome:
        function = self.model.functions[function_id]
        context = LambdaContext.for_function(
            function_id, memory_mb=function.memory_mb, timeout_s=function.timeout_s
        )
        try:
            payload = self._load_handler(function_id)(event, context)
        except Exception as error:  # the function's own failure, as Lambda reports it
            return Outcome(None, Failure("unhandled", type(error).__name__, str(error)))
        return Outcome(payload, None, request_id=context.aws_request_id)


@dataclass(frozen=True)
class _StaticKeys:
    """API keys given to the client: valid for every stage of every API."""

    values: frozenset[str]

    def key_id(self, value: str, api_id: str, stage: str) -> str | None:
        return value if value in self.values else None


def _chosen_api(model: SamModel, api: str | None) -> str:
    if api is not None:
        if api not in model.apis:
            raise ValueError(
                f"{model.path}: no API {api!r}; the template's APIs: {', '.join(model.apis)}"
            )
        return api
    if len(model.apis) != 1:
        raise ValueError(
            f"{model.path} has {len(model.apis)} APIs ({', '.join(model.apis) or 'none'}): "
            "name one with api=... (the inprocess_api fixture: harness_api)"
        )
    return next(iter(model.apis))
