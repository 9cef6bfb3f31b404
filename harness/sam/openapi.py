"""Routes, authorizers, CORS and binary media types of an API's OpenAPI definition.

An explicit API's ``DefinitionBody`` (inline or an ``AWS::Include`` of a local file) or
local ``DefinitionUri`` is read with API Gateway's extensions, as API Gateway imports it
(Swagger 2 and OpenAPI 3 alike):

* ``x-amazon-apigateway-integration`` of ``type: aws_proxy`` whose ``uri`` names one of
  the template's functions makes a Lambda proxy route of that function; any other
  integration (``http_proxy``, ``mock``...) makes a route no local function serves.
  HTTP APIs take the integration's ``payloadFormatVersion``; API Gateway requires it for
  Lambda integrations of HTTP APIs and only knows ``1.0`` for everything else, so a
  missing one is read as ``1.0``. REST Lambda proxy integrations are always 1.0.
* ``x-amazon-apigateway-any-method`` is the ``ANY`` method; ``$default`` an HTTP route.
* Security schemes (``components.securitySchemes`` or Swagger's ``securityDefinitions``)
  with ``x-amazon-apigateway-authorizer`` are authorizers; ``x-amazon-apigateway-authtype:
  awsSigv4`` is IAM; an ``apiKey`` scheme without either is the REST API key. An
  operation's ``security`` (else the document's) picks them. Per the authorizer
  extension's reference, a REST ``token`` authorizer's identity source is the scheme's
  header, REST results are cached 300 s unless ``authorizerResultTtlInSeconds`` says
  otherwise, HTTP API results are not cached unless it is set.
* ``x-amazon-apigateway-cors`` (HTTP APIs) and ``x-amazon-apigateway-binary-media-types``
  and ``x-amazon-apigateway-api-key-source`` (REST).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.sam.errors import SamModelError
from harness.sam.model import ApiKind, Authorizer, Cors, Route, SamFunction
from harness.sam.paths import ANY_METHOD_EXTENSION, HTTP_METHODS, path_problem, route_method
from harness.sam.references import referenced_function
from harness.template.loader import line_of

INTEGRATION = "x-amazon-apigateway-integration"
AUTHORIZER = "x-amazon-apigateway-authorizer"
AUTHTYPE = "x-amazon-apigateway-authtype"
REST_AUTHORIZER_TTL_S = 300


@dataclass
class Definition:
    """What one OpenAPI document declares for its API."""

    routes: list[Route] = field(default_factory=list)
    authorizers: dict[str, Authorizer] = field(default_factory=dict)
    cors: Cors | None = None
    binary_media_types: tuple[str, ...] = ()
    api_key_source: str | None = None


@dataclass(frozen=True)
class DefinitionSource:
    """Which API a document belongs to and which file its lines are in."""

    api_id: str
    kind: ApiKind
    file: Path
    label: str


def read_definition(
    body: Mapping[str, Any], source: DefinitionSource, functions: Mapping[str, SamFunction]
) -> Definition:
    """Read ``body`` (an OpenAPI 3 or Swagger 2 document) for the API named in ``source``."""
    if not isinstance(body.get("paths", {}), Mapping):
        raise SamModelError(
            f"{source.api_id}: {source.label} has 'paths' that is not a mapping",
            source.file,
            line_of(body, "paths"),
        )
    schemes = _security_schemes(body)
    definition = Definition(
        authorizers={
            name: authorizer
            for name, scheme in schemes.items()
            if (authorizer := _authorizer(name, scheme, source, functions)) is not None
        },
        cors=cors_extension(body.get("x-amazon-apigateway-cors")),
        binary_media_types=tuple(body.get("x-amazon-apigateway-binary-media-types") or ()),
        api_key_source=body.get("x-amazon-apigateway-api-key-source"),
    )
    reader = _OperationReader(
        source,
        functions,
        document_security=body.get("security"),
        api_key_schemes={
            name
            for name, scheme in schemes.items()
            if scheme.get("type") == "apiKey"
            and AUTHORIZER not in scheme
            and AUTHTYPE not in scheme
        },
    )
    for path, item in (body.get("paths") or {}).items():
        if not isinstance(item, Mapping):
            continue
        for method, operation in item.items():
            if method.lower() in HTTP_METHODS or method == ANY_METHOD_EXTENSION:
                definition.routes.append(
                    reader.route(str(path), method, operation, line_of(item, method))
                )
    return definition


def _security_schemes(body: Mapping[str, Any]) -> Mapping[str, Mapping[str, Any]]:
    components = body.get("components") or {}
    schemes = components.get("securitySchemes") or body.get("securityDefinitions") or {}
    return {name: scheme for name, scheme in schemes.items() if isinstance(scheme, Mapping)}


@dataclass(frozen=True)
class _OperationReader:
    """Turns one operation of a document into a route, with the document's security."""

    source: DefinitionSource
    functions: Mapping[str, SamFunction]
    document_security: Any
    api_key_schemes: set[str]

    def route(self, path: str, method: str, operation: Any, line: int) -> Route:
        where = f"{self.source.api_id}.{self.source.label} {path} {method}"
        problem = path_problem(path, http_api=self.source.kind == "HTTP")
        if problem:
            raise SamModelError(f"{where}: {problem}", self.source.file, line)
        operation = operation if isinstance(operation, Mapping) else {}
        integration = operation.get(INTEGRATION) or {}
        function_id = None
        if str(integration.get("type", "")).lower() == "aws_proxy":
            function_id = referenced_function(integration.get("uri"), self.functions)
        payload = "1.0"
        if self.source.kind == "HTTP" and str(integration.get("payloadFormatVersion")) == "2.0":
            payload = "2.0"
        authorizer, scopes, api_key_required = None, (), False
        security = operation.get("security", self.document_security) or []
        for requirement in security if isinstance(security, list) else ():
            for name, requirement_scopes in (requirement or {}).items():
                if name in self.api_key_schemes:
                    api_key_required = True
                elif authorizer is None:
                    authorizer, scopes = name, tuple(requirement_scopes or ())
        return Route(
            api_id=self.source.api_id,
            method=route_method(method),
            path=path,
            function_id=function_id,
            payload_format=payload,
            source=where,
            authorizer=authorizer,
            authorization_scopes=scopes,
            api_key_required=api_key_required,
            line=line,
        )


def _authorizer(
    name: str,
    scheme: Mapping[str, Any],
    source: DefinitionSource,
    functions: Mapping[str, SamFunction],
) -> Authorizer | None:
    if str(scheme.get(AUTHTYPE, "")).lower() == "awssigv4":
        return Authorizer(name, source.api_id, "iam")
    extension = scheme.get(AUTHORIZER)
    if not isinstance(extension, Mapping):
        return None
    kind = str(extension.get("type", "")).lower()
    rest = source.kind == "REST"
    sources = _identity_sources(extension.get("identitySource"))
    ttl = int(extension.get("authorizerResultTtlInSeconds", REST_AUTHORIZER_TTL_S if rest else 0))
    if kind == "jwt":
        jwt = extension.get("jwtConfiguration") or {}
        return Authorizer(
            name,
            source.api_id,
            "jwt",
            identity_sources=sources,
            jwt_issuer=jwt.get("issuer"),
            jwt_audience=tuple(jwt.get("audience") or ()),
        )
    header_source = (f"method.request.header.{scheme.get('name', 'Authorization')}",)
    if kind == "cognito_user_pools":
        return Authorizer(
            name,
            source.api_id,
            "cognito",
            identity_sources=sources or header_source,
            ttl_s=ttl,
            validation_expression=extension.get("identityValidationExpression"),
            user_pool_arns=tuple(extension.get("providerARNs") or ()),
        )
    uri = extension.get("authorizerUri")
    if kind == "token":
        return Authorizer(
            name,
            source.api_id,
            "lambda",
            identity_sources=sources or header_source,
            function_id=referenced_function(uri, functions),
            function_arn=uri,
            payload_type="TOKEN",
            ttl_s=ttl,
            validation_expression=extension.get("identityValidationExpression"),
        )
    if kind == "request":
        version = str(extension.get("authorizerPayloadFormatVersion", "1.0"))
        return Authorizer(
            name,
            source.api_id,
            "lambda",
            identity_sources=sources,
            function_id=referenced_function(uri, functions),
            function_arn=uri,
            payload_type="REQUEST" if rest else None,
            payload_format=None if rest else ("2.0" if version == "2.0" else "1.0"),
            simple_responses=bool(extension.get("enableSimpleResponses", False)),
            ttl_s=ttl,
        )
    raise SamModelError(
        f"{source.api_id}.{source.label} security scheme {name}: authorizer type {kind!r} is "
        "not one of token, request, cognito_user_pools, jwt",
        source.file,
        line_of(scheme, AUTHORIZER),
    )


def _identity_sources(value: Any) -> tuple[str, ...]:
    """REST writes identity sources as one comma-separated string, HTTP APIs as a list."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return tuple(str(item) for item in value or ())


def cors_extension(extension: Any) -> Cors | None:
    """An HTTP API's ``x-amazon-apigateway-cors`` (``allowOrigins``, ``maxAge``...)."""
    if not isinstance(extension, Mapping):
        return None
    max_age = extension.get("maxAge")
    return Cors(
        allow_origins=tuple(extension.get("allowOrigins") or ()),
        allow_methods=tuple(extension.get("allowMethods") or ()),
        allow_headers=tuple(extension.get("allowHeaders") or ()),
        expose_headers=tuple(extension.get("exposeHeaders") or ()),
        max_age_s=None if max_age is None else int(max_age),
        allow_credentials=extension.get("allowCredentials") is True,
    )
