"""The types of the SAM model: functions, layers, APIs and their routes, tables, parameters.

Plain frozen dataclasses with no behaviour beyond lookups, so every consumer (the unit
backend, the packager, the local API Gateway front, the template layer) can rely on one
shape. Values SAM would resolve at deploy time (``!Ref Stage`` in a ``StageName``) are
resolved where the reader can (parameters and their defaults, ``Fn::FindInMap`` on
literal keys); anything else is kept in CloudFormation's long form (``{"Ref": ...}``).

Names follow API Gateway, not SAM, where the two differ: a route's ``path`` is what API
Gateway stores (``/items/{id}``, ``/{proxy+}``, ``$default``), identity sources are API
Gateway's expressions (``method.request.header.Authorization`` for REST,
``$request.header.Authorization`` for HTTP APIs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

ApiKind = Literal["REST", "HTTP"]
AuthorizerKind = Literal["lambda", "jwt", "cognito", "iam"]

IMPLICIT_REST_API = "ServerlessRestApi"
"""The logical id SAM gives the API it creates for ``Api`` events without ``RestApiId``."""

IMPLICIT_HTTP_API = "ServerlessHttpApi"
"""The logical id SAM gives the API it creates for ``HttpApi`` events without ``ApiId``."""


@dataclass(frozen=True)
class SamParameter:
    """A template parameter; ``default`` is ``None`` when it has none (it is then required)."""

    name: str
    type: str
    default: str | None
    allowed_values: tuple[str, ...] = ()
    no_echo: bool = False
    description: str = ""
    line: int = 0


@dataclass(frozen=True)
class SamFunction:
    """An ``AWS::Serverless::Function`` with ``Globals.Function`` merged in, as SAM merges it.

    ``code_dir`` is the local code folder (an omitted ``CodeUri`` means the template's own
    folder, as ``sam build`` and ``sam package`` read it); ``None`` when the code is on S3,
    inline or an image. ``properties`` is the merged property map, for anything without a
    field of its own. ``environment`` holds the variables as written (Globals merged),
    parameters and mappings resolved, other intrinsics in long form. ``layers`` is the
    ``Layers`` list as written; ``layer_ids`` the logical ids of the template's own layers
    among them, in the function's order (the order Lambda merges them into ``/opt``).
    """

    logical_id: str
    properties: Mapping[str, Any]
    code_dir: Path | None
    handler: str | None
    runtime: str | None
    timeout_s: int
    memory_mb: int
    environment: Mapping[str, Any]
    layers: tuple[Any, ...]
    auto_publish_alias: str | None
    deployment_preference: Mapping[str, Any] | None
    line: int = 0
    layer_ids: tuple[str, ...] = ()

    @property
    def is_python(self) -> bool:
        """Whether the function runs on a Lambda Python runtime (``python3.X``)."""
        return bool(self.runtime and self.runtime.startswith("python"))


@dataclass(frozen=True)
class SamLayer:
    """An ``AWS::Serverless::LayerVersion``; ``content_dir`` when its ``ContentUri`` is local.

    ``build_method`` is ``Metadata.BuildMethod`` (``python3.12``, ``makefile``...), which
    is what makes ``sam build`` install the layer's ``requirements.txt``.
    """

    logical_id: str
    content_dir: Path | None
    build_method: str | None
    compatible_runtimes: tuple[str, ...]
    properties: Mapping[str, Any]
    line: int = 0


@dataclass(frozen=True)
class Authorizer:
    """An API's authorizer, from ``Auth.Authorizers`` or an OpenAPI security scheme.

    ``function_id`` is the logical id of the authorizer's function when it is one of the
    template's (so a local worker can run it); ``function_arn`` keeps the raw value either
    way. REST Lambda authorizers have a ``payload_type`` (``TOKEN`` or ``REQUEST``); HTTP
    API Lambda authorizers a ``payload_format`` (``1.0`` or ``2.0``) and
    ``simple_responses``. ``ttl_s`` is the result cache's lifetime (0: no caching).
    """

    name: str
    api_id: str
    kind: AuthorizerKind
    identity_sources: tuple[str, ...] = ()
    function_id: str | None = None
    function_arn: Any = None
    payload_type: Literal["TOKEN", "REQUEST"] | None = None
    payload_format: Literal["1.0", "2.0"] | None = None
    simple_responses: bool = False
    ttl_s: int = 0
    validation_expression: str | None = None
    jwt_issuer: Any = None
    jwt_audience: tuple[Any, ...] = ()
    user_pool_arns: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Cors:
    """An API's CORS configuration (``Cors`` of a REST API, ``CorsConfiguration`` of HTTP)."""

    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age_s: int | None = None
    allow_credentials: bool = False


@dataclass(frozen=True)
class Route:
    """One route of one API, from a function's event or from the API's OpenAPI body.

    ``method`` is upper-case or ``ANY``. ``function_id`` is ``None`` when the integration
    is not a Lambda proxy integration of one of the template's functions (nothing local
    can serve it). ``authorizer`` is the authorizer's name after defaults are applied
    (``None``: open; ``AWS_IAM``: IAM authorization). ``source`` says where the route was
    declared (``HelloFunction.Events.Hello`` or ``MyApi.DefinitionBody /hello get``).
    """

    api_id: str
    method: str
    path: str
    function_id: str | None
    payload_format: Literal["1.0", "2.0"]
    source: str
    authorizer: str | None = None
    authorization_scopes: tuple[str, ...] = ()
    api_key_required: bool = False
    line: int = 0

    @property
    def key(self) -> str:
        """API Gateway's routeKey: ``GET /items/{id}``, or ``$default``."""
        return self.path if self.path == "$default" else f"{self.method} {self.path}"


@dataclass(frozen=True)
class SamApi:
    """A REST or HTTP API, explicit (``AWS::Serverless::Api``/``HttpApi``) or implicit.

    ``stage_name`` is the deployed stage (``Prod`` for the implicit REST API, ``$default``
    for HTTP APIs unless named); REST URLs carry it as their first path segment.
    ``definition`` is the explicit API's OpenAPI document as read (``AWS::Include`` and a
    local ``DefinitionUri`` file included), ``None`` when it has none or it is on S3.
    A REST ``cors`` without ``allow_methods`` allows the methods of the requested path, as
    SAM generates its preflight answers; ``preflight_authorizer`` and
    ``preflight_api_key_required`` guard those generated ``OPTIONS`` methods (the API's
    defaults unless ``AddDefaultAuthorizerToCorsPreflight`` /
    ``AddApiKeyRequiredToCorsPreflight`` are false). ``stage_variables`` are the literal
    ``Variables`` (REST) or ``StageVariables`` (HTTP) of the stage; ``access_log_format``
    the stage's access log ``Format`` when declared as text.
    """

    logical_id: str
    kind: ApiKind
    implicit: bool
    stage_name: str
    routes: tuple[Route, ...]
    authorizers: Mapping[str, Authorizer] = field(default_factory=dict)
    default_authorizer: str | None = None
    cors: Cors | None = None
    binary_media_types: tuple[str, ...] = ()
    api_key_source: str = "HEADER"
    properties: Mapping[str, Any] = field(default_factory=dict)
    line: int = 0
    definition: Mapping[str, Any] | None = None
    preflight_authorizer: str | None = None
    preflight_api_key_required: bool = False
    stage_variables: Mapping[str, str] = field(default_factory=dict)
    access_log_format: str | None = None


@dataclass(frozen=True)
class SamTable:
    """A DynamoDB table (``AWS::DynamoDB::Table`` or ``AWS::Serverless::SimpleTable``).

    ``create_kwargs`` are ``create_table`` arguments without ``TableName``.
    """

    logical_id: str
    type: str
    create_kwargs: Mapping[str, Any]
    line: int = 0


@dataclass(frozen=True)
class SamModel:
    """Everything the harness reads from one SAM template, for one set of parameters."""

    path: Path
    document: Mapping[str, Any]
    parameters: Mapping[str, SamParameter]
    parameter_values: Mapping[str, str]
    functions: Mapping[str, SamFunction]
    layers: Mapping[str, SamLayer]
    apis: Mapping[str, SamApi]
    tables: Mapping[str, SamTable]
    outputs: Mapping[str, Any]

    @property
    def routes(self) -> tuple[Route, ...]:
        """Every route of every API, API by API in template order."""
        return tuple(route for api in self.apis.values() for route in api.routes)

    @property
    def template_dir(self) -> Path:
        """The folder relative paths of the template (``CodeUri``...) start from."""
        return self.path.parent

    @property
    def missing_parameters(self) -> tuple[str, ...]:
        """Parameters without a default that were given no value: a deploy would fail."""
        return tuple(name for name in self.parameters if name not in self.parameter_values)
