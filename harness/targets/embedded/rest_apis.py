"""REST APIs on moto: what its CloudFormation needs to create them, and what it skips.

Measured on moto 5.2: its ``AWS::ApiGateway::RestApi`` model requires a ``Name`` (SAM's
implicit ``ServerlessRestApi`` has none: ``create_stack`` answered HTTP 500) and ignores
``Body``, so the API has no resources; its ``AWS::ApiGateway::Deployment`` then fails
("The REST API doesn't contain any methods"). It has no model for ``Stage``, ``ApiKey``,
``UsagePlan`` or ``UsagePlanKey``.

So before ``create_stack`` (:func:`prepare_rest_apis`) each RestApi gets the name API
Gateway gives an imported API, the document's ``info.title`` (SAM writes the stack
name there), and the API's routes become ``AWS::ApiGateway::Resource`` and ``Method``
resources, which moto's own models create, as importing the document would on AWS; the
deployments wait for them. After it (:func:`provision_rest_resources`) the removed stages,
API keys, usage plans and their keys are created through moto's API Gateway API, so
``get-stages``, ``get-api-keys`` and usage plans show them, and the embedded front checks
API keys against what moto holds. Their references are resolved here (``Ref`` to a
resource, parameter or pseudo parameter); one that cannot be is reported, not guessed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from harness.sam import SamApi, SamModel
from harness.targets.base import Gap

PROVISIONED_TYPES = (
    "AWS::ApiGateway::Stage",
    "AWS::ApiGateway::ApiKey",
    "AWS::ApiGateway::UsagePlan",
    "AWS::ApiGateway::UsagePlanKey",
)
_FUNCTION_URI = (
    "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${%s.Arn}/invocations"
)


def prepare_rest_apis(template: dict[str, Any], model: SamModel) -> None:
    """Give each REST API of ``template`` (transformed, changed in place) a name and routes."""
    resources: dict[str, Any] = template["Resources"]
    for api in model.apis.values():
        rest_api = resources.get(api.logical_id)
        if api.kind != "REST" or not rest_api or rest_api.get("Type") != "AWS::ApiGateway::RestApi":
            continue
        properties = rest_api.setdefault("Properties", {})
        if "Name" not in properties:
            title = (properties.get("Body") or {}).get("info", {}).get("title")
            properties["Name"] = title if title is not None else {"Ref": "AWS::StackName"}
        methods = _route_resources(api, resources)
        for resource in resources.values():
            if resource.get("Type") == "AWS::ApiGateway::Deployment" and (
                resource.get("Properties") or {}
            ).get("RestApiId") == {"Ref": api.logical_id}:
                depends_on = resource.get("DependsOn") or []
                depends_on = [depends_on] if isinstance(depends_on, str) else list(depends_on)
                resource["DependsOn"] = depends_on + methods


def _route_resources(api: SamApi, resources: dict[str, Any]) -> list[str]:
    """Add a Resource per path segment and a Method per route; return the Methods' ids."""
    api_ref = {"Ref": api.logical_id}
    paths: dict[str, str] = {"/": api.logical_id}  # moto puts children of the API at its root
    methods = []
    for route in api.routes:
        parent = "/"
        for part in [segment for segment in route.path.split("/") if segment]:
            path = parent.rstrip("/") + "/" + part
            if path not in paths:
                paths[path] = _logical_id(api.logical_id, "Resource", path)
                resources[paths[path]] = {
                    "Type": "AWS::ApiGateway::Resource",
                    "Properties": {
                        "RestApiId": api_ref,
                        "ParentId": {"Ref": paths[parent]},
                        "PathPart": part,
                    },
                }
            parent = path
        method_id = _logical_id(api.logical_id, "Method", route.key)
        integration: dict[str, Any] = {"Type": "MOCK", "IntegrationHttpMethod": "POST", "Uri": ""}
        if route.function_id is not None:
            uri = _FUNCTION_URI % route.function_id
            integration = {
                "Type": "AWS_PROXY",
                "IntegrationHttpMethod": "POST",
                "Uri": {"Fn::Sub": uri},
            }
        resources[method_id] = {
            "Type": "AWS::ApiGateway::Method",
            "Properties": {
                "RestApiId": api_ref,
                "ResourceId": {"Ref": paths[parent]}
                if parent != "/"
                else {"Fn::GetAtt": [api.logical_id, "RootResourceId"]},
                "HttpMethod": route.method,
                "AuthorizationType": "CUSTOM" if route.authorizer else "NONE",
                "ApiKeyRequired": route.api_key_required,
                "Integration": integration,
            },
        }
        methods.append(method_id)
    return methods


def _logical_id(api_id: str, kind: str, path: str) -> str:
    return f"{api_id}Harness{kind}{hashlib.sha1(path.encode()).hexdigest()[:10]}"


def provision_rest_resources(
    removed: Mapping[str, Mapping[str, Any]],
    physical_ids: Mapping[str, str],
    parameters: Mapping[str, str],
    client: Callable[[], Any],
    *,
    stack_name: str,
) -> tuple[dict[str, str], list[Gap]]:
    """Create the removed stages, keys and usage plans through moto's API Gateway API.

    ``client()`` gives moto's API Gateway client, asked for only when there is work.
    Returns the physical ids of what was created (a stage's is its name, as on AWS) and
    gaps for what could not be, or what is created but not enforced (a usage plan's
    throttle and quota).
    """
    created: dict[str, str] = {}
    gaps: list[Gap] = []
    resolver = _Resolver(physical_ids, created, parameters, stack_name)
    for resource_type in PROVISIONED_TYPES:
        for logical_id, resource in removed.items():
            if resource.get("Type") != resource_type:
                continue
            properties = resource.get("Properties") or {}
            try:
                created[logical_id] = _CREATORS[resource_type](
                    client(), resolver, logical_id, properties
                )
            except _Unresolvable as error:
                gaps.append(Gap(logical_id, resource_type, f"not created in moto: {error}"))
            if resource_type == "AWS::ApiGateway::UsagePlan" and (
                "Throttle" in properties or "Quota" in properties
            ):
                gaps.append(
                    Gap(logical_id, resource_type, "its Throttle and Quota are not enforced")
                )
    return created, gaps


class _Unresolvable(ValueError):
    pass


class _Resolver:
    def __init__(
        self,
        physical_ids: Mapping[str, str],
        created: Mapping[str, str],
        parameters: Mapping[str, str],
        stack_name: str,
    ) -> None:
        self._names = {**parameters, "AWS::StackName": stack_name}
        self._physical_ids = physical_ids
        self._created = created

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str | int | float | bool):
            return value
        if isinstance(value, Mapping) and set(value) == {"Ref"}:
            name = value["Ref"]
            for known in (self._created, self._physical_ids, self._names):
                if name in known:
                    return known[name]
        raise _Unresolvable(f"{value!r} cannot be resolved offline")


def _stage(client: Any, resolve: _Resolver, logical_id: str, properties: Mapping[str, Any]) -> str:
    api_id, name = resolve(properties["RestApiId"]), str(resolve(properties["StageName"]))
    existing = {stage["stageName"] for stage in client.get_stages(restApiId=api_id)["item"]}
    if name not in existing:
        variables = {k: str(resolve(v)) for k, v in (properties.get("Variables") or {}).items()}
        client.create_stage(
            restApiId=api_id,
            stageName=name,
            deploymentId=resolve(properties["DeploymentId"]),
            variables=variables,
        )
    return name


def _api_key(
    client: Any, resolve: _Resolver, logical_id: str, properties: Mapping[str, Any]
) -> str:
    arguments: dict[str, Any] = {
        "name": str(resolve(properties.get("Name", logical_id))),
        "enabled": bool(resolve(properties.get("Enabled", False))),
    }
    if "Value" in properties:
        arguments["value"] = str(resolve(properties["Value"]))
    return str(client.create_api_key(**arguments)["id"])


def _usage_plan(
    client: Any, resolve: _Resolver, logical_id: str, properties: Mapping[str, Any]
) -> str:
    stages = [
        {"apiId": resolve(stage["ApiId"]), "stage": str(resolve(stage["Stage"]))}
        for stage in properties.get("ApiStages") or ()
    ]
    name = str(resolve(properties.get("UsagePlanName", logical_id)))
    return str(client.create_usage_plan(name=name, apiStages=stages)["id"])


def _usage_plan_key(
    client: Any, resolve: _Resolver, logical_id: str, properties: Mapping[str, Any]
) -> str:
    key_id = str(resolve(properties["KeyId"]))
    client.create_usage_plan_key(
        usagePlanId=resolve(properties["UsagePlanId"]),
        keyId=key_id,
        keyType=str(resolve(properties.get("KeyType", "API_KEY"))),
    )
    return key_id


_CREATORS = {
    "AWS::ApiGateway::Stage": _stage,
    "AWS::ApiGateway::ApiKey": _api_key,
    "AWS::ApiGateway::UsagePlan": _usage_plan,
    "AWS::ApiGateway::UsagePlanKey": _usage_plan_key,
}
