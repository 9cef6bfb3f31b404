"""JWT (HTTP API) and Cognito (REST API) authorizers, verified against moto's user pools.

:class:`JwtAuthorizers` is the front's verifier of both kinds
(:class:`harness.apigateway.Verifier`, registered for ``jwt`` and ``cognito``): for a
route whose authorizer is one of :func:`read_jwt_authorizers`' (keyed by API logical id
and authorizer name) it asks :meth:`JwtVerifier.authorize` and answers the
:class:`JwtDecision`: 200 goes on to the function, with the claims shaped by
:func:`http_api_claims` (HTTP APIs) or :func:`rest_api_claims` (REST APIs) in the event's
``requestContext.authorizer``; 401 and 403 are API Gateway's own answers. An authorizer it
cannot verify is said so by ``cannot_verify``, so the front reports its routes as gaps
(once, per route, with the rest of :mod:`front_gaps`).

What is checked, as the API Gateway developer guide documents it:

* HTTP API JWT authorizers ("Control access to HTTP APIs with JWT authorizers"): the
  identity source holds the token, alone or after ``Bearer``; its ``alg`` is RSA-based,
  its ``kid`` names a key of the issuer's JWKS and the signature verifies with it; ``iss``
  is the configured issuer; ``aud`` or ``client_id`` is one of the configured audiences;
  ``exp`` is after now, ``nbf`` and ``iat`` (when present) not after now. Any failure is
  401 ``Unauthorized``. A route with ``AuthorizationScopes`` needs one of them in the
  token's ``scope`` (or ``scp``), else 403 ``Forbidden``. The event gets every claim as a
  string, arrays as ``[a b]`` (API Gateway's wire format, see :func:`http_api_claims`).
* REST Cognito authorizers ("Control access to REST APIs using Amazon Cognito user pools
  as an authorizer"; AWS re:Post "Troubleshoot 401 from a Cognito-authorized REST API"):
  the header holds a token one of the named pools issued (signature, ``iss``, ``exp`` as
  above); a method without scopes takes an ID token, a method with scopes an access token
  holding one of them; anything else is 401 ``Unauthorized``. The docs name no ``Bearer``
  prefix for REST; it is accepted, as API Gateway accepts it in practice. Claims reach the
  event as strings, ``exp`` and ``iat`` as dates (see :func:`rest_api_claims`).

The issuer must be a user pool of this embedded AWS
(``https://cognito-idp.<region>.amazonaws.com/<pool id>`` or the pool's ARN): its keys
are the ones moto serves at ``/<pool id>/.well-known/jwks.json`` on the moto endpoint
(moto's documented server-mode JWKS URL), fetched over HTTP as API Gateway fetches an
issuer's ``jwks_uri``. Any other issuer (Auth0, a pool of a real account) cannot be
verified here: :func:`read_jwt_authorizers` says why, and the routes it guards are
emulation gaps naming the API, route and authorizer. The verifying itself is joserfc's
(the JOSE library moto signs its tokens with).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import requests
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from harness.apigateway import Answer, AuthDecision, AuthRequest
from harness.apigateway.events import Caller
from harness.sam import SamModel
from harness.sam.model import Authorizer

_COGNITO_ISSUER = re.compile(
    r"^https://cognito-idp\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/(?P<pool>[\w-]+)$"
)
_USER_POOL_ARN = re.compile(
    r"^arn:aws[\w-]*:cognito-idp:(?P<region>[a-z0-9-]+):\d+:userpool/(?P<pool>[\w-]+)$"
)
_HEADER_SOURCES = ("$request.header.", "method.request.header.")
_RSA_ALGORITHMS = ("RS256", "RS384", "RS512")
UNAUTHORIZED, FORBIDDEN = 401, 403


@dataclass(frozen=True)
class JwtAuthorizer:
    """One API's JWT or Cognito authorizer with its values resolved in the deployed stack.

    ``issuers`` maps each accepted ``iss`` to its moto user pool id (one for a JWT
    authorizer, one per ``UserPoolArn`` for a Cognito one).
    """

    api_id: str
    name: str
    kind: Literal["jwt", "cognito"]
    header: str
    issuers: Mapping[str, str]
    audiences: frozenset[str] = frozenset()


@dataclass(frozen=True)
class JwtDecision:
    """What API Gateway answers: go on (200) or refuse (401/403) with ``message``."""

    status: int
    message: str = ""
    reason: str = ""
    claims: Mapping[str, Any] = field(default_factory=dict)
    scopes: tuple[str, ...] | None = None

    @property
    def allowed(self) -> bool:
        return self.status == 200


def _refused(reason: str, status: int = UNAUTHORIZED) -> JwtDecision:
    message = "Unauthorized" if status == UNAUTHORIZED else "Forbidden"
    return JwtDecision(status, message, reason)


class JwtVerifier:
    """Verifies tokens against moto's pools; their key sets are fetched once and kept."""

    def __init__(self, endpoint_url: str, clock: Callable[[], float] = time.time) -> None:
        self._endpoint_url = endpoint_url.rstrip("/")
        self._clock = clock
        self._key_sets: dict[str, KeySet] = {}
        self._lock = threading.Lock()

    def authorize(
        self,
        authorizer: JwtAuthorizer,
        headers: Mapping[str, str],
        route_scopes: Iterable[str] = (),
    ) -> JwtDecision:
        """Decide one request from its headers and the route's ``AuthorizationScopes``."""
        verified = self._verified_claims(authorizer, headers)
        if isinstance(verified, JwtDecision):
            return verified
        scopes = _token_scopes(verified)
        wanted = tuple(route_scopes)
        if authorizer.kind == "jwt":
            return _http_decision(authorizer, verified, scopes, wanted)
        return _rest_decision(verified, scopes, wanted)

    def _verified_claims(
        self, authorizer: JwtAuthorizer, headers: Mapping[str, str]
    ) -> Mapping[str, Any] | JwtDecision:
        """The token's claims once its issuer, signature and times check out, else a 401."""
        value = _header(headers, authorizer.header)
        if not value:
            return _refused(f"no token in the {authorizer.header} header")
        token = value[7:].strip() if value[:7].lower() == "bearer " else value.strip()
        try:  # the issuer says whose keys verify the signature: read it first, unverified
            issuer = json.loads(jws.extract_compact(token.encode()).payload).get("iss")
        except (JoseError, ValueError, AttributeError) as error:
            return _refused(f"not a readable JWT ({error})")
        pool = authorizer.issuers.get(issuer) if isinstance(issuer, str) else None
        if pool is None:
            return _refused(f"issuer {issuer!r} is not {' or '.join(authorizer.issuers)}")
        try:
            claims = jwt.decode(token, self._key_set(pool), algorithms=_RSA_ALGORITHMS).claims
        except (JoseError, ValueError) as error:
            return _refused(f"signature does not verify with {issuer}'s keys ({error})")
        problem = _time_problem(claims, self._clock())
        return _refused(problem) if problem else claims

    def _key_set(self, pool_id: str) -> KeySet:
        with self._lock:
            if pool_id not in self._key_sets:
                with requests.Session() as session:
                    session.trust_env = False  # loopback: no proxy from the environment
                    answer = session.get(
                        f"{self._endpoint_url}/{pool_id}/.well-known/jwks.json", timeout=10
                    )
                answer.raise_for_status()
                self._key_sets[pool_id] = KeySet.import_key_set(answer.json())
            return self._key_sets[pool_id]


def _http_decision(
    authorizer: JwtAuthorizer,
    claims: Mapping[str, Any],
    scopes: tuple[str, ...],
    wanted: tuple[str, ...],
) -> JwtDecision:
    audience = claims.get("aud", claims.get("client_id"))
    audiences = {audience} if isinstance(audience, str) else set(audience or ())
    if authorizer.audiences and not audiences & authorizer.audiences:
        return _refused(
            f"audience {sorted(audiences)} is not one of {sorted(authorizer.audiences)}"
        )
    if wanted and not set(wanted) & set(scopes):
        return _refused(f"the token's scopes {list(scopes)} hold none of {list(wanted)}", FORBIDDEN)
    return JwtDecision(200, claims=dict(claims), scopes=scopes or None)


def _rest_decision(
    claims: Mapping[str, Any], scopes: tuple[str, ...], wanted: tuple[str, ...]
) -> JwtDecision:
    token_use = claims.get("token_use")
    if not wanted and token_use != "id":
        return _refused(f"a method without scopes takes an ID token, not a {token_use} token")
    if wanted and token_use != "access":
        return _refused(f"a method with scopes takes an access token, not a {token_use} token")
    if wanted and not set(wanted) & set(scopes):
        return _refused(f"the token's scopes {list(scopes)} hold none of {list(wanted)}")
    return JwtDecision(200, claims=dict(claims), scopes=scopes or None)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def _time_problem(claims: Mapping[str, Any], now: float) -> str | None:
    expires = claims.get("exp")
    if not isinstance(expires, int | float) or expires <= now:
        return f"expired (exp {expires}, now {int(now)})"
    for name in ("nbf", "iat"):
        moment = claims.get(name)
        if moment is not None and (not isinstance(moment, int | float) or moment > now):
            return f"{name} {moment} is after now ({int(now)})"
    return None


def _token_scopes(claims: Mapping[str, Any]) -> tuple[str, ...]:
    scopes = claims.get("scope", claims.get("scp", ()))
    return tuple(scopes.split()) if isinstance(scopes, str) else tuple(scopes)


def http_api_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as an HTTP API puts them in ``requestContext.authorizer.jwt.claims``.

    Every value a string; an array as its items in brackets, space-separated
    (``"[admins readers]"``), the format API Gateway is seen to send.
    """
    return {
        name: f"[{' '.join(map(str, value))}]" if isinstance(value, list) else _text(value)
        for name, value in claims.items()
    }


def rest_api_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as a REST Cognito authorizer puts them in ``requestContext.authorizer.claims``.

    Every value a string: ``exp`` and ``iat`` as dates (``Mon Jan 01 00:00:00 UTC 2024``,
    as API Gateway renders them), arrays comma-separated.
    """
    shaped = {}
    for name, value in claims.items():
        if name in ("exp", "iat") and isinstance(value, int | float):
            shaped[name] = datetime.fromtimestamp(value, UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
        elif isinstance(value, list):
            shaped[name] = ",".join(map(str, value))
        else:
            shaped[name] = _text(value)
    return shaped


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def read_jwt_authorizers(
    model: SamModel,
    resolve: Callable[[Any], Any],
    region: str,
    pool_exists: Callable[[str], bool],
) -> tuple[dict[tuple[str, str], JwtAuthorizer], dict[tuple[str, str], str]]:
    """The stack's JWT/Cognito authorizers by (API, name): the verifiable, and why not.

    ``resolve`` evaluates a value in the deployed stack (an issuer's ``Fn::Sub``, an
    audience's ``Fn::ImportValue``); ``pool_exists`` asks moto whether a pool id is one
    of its pools.
    """
    verifiable: dict[tuple[str, str], JwtAuthorizer] = {}
    unverifiable: dict[tuple[str, str], str] = {}
    for api in model.apis.values():
        for authorizer in api.authorizers.values():
            if authorizer.kind not in ("jwt", "cognito"):
                continue
            try:
                read = _read_authorizer(authorizer, resolve, region, pool_exists)
            except Exception as error:  # an import or reference moto cannot resolve
                read = f"its values do not resolve ({type(error).__name__}: {error})"
            if isinstance(read, str):
                unverifiable[(api.logical_id, authorizer.name)] = read
            else:
                verifiable[(api.logical_id, authorizer.name)] = read
    return verifiable, unverifiable


class JwtAuthorizers:
    """The front's verifier of a stack's JWT and Cognito authorizers (a ``Verifier``)."""

    def __init__(
        self,
        verifier: JwtVerifier,
        verifiable: Mapping[tuple[str, str], JwtAuthorizer],
        unverifiable: Mapping[tuple[str, str], str],
    ) -> None:
        self._verifier = verifier
        self._verifiable = verifiable
        self._unverifiable = unverifiable

    def cannot_verify(self, authorizer: Authorizer) -> str | None:
        key = (authorizer.api_id, authorizer.name)
        if key in self._verifiable:
            return None
        return self._unverifiable.get(key, "not one of the stack's authorizers")

    def verify(self, auth: AuthRequest) -> AuthDecision:
        resolved = self._verifiable[(auth.authorizer.api_id, auth.authorizer.name)]
        token = auth.request.header(resolved.header)
        decision = self._verifier.authorize(
            resolved,
            {} if token is None else {resolved.header: token},
            auth.match.route.authorization_scopes,
        )
        if not decision.allowed:
            answer = (
                Answer.UNAUTHORIZED
                if decision.status == UNAUTHORIZED
                else Answer.INSUFFICIENT_SCOPE
            )
            return AuthDecision(answer, note=decision.reason)
        if resolved.kind == "jwt":
            jwt_caller = {"claims": http_api_claims(decision.claims), "scopes": decision.scopes}
        else:
            jwt_caller = {"claims": rest_api_claims(decision.claims)}
        return AuthDecision(None, Caller(jwt=jwt_caller))


def _read_authorizer(
    authorizer: Authorizer,
    resolve: Callable[[Any], Any],
    region: str,
    pool_exists: Callable[[str], bool],
) -> JwtAuthorizer | str:
    """The resolved authorizer, or why it cannot be verified here."""
    header = _header_name(authorizer.identity_sources)
    if header is None:
        return f"identity source {', '.join(authorizer.identity_sources)} is not a header"
    if authorizer.kind == "jwt":
        named = [resolve(authorizer.jwt_issuer)]
        pools = [_pool_of(_COGNITO_ISSUER, value, region) for value in named]
    else:
        named = [resolve(arn) for arn in authorizer.user_pool_arns]
        pools = [_pool_of(_USER_POOL_ARN, value, region) for value in named]
    unknown = [
        str(value)
        for value, pool in zip(named, pools, strict=True)
        if pool is None or not pool_exists(pool)
    ]
    if unknown:
        return f"{' and '.join(unknown)} is not a user pool of this embedded AWS"
    return JwtAuthorizer(
        api_id=authorizer.api_id,
        name=authorizer.name,
        kind="jwt" if authorizer.kind == "jwt" else "cognito",
        header=header,
        issuers={f"https://cognito-idp.{region}.amazonaws.com/{pool}": str(pool) for pool in pools},
        audiences=frozenset(str(resolve(audience)) for audience in authorizer.jwt_audience),
    )


def _header_name(identity_sources: tuple[str, ...]) -> str | None:
    if len(identity_sources) != 1:
        return None
    source = identity_sources[0]
    prefix = next((prefix for prefix in _HEADER_SOURCES if source.startswith(prefix)), None)
    return source[len(prefix) :] if prefix else None


def _pool_of(pattern: re.Pattern[str], value: Any, region: str) -> str | None:
    match = pattern.match(value) if isinstance(value, str) else None
    return match["pool"] if match and match["region"] == region else None
