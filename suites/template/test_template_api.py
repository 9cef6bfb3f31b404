"""The HTTP API: logged, throttled, no open function URLs, every route backed by code."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness import (
    AnyOf,
    JsonString,
    Present,
    RefersTo,
    SamModel,
    Template,
    display_path,
    handler_code,
    match,
    route_signature,
)

pytestmark = pytest.mark.template

REQUIRED_OUTPUTS = ("ApiUrl", "TableName")


def test_http_api_writes_access_logs(transformed: Callable[..., Template]) -> None:
    transformed().resources("AWS::ApiGatewayV2::Stage").all_match(
        {
            "Properties": {
                "AccessLogSettings": {
                    "DestinationArn": Present(),
                    "Format": JsonString({"requestId": Present(), "status": Present()}),
                }
            }
        }
    )


@pytest.mark.parametrize("stage", ["dev", "staging", "prod"])
def test_http_api_is_throttled(transformed: Callable[..., Template], stage: str) -> None:
    transformed(stage).resources("AWS::ApiGatewayV2::Stage").all_match(
        {
            "Properties": {
                "DefaultRouteSettings": {
                    "ThrottlingBurstLimit": Present(),
                    "ThrottlingRateLimit": Present(),
                }
            }
        }
    )


def test_no_function_url_without_auth(
    sam_source: Template, transformed: Callable[..., Template]
) -> None:
    transformed().resources("AWS::Lambda::Url").none_match({"Properties": {"AuthType": "NONE"}})
    sam_source.functions().none_match({"Properties": {"FunctionUrlConfig": {"AuthType": "NONE"}}})


def test_http_api_invokes_live_aliases_only(transformed: Callable[..., Template]) -> None:
    """Through the alias, CodeDeploy's traffic shifting and rollback apply to API traffic."""
    template = transformed()
    invokes_an_alias = AnyOf(*(RefersTo(a) for a in template.resources("AWS::Lambda::Alias").ids))
    integrations = {
        f"{api.logical_id} {method.upper()} {path}": operation["x-amazon-apigateway-integration"]
        for api in template.resources("AWS::ApiGatewayV2::Api")
        for path, operations in api.properties["Body"]["paths"].items()
        for method, operation in operations.items()
    }
    assert integrations, "the HTTP API has no routes"
    bypassing = [
        f"{route}: {integration['uri']}"
        for route, integration in integrations.items()
        if not match(invokes_an_alias, integration["uri"]).ok
    ]
    assert not bypassing, "integrations that bypass the live alias:\n" + "\n".join(bypassing)


def test_every_route_resolves_to_a_handler_in_the_code(sam_model: SamModel) -> None:
    problems = []
    for function in sam_model.functions.values():
        where = f"{display_path(sam_model.path)}:{function.line}"
        if function.code_dir is None or function.handler is None:
            problems.append(f"{function.logical_id} ({where}): no local code and Handler to read")
            continue
        code = handler_code(function.code_dir, function.handler)
        if not code.defined:
            problems.append(
                f"{function.logical_id} ({where}): {function.handler} not in {code.module_file}"
            )
            continue
        for route in sam_model.routes:
            served = route_signature(route.method, route.path) in code.routes
            if route.function_id == function.logical_id and not served:
                problems.append(
                    f"{function.logical_id} ({where}): event {route.source} {route.method} "
                    f"{route.path} has no route in {code.module_file}"
                )
    assert not problems, "routes without code:\n" + "\n".join(problems)


def test_stack_exports_api_url_and_table_name(sam_source: Template) -> None:
    missing = [name for name in REQUIRED_OUTPUTS if name not in sam_source.outputs]
    assert not missing, f"{sam_source.label} lacks outputs {missing}"
