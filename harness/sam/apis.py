"""REST and HTTP APIs, explicit and implicit, with every route and the auth that guards it.

Routes come from functions' ``Api`` events (REST, payload 1.0) and ``HttpApi`` events
(payload 2.0 unless ``PayloadFormatVersion: "1.0"``) and from explicit APIs' OpenAPI
documents (:mod:`harness.sam.openapi`). Events without ``RestApiId``/``ApiId`` belong to
the API SAM creates for them (``ServerlessRestApi`` on stage ``Prod``,
``ServerlessHttpApi`` on ``$default``), which takes ``Globals.Api``/``Globals.HttpApi``.

An API with its own OpenAPI document (``DefinitionBody``, ``DefinitionUri``) has the
routes of that document only: SAM adds events' routes to the documents it generates, never
to one the template provides ("Swagger is the source of truth"; such events only grant the
API permission to invoke the function).

The checks SAM and API Gateway make are made here, with the line of the event at fault:
an ``Api`` event needs ``Path`` and ``Method``, an ``HttpApi`` event both or neither (then
it is the ``$default`` route); a ``RestApiId``/``ApiId`` must ``Ref`` an API of the
template of the right kind; a path starts with ``/`` and has a greedy variable last if at
all; one API serves a route once; an authorizer named must be declared.

Auth follows SAM's reference: an event's ``Auth.Authorizer`` (``NONE`` opens the route)
overrides the API's ``Auth.DefaultAuthorizer``, which also guards the routes of the
API's own OpenAPI document that declare no ``security`` (and REST ``OPTIONS`` routes only
while ``AddDefaultAuthorizerToCorsPreflight`` is true, its default); ``ApiKeyRequired``
likewise (``AddApiKeyRequiredToCorsPreflight``); an event's ``AuthorizationScopes``
override its authorizer's. REST CORS values are SAM's quoted strings (``"'*'"``, the
default ``AllowOrigin``), HTTP ``CorsConfiguration: true`` allows every origin.
``BinaryMediaTypes`` use SAM's ``~1`` for ``/``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from harness.sam.auth import (
    IAM_AUTHORIZER,
    NO_AUTHORIZER,
    auth_authorizers,
    default_scopes,
    iam_authorizer,
)
from harness.sam.context import ReadContext
from harness.sam.definitions import load_definition
from harness.sam.model import (
    IMPLICIT_HTTP_API,
    IMPLICIT_REST_API,
    ApiKind,
    Cors,
    Route,
    SamApi,
    SamFunction,
)
from harness.sam.openapi import Definition, DefinitionSource, cors_extension, read_definition
from harness.sam.paths import DEFAULT_ROUTE, path_problem, route_method
from harness.template.loader import line_of

SERVERLESS_API = "AWS::Serverless::Api"
SERVERLESS_HTTP_API = "AWS::Serverless::HttpApi"
API_TYPES: dict[ApiKind, str] = {"REST": SERVERLESS_API, "HTTP": SERVERLESS_HTTP_API}
EVENT_KINDS: dict[str, ApiKind] = {"Api": "REST", "HttpApi": "HTTP"}
_API_ID_PROPERTY: dict[ApiKind, str] = {"REST": "RestApiId", "HTTP": "ApiId"}
_IMPLICIT: dict[ApiKind, str] = {"REST": IMPLICIT_REST_API, "HTTP": IMPLICIT_HTTP_API}
_IMPLICIT_STAGE: dict[ApiKind, str] = {"REST": "Prod", "HTTP": "$default"}


@dataclasses.dataclass(frozen=True)
class _EventRoute:
    """A route from an event, before its API's auth defaults are applied."""

    route: Route
    auth: Mapping[str, Any]


def read_apis(context: ReadContext, functions: Mapping[str, SamFunction]) -> dict[str, SamApi]:
    """Every API of the template: explicit ones in template order, then the implicit ones."""
    event_routes: dict[str, list[_EventRoute]] = {}
    for function in functions.values():
        for event_route in _event_routes(context, function):
            event_routes.setdefault(event_route.route.api_id, []).append(event_route)
    declared: list[tuple[str, ApiKind, Mapping[str, Any], bool]] = []
    for logical_id, resource in context.resources.items():
        kind = next((k for k, t in API_TYPES.items() if resource.get("Type") == t), None)
        if kind is not None:
            properties = context.merger.merged(API_TYPES[kind], logical_id, resource)
            declared.append((logical_id, kind, properties, False))
    for kind, logical_id in _IMPLICIT.items():
        if logical_id in event_routes and logical_id not in context.resources:
            properties = context.merger.merged(API_TYPES[kind], logical_id, {})
            declared.append((logical_id, kind, properties, True))
    apis = {}
    for logical_id, kind, properties, implicit in declared:
        apis[logical_id] = _api(
            context,
            logical_id,
            kind,
            properties,
            event_routes=event_routes,
            functions=functions,
            implicit=implicit,
        )
    return apis


def _event_routes(context: ReadContext, function: SamFunction) -> list[_EventRoute]:
    events = function.properties.get("Events") or {}
    routes = []
    for name, event in events.items():
        kind = EVENT_KINDS.get(event.get("Type")) if isinstance(event, Mapping) else None
        if kind is None:
            continue
        where = f"{function.logical_id}.Events.{name}"
        line = line_of(events, name) or function.line
        properties = context.resolver.resolve(event.get("Properties") or {})
        path, method = properties.get("Path"), properties.get("Method")
        if kind == "HTTP" and path is None and method is None:
            path, method = DEFAULT_ROUTE, "ANY"
        if not isinstance(path, str) or not isinstance(method, str):
            both = "both Path and Method" + (
                " (or neither, for the $default route)" if kind == "HTTP" else ""
            )
            raise context.error(
                f"{where}: an {event['Type']} event needs {both}; got Path={path!r}, "
                f"Method={method!r}",
                line,
            )
        problem = path_problem(path, http_api=kind == "HTTP")
        if problem:
            raise context.error(f"{where}: {problem}", line)
        payload = "1.0"
        if kind == "HTTP" and str(properties.get("PayloadFormatVersion", "2.0")) != "1.0":
            payload = "2.0"
        route = Route(
            api_id=_event_api(context, kind, properties, where, line),
            method=route_method(method),
            path=path,
            function_id=function.logical_id,
            payload_format=payload,
            source=where,
            line=line,
        )
        routes.append(_EventRoute(route, properties.get("Auth") or {}))
    return routes


def _event_api(
    context: ReadContext, kind: ApiKind, properties: Mapping[str, Any], where: str, line: int
) -> str:
    """The logical id of the API an event belongs to."""
    id_property = _API_ID_PROPERTY[kind]
    if id_property not in properties:
        return _IMPLICIT[kind]
    value = properties[id_property]
    target = value.get("Ref") if isinstance(value, Mapping) and set(value) == {"Ref"} else None
    if not isinstance(target, str) or context.resource_type(target) != API_TYPES[kind]:
        raise context.error(
            f"{where}: {id_property} {value!r} names no {API_TYPES[kind]} of this template "
            f"(it must be a Ref to one)",
            line,
        )
    return target


def _api(
    context: ReadContext,
    logical_id: str,
    kind: ApiKind,
    properties: Mapping[str, Any],
    *,
    event_routes: Mapping[str, list[_EventRoute]],
    functions: Mapping[str, SamFunction],
    implicit: bool,
) -> SamApi:
    line = context.resource_line(logical_id)
    auth = context.resolver.resolve(properties.get("Auth") or {})
    authorizers = {}
    definition = Definition()
    loaded = None if implicit else load_definition(context, logical_id, properties)
    if loaded is not None:
        source = DefinitionSource(logical_id, kind, loaded.file, loaded.label)
        definition = read_definition(loaded.body, source, functions)
        authorizers.update(definition.authorizers)
    authorizers.update(
        auth_authorizers(context, logical_id, kind, auth, line=line, functions=functions)
    )
    known = {*authorizers, IAM_AUTHORIZER} if kind == "REST" else set(authorizers)
    default_authorizer = auth.get("DefaultAuthorizer")
    _check_authorizer(context, default_authorizer, known, f"{logical_id}: Auth", line)
    routes: dict[str, Route] = {}
    defaults = _AuthDefaults(kind, auth)
    for route in definition.routes:
        _add_route(context, routes, defaults.apply_to_definition(route))
    # SAM adds events' routes only to the documents it writes itself
    for event_route in event_routes.get(logical_id, ()) if loaded is None else ():
        route = defaults.apply_to_event(event_route.route, event_route.auth)
        _check_authorizer(context, route.authorizer, known, route.source, route.line)
        _add_route(context, routes, route)
    if any(route.authorizer == IAM_AUTHORIZER for route in routes.values()):
        authorizers.setdefault(IAM_AUTHORIZER, iam_authorizer(logical_id))
    binary = [t.replace("~1", "/") for t in properties.get("BinaryMediaTypes") or ()]
    preflight = defaults.apply_to_event(
        Route(logical_id, "OPTIONS", "/", None, "1.0", f"{logical_id}.Cors"), {}
    )
    return SamApi(
        logical_id=logical_id,
        kind=kind,
        implicit=implicit,
        stage_name=_IMPLICIT_STAGE[kind]
        if implicit
        else _stage_name(context, logical_id, kind, properties, line),
        routes=tuple(routes.values()),
        authorizers=authorizers,
        default_authorizer=default_authorizer,
        cors=_cors(context, logical_id, kind, properties, line) or definition.cors,
        binary_media_types=tuple(dict.fromkeys([*binary, *definition.binary_media_types])),
        api_key_source=str(
            properties.get("ApiKeySourceType") or definition.api_key_source or "HEADER"
        ),
        properties=properties,
        line=line,
        definition=loaded.body if loaded is not None else None,
        preflight_authorizer=preflight.authorizer,
        preflight_api_key_required=preflight.api_key_required,
        stage_variables=_stage_variables(context, kind, properties),
        access_log_format=_access_log_format(context, kind, properties),
    )


def _stage_variables(
    context: ReadContext, kind: ApiKind, properties: Mapping[str, Any]
) -> dict[str, str]:
    """The stage's variables that are text once parameters are resolved."""
    value = context.resolver.resolve(
        properties.get("Variables" if kind == "REST" else "StageVariables")
    )
    if not isinstance(value, Mapping):
        return {}
    return {str(k): str(v) for k, v in value.items() if isinstance(v, str | int | float)}


def _access_log_format(
    context: ReadContext, kind: ApiKind, properties: Mapping[str, Any]
) -> str | None:
    setting = context.resolver.resolve(
        properties.get("AccessLogSetting" if kind == "REST" else "AccessLogSettings")
    )
    log_format = setting.get("Format") if isinstance(setting, Mapping) else None
    return log_format if isinstance(log_format, str) else None


class _AuthDefaults:
    """An API's ``Auth`` defaults, applied to a route the way SAM applies them."""

    def __init__(self, kind: ApiKind, auth: Mapping[str, Any]) -> None:
        self._rest = kind == "REST"
        self._auth = auth
        self._authorizer = auth.get("DefaultAuthorizer")
        self._api_key_required = self._rest and auth.get("ApiKeyRequired") is True
        self._preflight_authorizer = auth.get("AddDefaultAuthorizerToCorsPreflight", True)
        self._preflight_api_key = auth.get("AddApiKeyRequiredToCorsPreflight", True)

    def apply_to_definition(self, route: Route) -> Route:
        """A document's operation takes the defaults its ``security`` does not override.

        As SAM edits the document: the default authorizer joins an operation that names
        no authorizer (an empty ``security`` included; only ``NONE`` opens it), the API
        key one that does not require the key already.
        """
        return self._with_defaults(
            route,
            route.authorizer,
            route.authorization_scopes if route.authorizer else None,
            True if route.api_key_required else None,
        )

    def apply_to_event(self, route: Route, event_auth: Mapping[str, Any]) -> Route:
        return self._with_defaults(
            route,
            event_auth.get("Authorizer"),
            event_auth.get("AuthorizationScopes"),
            event_auth.get("ApiKeyRequired") if self._rest else None,
        )

    def _with_defaults(
        self, route: Route, authorizer: Any, scopes: Any, api_key_required: Any
    ) -> Route:
        preflight = self._rest and route.method == "OPTIONS"
        if authorizer is None and not (preflight and self._preflight_authorizer is False):
            authorizer = self._authorizer
        if authorizer == NO_AUTHORIZER:
            authorizer = None
        if api_key_required is None:
            api_key_required = self._api_key_required and not (
                preflight and self._preflight_api_key is False
            )
        return dataclasses.replace(
            route,
            authorizer=authorizer,
            authorization_scopes=tuple(scopes or default_scopes(self._auth, authorizer)),
            api_key_required=api_key_required is True,
        )


def _check_authorizer(
    context: ReadContext, name: Any, authorizers: set[str], where: str, line: int
) -> None:
    if name is None or name == NO_AUTHORIZER or name in authorizers:
        return
    known = ", ".join(sorted({*authorizers, NO_AUTHORIZER}))
    hint = " (an HTTP API needs EnableIamAuthorizer: true for it)" if name == IAM_AUTHORIZER else ""
    raise context.error(
        f"{where}: authorizer {name!r} is not declared in the API's Auth.Authorizers or its "
        f"OpenAPI security schemes{hint}; known: {known}",
        line,
    )


def _add_route(context: ReadContext, routes: dict[str, Route], route: Route) -> None:
    claimed = routes.get(route.key)
    if claimed is not None:
        raise context.error(
            f"{route.source}: route {route.key!r} of {route.api_id} is already served by "
            f"{claimed.source} (line {claimed.line})",
            route.line,
        )
    routes[route.key] = route


def _stage_name(
    context: ReadContext, logical_id: str, kind: ApiKind, properties: Mapping[str, Any], line: int
) -> str:
    stage = context.resolver.resolve(properties.get("StageName"))
    if stage is None and kind == "HTTP":
        return "$default"
    if not isinstance(stage, str) or not stage:
        raise context.error(
            f"{logical_id}: StageName {stage!r} is needed as text, a parameter or a mapping "
            "(SAM requires it for AWS::Serverless::Api)",
            context.property_line(logical_id, "StageName") or line,
        )
    return stage


def _cors(
    context: ReadContext, logical_id: str, kind: ApiKind, properties: Mapping[str, Any], line: int
) -> Cors | None:
    if kind == "REST":
        value = context.resolver.resolve(properties.get("Cors"))
        if value is None:
            return None
        spec = {"AllowOrigin": value} if isinstance(value, str) else value
        if not isinstance(spec, Mapping):
            raise context.error(f"{logical_id}: Cors must be a quoted origin or a mapping", line)
        max_age = _unquoted(spec.get("MaxAge"))
        return Cors(
            allow_origins=_quoted_list(spec.get("AllowOrigin", "'*'")),
            allow_methods=_quoted_list(spec.get("AllowMethods")),
            allow_headers=_quoted_list(spec.get("AllowHeaders")),
            max_age_s=int(max_age) if max_age else None,
            allow_credentials=spec.get("AllowCredentials") is True,
        )
    value = context.resolver.resolve(properties.get("CorsConfiguration"))
    if value is None or value is False:
        return None
    if value is True:
        return Cors(allow_origins=("*",))
    if not isinstance(value, Mapping):
        raise context.error(f"{logical_id}: CorsConfiguration must be true or a mapping", line)
    # SAM writes it into the document as x-amazon-apigateway-cors, the same keys in camelCase
    return cors_extension({key[:1].lower() + key[1:]: item for key, item in value.items()})


def _unquoted(value: Any) -> str:
    """SAM's REST CORS values are header values in single quotes: ``"'GET,POST'"``."""
    return str(value).strip().strip("'") if value is not None else ""


def _quoted_list(value: Any) -> tuple[str, ...]:
    return tuple(part.strip() for part in _unquoted(value).split(",") if part.strip())
