"""One API's request pipeline, in API Gateway's order, for any caller that has an ``invoke``.

For each request (developer guide, "Control and manage access to REST APIs"; "Control
access to HTTP APIs"): the stage prefix; an HTTP API's CORS preflight (before routes and
authorizers); the route (REST: a SAM-generated CORS ``OPTIONS`` method where no route
declares one); the authorizer; the API key (REST, after the authorizer, so a Lambda
authorizer can supply it); then the event of the route's payload format, the invocation
under the integration timeout (REST 29 s, HTTP 30 s), the response mapping, and an HTTP
API's CORS headers. Every answer that is not the function's own comes from
:mod:`answers`.

The embedded front feeds it requests from sockets; the in-process client from a test's
arguments. Neither knows these rules.
"""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from harness.apigateway import cors, events, responses
from harness.apigateway.answers import Answer, GatewayResponse, gateway_answer
from harness.apigateway.authorizers import AuthDecision, AuthorizerRegistry, AuthRequest
from harness.apigateway.events import Caller
from harness.apigateway.integration import Invoke, InvokeOutcome
from harness.apigateway.lambda_context import ACCOUNT_ID
from harness.apigateway.request import ApiRequest, GatewayContext
from harness.apigateway.routing import RouteMatch, Router
from harness.sam import Route, SamApi

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
"""API Gateway's request payload limit (REST and HTTP APIs); larger requests get 413."""

INTEGRATION_TIMEOUT_S = {"REST": 29.0, "HTTP": 30.0}
"""How long API Gateway waits for a Lambda integration by default."""


class ApiKeys(Protocol):
    """API keys as API Gateway knows them: usage plans name the API stages a key may call."""

    def key_id(self, value: str, api_id: str, stage: str) -> str | None:
        """The id of the enabled key with this value in a plan for ``api_id``/``stage``."""
        ...


@dataclass(frozen=True)
class Exchange:
    """One request as served: the response, and what the logs need to say about it.

    ``integration_error`` is why API Gateway answered itself after the route matched (a
    malformed response, a failed invocation); ``auth_error`` why an authorizer or API key
    refused the request.
    """

    response: GatewayResponse
    context: GatewayContext
    route_key: str = "-"
    function_id: str | None = None
    outcome: InvokeOutcome | None = None
    integration_error: str = ""
    auth_error: str = ""
    integration_latency_ms: float | None = None
    principal_id: str | None = None


@dataclass
class ApiGateway:
    """One API of a template, answering requests as API Gateway would (see module doc).

    ``api_id`` is the id the API has where it is deployed (moto's for a REST API, the
    logical id when nothing deployed it), ``api_name`` its name there (a REST API's metrics
    are named by it); ``function_timeouts`` (seconds, by logical id)
    decide when the integration timeout can strike before the function's own.
    ``api_keys`` ``None`` means API keys are not checked (the target reports it).
    """

    api: SamApi
    invoke: Invoke
    api_id: str
    api_name: str | None = None
    region: str = "us-east-1"
    account_id: str = ACCOUNT_ID
    authorizers: AuthorizerRegistry = field(default_factory=AuthorizerRegistry)
    api_keys: ApiKeys | None = None
    function_timeouts: Mapping[str, float] = field(default_factory=dict)
    integration_timeout_s: float | None = None
    router: Router = field(init=False)

    def __post_init__(self) -> None:
        self.router = Router(self.api.kind, self.api.routes)
        if self.integration_timeout_s is None:
            self.integration_timeout_s = INTEGRATION_TIMEOUT_S[self.api.kind]
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None

    def reconfigure(self, api: SamApi, function_timeouts: Mapping[str, float]) -> None:
        """Serve ``api`` from now on (a stack update changed it): its routes, CORS, stage.

        A request already past routing finishes on what it matched.
        """
        if api.kind != self.api.kind:
            raise ValueError(
                f"API {api.logical_id}: an {self.api.kind} API cannot become {api.kind}"
            )
        router = Router(api.kind, api.routes)
        self.function_timeouts = dict(function_timeouts)
        self.router, self.api = router, api

    @property
    def kind(self) -> str:
        return self.api.kind

    @property
    def stage_prefix(self) -> str:
        """The path segment in front of every route: ``/Prod`` (REST), ``""`` for ``$default``."""
        stage = self.api.stage_name
        return "" if self.api.kind == "HTTP" and stage == "$default" else f"/{stage}"

    def handle(self, request: ApiRequest) -> Exchange:
        """Serve one request (see module doc)."""
        context = GatewayContext(
            api_id=self.api_id,
            stage=self.api.stage_name,
            region=self.region,
            account_id=self.account_id,
            stage_variables=self.api.stage_variables,
        )
        if len(request.body) > MAX_PAYLOAD_BYTES:
            return self._answer(context, Answer.REQUEST_TOO_LARGE)
        below = self._below_stage(request.path)
        if below is None:
            return self._answer(context, Answer.MISSING_ROUTE)
        api_cors = self.api.cors
        if self.api.kind == "HTTP" and api_cors is not None and cors.is_preflight(request):
            return Exchange(cors.http_preflight(api_cors, request), context)
        match = self.router.match(request.method, below)
        if match is None:
            match = self._rest_preflight_route(request.method, below)
            if match is None:
                return self._answer(context, Answer.MISSING_ROUTE)
        exchange = self._serve(request, match, context, below)
        if self.api.kind == "HTTP" and api_cors is not None:
            exchange = replace(
                exchange, response=cors.with_http_cors(api_cors, request, exchange.response)
            )
        return exchange

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def _below_stage(self, path: str) -> str | None:
        prefix = self.stage_prefix
        if not prefix:
            return path
        if path == prefix:
            return "/"
        return path[len(prefix) :] if path.startswith(prefix + "/") else None

    def _rest_preflight_route(self, method: str, below: str) -> RouteMatch | None:
        """The OPTIONS method SAM generates on a REST path when the API has CORS."""
        if self.api.kind != "REST" or self.api.cors is None or method != "OPTIONS":
            return None
        found = self.router.resource(below)
        if found is None:
            return None
        resource_path, parameters = found
        route = Route(
            api_id=self.api.logical_id,
            method="OPTIONS",
            path=resource_path,
            function_id=None,
            payload_format="1.0",
            source=f"{self.api.logical_id}.Cors",
            authorizer=self.api.preflight_authorizer,
            api_key_required=self.api.preflight_api_key_required,
        )
        return RouteMatch(route, parameters)

    def _serve(
        self, request: ApiRequest, match: RouteMatch, context: GatewayContext, below: str
    ) -> Exchange:
        route = match.route
        decision = self._authorize(request, match, context, below)
        if decision.answer is not None:
            return self._answer(context, decision.answer, route, auth_error=decision.note)
        caller = decision.caller
        if route.api_key_required and self.api_keys is not None:
            key = self._api_key(request, decision)
            key_id = None if key is None else self.api_keys.key_id(key, self.api_id, context.stage)
            if key_id is None:
                note = "no API key" if key is None else "the API key is unknown to this stage"
                return self._answer(context, Answer.INVALID_API_KEY, route, auth_error=note)
            caller = replace(caller, api_key=key, api_key_id=key_id)
        if route.function_id is None:
            if route.source.endswith(".Cors") and self.api.cors is not None:
                methods = self.router.methods_at(route.path)
                return Exchange(cors.rest_preflight(self.api.cors, methods), context, route.key)
            return self._answer(
                context,
                Answer.INTEGRATION_FAILURE,
                route,
                integration_error=f"{route.source}: its integration is not a Lambda proxy "
                "integration of one of the template's functions (not emulated)",
            )
        return self._integrate(request, match, context, below, caller)

    def _authorize(
        self, request: ApiRequest, match: RouteMatch, context: GatewayContext, below: str
    ) -> AuthDecision:
        name = match.route.authorizer
        authorizer = self.api.authorizers.get(name) if name else None
        verifier = None if authorizer is None else self.authorizers.verifier_for(authorizer)
        if authorizer is None or verifier is None:
            return AuthDecision(None)
        return verifier.verify(
            AuthRequest(
                api=self.api,
                authorizer=authorizer,
                match=match,
                request=request,
                context=context,
                method_arn=context.execute_api_arn(request.method, below),
                path_below_stage=below,
            )
        )

    def _api_key(self, request: ApiRequest, decision: AuthDecision) -> str | None:
        if self.api.api_key_source.upper() == "AUTHORIZER":
            return decision.usage_identifier_key
        return request.header("x-api-key")

    def _integrate(
        self,
        request: ApiRequest,
        match: RouteMatch,
        context: GatewayContext,
        below: str,
        caller: Caller,
    ) -> Exchange:
        route = match.route
        assert route.function_id is not None
        event = self._event(request, match, context, below, caller)
        started = time.monotonic()
        try:
            outcome = self._invoke_within_timeout(route.function_id, event)
        except Exception as error:  # the invoker's own failure (workers stopping, say)
            return self._answer(
                context,
                Answer.INTEGRATION_FAILURE,
                route,
                integration_error=f"invoking {route.function_id} failed: {error!r}",
            )
        latency_ms = (time.monotonic() - started) * 1000
        done = Exchange(
            GatewayResponse(0),
            context,
            route.key,
            route.function_id,
            outcome,
            integration_latency_ms=latency_ms,
            principal_id=caller.principal_id,
        )
        if outcome is None:
            return self._failed(done, Answer.INTEGRATION_TIMEOUT, "the integration timed out")
        if outcome.error is not None:
            answer = (
                Answer.INTEGRATION_REJECTED
                if outcome.error.rejected
                else Answer.INTEGRATION_FAILURE
            )
            detail = f"{outcome.error.error_type}: {outcome.error.message}"
            return self._failed(done, answer, f"{route.function_id} failed: {detail}")
        try:
            response = self._map(request, route, outcome.payload)
        except responses.MalformedResponse as error:
            return self._failed(
                done,
                Answer.MALFORMED_RESPONSE,
                f"Malformed Lambda proxy response from {route.function_id}: {error}",
            )
        return replace(done, response=response)

    def _failed(self, done: Exchange, answer: Answer, why: str) -> Exchange:
        return replace(done, response=gateway_answer(self.api.kind, answer), integration_error=why)

    def _event(
        self,
        request: ApiRequest,
        match: RouteMatch,
        context: GatewayContext,
        below: str,
        caller: Caller,
    ) -> dict[str, Any]:
        if self.api.kind == "REST":
            return events.rest_event(
                request,
                match,
                context,
                resource_path_below_stage=below,
                caller=caller,
                binary_media_types=self.api.binary_media_types,
            )
        if match.route.payload_format == "1.0":
            return events.http_v1_event(request, match, context, caller=caller)
        return events.http_v2_event(request, match, context, caller=caller)

    def _map(self, request: ApiRequest, route: Route, payload: Any) -> GatewayResponse:
        if self.api.kind == "REST":
            return responses.rest_response(
                payload,
                accept=request.header("accept"),
                binary_media_types=self.api.binary_media_types,
            )
        if route.payload_format == "1.0":
            return responses.http_v1_response(payload)
        return responses.http_v2_response(payload)

    def _invoke_within_timeout(
        self, function_id: str, event: dict[str, Any]
    ) -> InvokeOutcome | None:
        """The outcome, or ``None`` when the integration timeout passed first.

        Only a function allowed to run longer than the integration timeout can be cut off
        by it; every other invocation runs on the caller's thread, at no extra cost.
        """
        limit = self.integration_timeout_s
        assert limit is not None
        if self.function_timeouts.get(function_id, 0.0) <= limit:
            return self.invoke(function_id, event)
        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(thread_name_prefix="integration")
        future = self._pool.submit(self.invoke, function_id, event)
        try:
            return future.result(timeout=limit)
        except concurrent.futures.TimeoutError:
            return None

    def _answer(
        self,
        context: GatewayContext,
        answer: Answer,
        route: Route | None = None,
        *,
        auth_error: str = "",
        integration_error: str = "",
    ) -> Exchange:
        return Exchange(
            gateway_answer(self.api.kind, answer),
            context,
            route.key if route is not None else "-",
            auth_error=auth_error,
            integration_error=integration_error,
        )
