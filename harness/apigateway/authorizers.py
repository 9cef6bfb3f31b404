"""Authorizers, enforced before a route's function runs; Lambda ones run as functions.

The gateway asks an :class:`AuthorizerRegistry` for the :class:`Verifier` of each
authorizer kind (``lambda``, ``jwt``, ``cognito``, ``iam``). Lambda authorizers are
verified here (:class:`LambdaAuthorizers`); a kind without a registered verifier is not
enforced, and :meth:`AuthorizerRegistry.unenforced` lists its routes so the target
reports them as emulation gaps. A JWT/Cognito verifier registers itself the same way.

Lambda authorizers, per the developer guide ("Use API Gateway Lambda authorizers",
"Working with AWS Lambda authorizers for HTTP APIs"):

* Identity sources come first: when one is missing or empty the answer is 401 and the
  authorizer is not invoked; a REST TOKEN authorizer's token must also match its
  ``ValidationExpression`` (whole token), else 401 without invoking.
* Inputs: REST TOKEN ``{type, authorizationToken, methodArn}``; REST REQUEST the proxy
  event's request parts with ``methodArn``; HTTP APIs payload 1.0 or 2.0 with
  ``identitySource`` and ``methodArn``/``routeArn``.
* Outputs: an IAM policy (``principalId``, ``policyDocument``, ``context``, REST's
  ``usageIdentifierKey``), evaluated on the request's method ARN (:mod:`policy`); HTTP
  2.0 with simple responses ``{isAuthorized, context}``. The authorizer raising
  ``Unauthorized`` is a 401; any other failure, or an answer of another shape, is the
  authorizer failure answer (500).
* Results are cached per authorizer and identity-source values for the TTL (0: never);
  a cached REST policy is evaluated again on each request's own method ARN, which is why
  a policy cached for one method can deny another, as on AWS.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from harness.apigateway import events, policy
from harness.apigateway.answers import Answer
from harness.apigateway.events import Caller
from harness.apigateway.integration import Invoke
from harness.apigateway.request import ApiRequest, GatewayContext
from harness.apigateway.routing import RouteMatch
from harness.sam import Authorizer, SamApi

_CONTEXT_VALUES = {
    "requestId": lambda ctx, req: ctx.request_id,
    "stage": lambda ctx, req: ctx.stage,
    "apiId": lambda ctx, req: ctx.api_id,
    "httpMethod": lambda ctx, req: req.method,
    "identity.sourceIp": lambda ctx, req: req.source_ip,
    "identity.userAgent": lambda ctx, req: req.header("user-agent"),
}


@dataclass(frozen=True)
class AuthRequest:
    """What a verifier sees of one request to a guarded route."""

    api: SamApi
    authorizer: Authorizer
    match: RouteMatch
    request: ApiRequest
    context: GatewayContext
    method_arn: str
    path_below_stage: str


@dataclass(frozen=True)
class AuthDecision:
    """``answer`` is ``None`` when the request may go on, carrying ``caller`` to the event.

    ``note`` says why, for the access log (``authorizer.error``); ``usage_identifier_key``
    is a REST Lambda authorizer's API key for ``ApiKeySourceType: AUTHORIZER``.
    """

    answer: Answer | None
    caller: Caller = field(default_factory=Caller)
    note: str = ""
    usage_identifier_key: str | None = None


class Verifier(Protocol):
    """Enforces one kind of authorizer."""

    def cannot_verify(self, authorizer: Authorizer) -> str | None:
        """Why this authorizer cannot be enforced here (an emulation gap), else ``None``."""
        ...

    def verify(self, auth: AuthRequest) -> AuthDecision: ...


class AuthorizerRegistry:
    """Which verifier enforces each authorizer kind; the gateway consults it per request."""

    def __init__(self, verifiers: Mapping[str, Verifier] | None = None) -> None:
        self._verifiers: dict[str, Verifier] = dict(verifiers or {})

    def register(self, kind: str, verifier: Verifier) -> None:
        self._verifiers[kind] = verifier

    def verifier_for(self, authorizer: Authorizer) -> Verifier | None:
        verifier = self._verifiers.get(authorizer.kind)
        if verifier is None or verifier.cannot_verify(authorizer) is not None:
            return None
        return verifier

    def unenforced(self, api: SamApi) -> list[tuple[str, str]]:
        """``(route key, reason)`` for every route of ``api`` whose authorizer is not enforced."""
        found = []
        for route in api.routes:
            authorizer = api.authorizers.get(route.authorizer) if route.authorizer else None
            if authorizer is None:
                continue
            verifier = self._verifiers.get(authorizer.kind)
            reason = (
                f"no {authorizer.kind} authorizer verifier is registered"
                if verifier is None
                else verifier.cannot_verify(authorizer)
            )
            if reason is not None:
                found.append((route.key, f"authorizer {authorizer.name} ({reason})"))
        return found


def identity_values(auth: AuthRequest) -> list[str] | None:
    """The values of the authorizer's identity sources, ``None`` when one is missing."""
    values = []
    for source in auth.authorizer.identity_sources:
        value = _identity_value(source, auth.request, auth.context)
        if not value:
            return None
        values.append(value)
    return values


def _identity_value(source: str, request: ApiRequest, context: GatewayContext) -> str | None:
    source = source.strip()
    for prefix in ("method.request.header.", "$request.header."):
        if source.startswith(prefix):
            return request.header(source[len(prefix) :])
    for prefix in ("method.request.querystring.", "$request.querystring."):
        if source.startswith(prefix):
            found = request.query_values(source[len(prefix) :])
            return found[0] if found else None
    for prefix in ("stageVariables.", "$stageVariables."):
        if source.startswith(prefix):
            return context.stage_variables.get(source[len(prefix) :])
    for prefix in ("context.", "$context."):
        if source.startswith(prefix):
            read = _CONTEXT_VALUES.get(source[len(prefix) :])
            return read(context, request) if read else None
    return None


@dataclass(frozen=True)
class _Verdict:
    """A Lambda authorizer's answer, as cached: a policy or a simple yes/no."""

    policy: Any
    authorized: bool | None
    caller: Caller
    usage_identifier_key: str | None


class _MalformedAuthorizerAnswer(ValueError):
    pass


class LambdaAuthorizers:
    """Runs Lambda authorizers through ``invoke`` and caches their verdicts per TTL."""

    def __init__(self, invoke: Invoke, clock: Callable[[], float] = time.monotonic) -> None:
        self._invoke = invoke
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str, tuple[str, ...]], tuple[float, _Verdict]] = {}

    def cannot_verify(self, authorizer: Authorizer) -> str | None:
        if authorizer.function_id is None:
            return f"its function {authorizer.function_arn!r} is not one of the template's"
        return None

    def verify(self, auth: AuthRequest) -> AuthDecision:
        authorizer = auth.authorizer
        values = identity_values(auth)
        if values is None:
            sources = ", ".join(authorizer.identity_sources)
            return AuthDecision(Answer.UNAUTHORIZED, note=f"identity source missing: {sources}")
        expression = authorizer.validation_expression
        if (
            authorizer.payload_type == "TOKEN"
            and expression
            and not re.fullmatch(expression, values[0])
        ):
            return AuthDecision(Answer.UNAUTHORIZED, note="token fails the ValidationExpression")
        key = (authorizer.api_id, authorizer.name, tuple(values))
        cacheable = authorizer.ttl_s > 0 and bool(values)
        verdict = self._cached(key) if cacheable else None
        if verdict is None:
            decision_or_verdict = self._run(auth, values)
            if isinstance(decision_or_verdict, AuthDecision):
                return decision_or_verdict
            verdict = decision_or_verdict
            if cacheable:
                with self._lock:
                    self._cache[key] = (self._clock() + authorizer.ttl_s, verdict)
        return self._decide(auth, verdict)

    def _cached(self, key: tuple[str, str, tuple[str, ...]]) -> _Verdict | None:
        with self._lock:
            entry = self._cache.get(key)
            if entry is None:
                return None
            if entry[0] <= self._clock():
                del self._cache[key]
                return None
            return entry[1]

    def _run(self, auth: AuthRequest, values: Sequence[str]) -> _Verdict | AuthDecision:
        authorizer = auth.authorizer
        assert authorizer.function_id is not None
        outcome = self._invoke(authorizer.function_id, _input(auth, values))
        if outcome.error is not None:
            if outcome.error.message == "Unauthorized":
                return AuthDecision(Answer.UNAUTHORIZED, note="the authorizer said Unauthorized")
            return AuthDecision(
                Answer.AUTHORIZER_FAILURE,
                note=f"authorizer {authorizer.name} failed: {outcome.error.error_type}: "
                f"{outcome.error.message}",
            )
        try:
            return _verdict(authorizer, outcome.payload)
        except _MalformedAuthorizerAnswer as error:
            return AuthDecision(
                Answer.AUTHORIZER_FAILURE,
                note=f"authorizer {authorizer.name} answered malformed: {error}",
            )

    @staticmethod
    def _decide(auth: AuthRequest, verdict: _Verdict) -> AuthDecision:
        if verdict.authorized is not None:
            allowed = verdict.authorized
            answer = None if allowed else Answer.EXPLICIT_DENY
            note = "" if allowed else "isAuthorized is false"
        else:
            outcome = policy.evaluate(verdict.policy, auth.method_arn)
            answer = {"allow": None, "deny": Answer.EXPLICIT_DENY}.get(outcome, Answer.NOT_ALLOWED)
            note = "" if answer is None else f"the policy's verdict on {auth.method_arn}: {outcome}"
            ignored = policy.unsupported_keys(verdict.policy)
            if ignored:
                note += f" (statements with {', '.join(ignored)} are not evaluated)"
        return AuthDecision(answer, verdict.caller, note, verdict.usage_identifier_key)


def _input(auth: AuthRequest, values: Sequence[str]) -> dict[str, Any]:
    authorizer = auth.authorizer
    if auth.api.kind == "REST":
        if authorizer.payload_type == "TOKEN":
            return events.rest_token_authorizer_event(values[0], auth.method_arn)
        return events.rest_request_authorizer_event(
            auth.request,
            auth.match,
            auth.context,
            resource_path_below_stage=auth.path_below_stage,
            method_arn=auth.method_arn,
        )
    return events.http_authorizer_event(
        authorizer.payload_format or "2.0",
        auth.request,
        auth.match,
        auth.context,
        route_arn=auth.method_arn,
        identity_values=values,
    )


def _verdict(authorizer: Authorizer, answer: Any) -> _Verdict:
    if not isinstance(answer, Mapping):
        raise _MalformedAuthorizerAnswer(f"expected a JSON object, got {type(answer).__name__}")
    context = answer.get("context")
    if context is not None and not isinstance(context, Mapping):
        raise _MalformedAuthorizerAnswer("context must be an object")
    if authorizer.kind == "lambda" and authorizer.simple_responses:
        authorized = answer.get("isAuthorized")
        if not isinstance(authorized, bool):
            raise _MalformedAuthorizerAnswer("isAuthorized must be true or false")
        return _Verdict(None, authorized, Caller(authorizer_context=dict(context or {})), None)
    if "policyDocument" not in answer or not policy.statements(answer["policyDocument"]):
        raise _MalformedAuthorizerAnswer("policyDocument with at least one Statement is missing")
    principal = answer.get("principalId")
    if authorizer.payload_type is not None and not isinstance(principal, str):
        raise _MalformedAuthorizerAnswer("principalId must be a string")
    if context is not None and any(isinstance(value, Mapping | list) for value in context.values()):
        raise _MalformedAuthorizerAnswer("context values must be strings, numbers or booleans")
    caller = Caller(
        principal_id=principal if isinstance(principal, str) else None,
        authorizer_context=dict(context or {}),
    )
    return _Verdict(answer["policyDocument"], None, caller, answer.get("usageIdentifierKey"))
