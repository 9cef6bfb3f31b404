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
from harness.sam.model import ApiKind, Authorizer, SamFunction
from harness.sam.references import referenced_function

IAM_AUTHORIZER = "AWS_IAM"
NO_AUTHORIZER = "NONE"
REST_DEFAULT_TTL_S = 300
_REST_IDENTITY_PREFIXES = (
    ("Headers", "method.request.header."),
    ("QueryStrings", "method.request.querystring."),
    ("StageVariables", "stageVariables."),
    ("Context", "context."),
)
_HTTP_IDENTITY_PREFIXES = (
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
    reader = _rest_authorizer if kind == "REST" else _http_authorizer
    authorizers = {}
    for name, spec in (auth.get("Authorizers") or {}).items():
        if not isinstance(spec, Mapping):
            raise context.error(f"{api_id}: Auth.Authorizers.{name} must be a mapping", line)
        authorizers[name] = reader(context, api_id, name, spec, line=line, functions=functions)
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


def _rest_authorizer(
    context: ReadContext,
    api_id: str,
    name: str,
    spec: Mapping[str, Any],
    *,
    line: int,
    functions: Mapping[str, SamFunction],
) -> Authorizer:
    identity = spec.get("Identity") or {}
    ttl = _seconds(context, api_id, name, identity, default=REST_DEFAULT_TTL_S, line=line)
    header = (f"method.request.header.{identity.get('Header') or 'Authorization'}",)
    if "UserPoolArn" in spec:
        arns = spec["UserPoolArn"]
        return Authorizer(
            name,
            api_id,
            "cognito",
            identity_sources=header,
            ttl_s=ttl,
            validation_expression=identity.get("ValidationExpression"),
            user_pool_arns=tuple(arns) if isinstance(arns, list) else (arns,),
        )
    if "FunctionArn" not in spec:
        raise context.error(
            f"{api_id}: Auth.Authorizers.{name} needs a FunctionArn (Lambda) or a "
            "UserPoolArn (Cognito)",
            line,
        )
    payload_type = str(spec.get("FunctionPayloadType", "TOKEN"))
    if payload_type not in ("TOKEN", "REQUEST"):
        raise context.error(
            f"{api_id}: Auth.Authorizers.{name}.FunctionPayloadType {payload_type!r} is not "
            "TOKEN or REQUEST",
            line,
        )
    return Authorizer(
        name,
        api_id,
        "lambda",
        identity_sources=header
        if payload_type == "TOKEN"
        else _identity_sources(identity, _REST_IDENTITY_PREFIXES),
        function_id=referenced_function(spec["FunctionArn"], functions),
        function_arn=spec["FunctionArn"],
        payload_type="TOKEN" if payload_type == "TOKEN" else "REQUEST",
        ttl_s=ttl,
        validation_expression=identity.get("ValidationExpression")
        if payload_type == "TOKEN"
        else None,
    )


def _http_authorizer(
    context: ReadContext,
    api_id: str,
    name: str,
    spec: Mapping[str, Any],
    *,
    line: int,
    functions: Mapping[str, SamFunction],
) -> Authorizer:
    if "JwtConfiguration" in spec:
        jwt = spec["JwtConfiguration"] or {}
        if not spec.get("IdentitySource"):
            raise context.error(
                f"{api_id}: Auth.Authorizers.{name} (OAuth2/JWT) needs an IdentitySource", line
            )
        audience = jwt.get("audience") or ()
        return Authorizer(
            name,
            api_id,
            "jwt",
            identity_sources=(str(spec["IdentitySource"]),),
            jwt_issuer=jwt.get("issuer"),
            jwt_audience=tuple(audience) if isinstance(audience, list) else (audience,),
        )
    version = str(spec.get("AuthorizerPayloadFormatVersion", ""))
    if "FunctionArn" not in spec or version not in ("1.0", "2.0"):
        raise context.error(
            f"{api_id}: Auth.Authorizers.{name} needs a JwtConfiguration (JWT), or a "
            "FunctionArn and an AuthorizerPayloadFormatVersion of 1.0 or 2.0 (Lambda)",
            line,
        )
    identity = spec.get("Identity") or {}
    return Authorizer(
        name,
        api_id,
        "lambda",
        identity_sources=_identity_sources(identity, _HTTP_IDENTITY_PREFIXES),
        function_id=referenced_function(spec["FunctionArn"], functions),
        function_arn=spec["FunctionArn"],
        payload_format="2.0" if version == "2.0" else "1.0",
        simple_responses=spec.get("EnableSimpleResponses") is True,
        ttl_s=_seconds(context, api_id, name, identity, default=0, line=line),
    )


def _identity_sources(
    identity: Mapping[str, Any], prefixes: tuple[tuple[str, str], ...]
) -> tuple[str, ...]:
    return tuple(f"{prefix}{item}" for key, prefix in prefixes for item in identity.get(key) or ())


def _seconds(
    context: ReadContext,
    api_id: str,
    name: str,
    identity: Mapping[str, Any],
    *,
    default: int,
    line: int,
) -> int:
    value = context.resolver.resolve(identity.get("ReauthorizeEvery", default))
    try:
        return int(value)
    except (TypeError, ValueError):
        raise context.error(
            f"{api_id}: Auth.Authorizers.{name}.Identity.ReauthorizeEvery {value!r} is not a "
            "number of seconds",
            line,
        ) from None
