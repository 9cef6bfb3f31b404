"""Authorizers declared in an API's ``Auth`` property, with SAM's and API Gateway's defaults.

Checked against the SAM reference (``ApiAuth``, ``ApiFunctionAuth``, ``HttpApiAuth``,
``LambdaTokenAuthorizationIdentity``, ``LambdaRequestAuthorizationIdentity``,
``LambdaAuthorizationIdentity``, ``OAuth2Authorizer``) and against what aws-sam-translator
generates from them (``ApiGatewayAuthorizer``/``ApiGatewayV2Authorizer``):

* REST: an authorizer with ``UserPoolArn`` is Cognito, with ``FunctionArn`` Lambda, of
  ``FunctionPayloadType`` ``TOKEN`` (default) or ``REQUEST``. A TOKEN authorizer reads the
  ``Identity.Header`` header (default ``Authorization``), becoming
  ``method.request.header.<Header>``; a REQUEST one the listed ``Headers``,
  ``QueryStrings``, ``StageVariables`` and ``Context`` (``method.request.header.X``,
  ``method.request.querystring.X``, ``stageVariables.X``, ``context.X``). Results are
  cached ``ReauthorizeEvery`` seconds, 300 by default. ``AWS_IAM`` needs no declaration
  (it appears among the API's authorizers once a route uses it).
* HTTP: an authorizer with ``JwtConfiguration`` is JWT (``IdentitySource`` required),
  else Lambda, whose ``AuthorizerPayloadFormatVersion`` is required; ``Identity`` lists
  become ``$request.header.X``, ``$request.querystring.X``, ``$stageVariables.X``,
  ``$context.X``; results are cached only when ``ReauthorizeEvery`` is set (API Gateway
  HTTP APIs: 0 disables caching, and nothing is cached unless a TTL is given).
  ``EnableIamAuthorizer: true`` adds ``AWS_IAM``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.sam.context import ReadContext
from harness.sam.errors import SamModelError
from harness.sam.model import ApiKind, Authorizer, SamFunction
from harness.sam.references import referenced_function

IAM_AUTHORIZER = "AWS_IAM"
NO_AUTHORIZER = "NONE"
REST_DEFAULT_TTL_S = 300
_REST_PREFIXES = (
    ("Headers", "method.request.header."),
    ("QueryStrings", "method.request.querystring."),
    ("StageVariables", "stageVariables."),
    ("Context", "context."),
)
_HTTP_PREFIXES = (
    ("Headers", "$request.header."),
    ("QueryStrings", "$request.querystring."),
    ("StageVariables", "$stageVariables."),
    ("Context", "$context."),
)


def auth_authorizers(
    context: ReadContext,
    api_id: str,
    kind: ApiKind,
    auth: Mapping[str, Any],
    *,
    line: int,
    functions: Mapping[str, SamFunction],
) -> dict[str, Authorizer]:
    """The authorizers of one API's ``Auth``, by name; IAM included where it applies."""
    reader = _AuthorizerReader(context, api_id, line, functions)
    read = reader.rest if kind == "REST" else reader.http
    authorizers = {}
    for name, spec in (auth.get("Authorizers") or {}).items():
        if not isinstance(spec, Mapping):
            raise context.error(f"{api_id}: Auth.Authorizers.{name} must be a mapping", line)
        authorizers[name] = read(name, spec)
    if auth.get("EnableIamAuthorizer") is True:
        authorizers.setdefault(IAM_AUTHORIZER, iam_authorizer(api_id))
    return authorizers


def iam_authorizer(api_id: str) -> Authorizer:
    """IAM authorization: REST APIs have it without a declaration, HTTP APIs on request."""
    return Authorizer(IAM_AUTHORIZER, api_id, "iam")


def default_scopes(auth: Mapping[str, Any], authorizer: str | None) -> tuple[str, ...]:
    """The ``AuthorizationScopes`` an authorizer of ``Auth`` declares for every route."""
    spec = (auth.get("Authorizers") or {}).get(authorizer) if authorizer else None
    return tuple(spec.get("AuthorizationScopes") or ()) if isinstance(spec, Mapping) else ()


class _AuthorizerReader:
    """Reads the ``Auth.Authorizers`` entries of one API; errors point at the API's line."""

    def __init__(
        self,
        context: ReadContext,
        api_id: str,
        line: int,
        functions: Mapping[str, SamFunction],
    ) -> None:
        self._context = context
        self._api_id = api_id
        self._line = line
        self._functions = functions

    def rest(self, name: str, spec: Mapping[str, Any]) -> Authorizer:
        identity = spec.get("Identity") or {}
        ttl = self._seconds(name, identity, REST_DEFAULT_TTL_S)
        header = (f"method.request.header.{identity.get('Header') or 'Authorization'}",)
        if "UserPoolArn" in spec:
            arns = spec["UserPoolArn"]
            return Authorizer(
                name,
                self._api_id,
                "cognito",
                identity_sources=header,
                ttl_s=ttl,
                validation_expression=identity.get("ValidationExpression"),
                user_pool_arns=tuple(arns) if isinstance(arns, list) else (arns,),
            )
        if "FunctionArn" not in spec:
            raise self._error(name, "needs a FunctionArn (Lambda) or a UserPoolArn (Cognito)")
        payload_type = str(spec.get("FunctionPayloadType", "TOKEN"))
        if payload_type not in ("TOKEN", "REQUEST"):
            raise self._error(name, f"FunctionPayloadType {payload_type!r} is not TOKEN or REQUEST")
        token = payload_type == "TOKEN"
        return Authorizer(
            name,
            self._api_id,
            "lambda",
            identity_sources=header if token else _identity_sources(identity, _REST_PREFIXES),
            function_id=referenced_function(spec["FunctionArn"], self._functions),
            function_arn=spec["FunctionArn"],
            payload_type="TOKEN" if token else "REQUEST",
            ttl_s=ttl,
            validation_expression=identity.get("ValidationExpression") if token else None,
        )

    def http(self, name: str, spec: Mapping[str, Any]) -> Authorizer:
        if "JwtConfiguration" in spec:
            jwt = spec["JwtConfiguration"] or {}
            if not spec.get("IdentitySource"):
                raise self._error(name, "(OAuth2/JWT) needs an IdentitySource")
            audience = jwt.get("audience") or ()
            return Authorizer(
                name,
                self._api_id,
                "jwt",
                identity_sources=(str(spec["IdentitySource"]),),
                jwt_issuer=jwt.get("issuer"),
                jwt_audience=tuple(audience) if isinstance(audience, list) else (audience,),
            )
        version = str(spec.get("AuthorizerPayloadFormatVersion", ""))
        if "FunctionArn" not in spec or version not in ("1.0", "2.0"):
            raise self._error(
                name,
                "needs a JwtConfiguration (JWT), or a FunctionArn and an "
                "AuthorizerPayloadFormatVersion of 1.0 or 2.0 (Lambda)",
            )
        identity = spec.get("Identity") or {}
        return Authorizer(
            name,
            self._api_id,
            "lambda",
            identity_sources=_identity_sources(identity, _HTTP_PREFIXES),
            function_id=referenced_function(spec["FunctionArn"], self._functions),
            function_arn=spec["FunctionArn"],
            payload_format="2.0" if version == "2.0" else "1.0",
            simple_responses=spec.get("EnableSimpleResponses") is True,
            ttl_s=self._seconds(name, identity, 0),
        )

    def _seconds(self, name: str, identity: Mapping[str, Any], default: int) -> int:
        value = self._context.resolver.resolve(identity.get("ReauthorizeEvery", default))
        try:
            return int(value)
        except (TypeError, ValueError):
            raise self._error(
                name, f"Identity.ReauthorizeEvery {value!r} is not a number of seconds"
            ) from None

    def _error(self, name: str, problem: str) -> SamModelError:
        return self._context.error(f"{self._api_id}: Auth.Authorizers.{name} {problem}", self._line)


def _identity_sources(
    identity: Mapping[str, Any], prefixes: tuple[tuple[str, str], ...]
) -> tuple[str, ...]:
    return tuple(f"{prefix}{item}" for key, prefix in prefixes for item in identity.get(key) or ())
