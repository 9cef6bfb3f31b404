"""The model reads events and ``Auth`` as aws-sam-translator itself does.

For each fixture API, the OpenAPI document SAM generates (in the transformed template's
``Body``) is read back with the model's own OpenAPI reader: the routes, the function
behind each, the authorizer, API key and scopes guarding it, and every authorizer's
identity sources, cache TTL and payload must be what the model read from the SAM source.
So a default the model assumes that SAM does not (or the reverse) fails here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.sam import Authorizer, Route, read_sam_model
from harness.sam.openapi import DefinitionSource, read_definition
from harness.template.transform import transformed_template

APPS = Path(__file__).resolve().parents[2] / "fixtures" / "sam"
APIS = [
    ("hello_world", "ServerlessRestApi"),
    ("rest_auth", "BooksApi"),
    ("http_auth", "OrdersApi"),
    ("openapi", "LegacyApi"),
]


def guards(routes: tuple[Route, ...] | list[Route]) -> dict[str, tuple[Any, ...]]:
    """What serves and guards each route; SAM's own CORS preflight mocks left out."""
    return {
        route.key: (
            route.function_id,
            None if route.authorizer == "NONE" else route.authorizer,  # SAM writes NONE
            route.api_key_required,
            route.authorization_scopes,
            route.payload_format,
        )
        for route in routes
        if not (route.method == "OPTIONS" and route.function_id is None)
    }


def settings(authorizer: Authorizer) -> tuple[Any, ...]:
    return (
        authorizer.kind,
        authorizer.identity_sources,
        authorizer.ttl_s,
        authorizer.payload_type,
        authorizer.payload_format,
        authorizer.simple_responses,
        authorizer.function_id,
        authorizer.validation_expression,
        authorizer.user_pool_arns,
    )


@pytest.mark.parametrize(("app", "api_id"), APIS, ids=[f"{a}-{i}" for a, i in APIS])
def test_routes_and_authorizers_agree_with_the_sam_transform(app: str, api_id: str) -> None:
    path = APPS / app / "template.yaml"
    model = read_sam_model(path)
    api = model.apis[api_id]
    body = transformed_template(path, {}, "us-east-1").resource(api_id).properties["Body"]
    source = DefinitionSource(api_id, api.kind, path, "transformed")
    generated = read_definition(body, source, model.functions)
    assert guards(generated.routes) == guards(api.routes)
    assert {name: settings(a) for name, a in generated.authorizers.items()} == {
        name: settings(a) for name, a in api.authorizers.items()
    }


DEFAULTS_ON_A_WRITTEN_BODY = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Auth:
        DefaultAuthorizer: Token
        ApiKeyRequired: true
        Authorizers:
          Token: {FunctionArn: !GetAtt Auth.Arn}
      DefinitionBody:
        swagger: "2.0"
        info: {title: t, version: "1"}
        paths:
          /plain:
            get: {x-amazon-apigateway-integration: {type: mock}}
          /empty:
            get: {security: [], x-amazon-apigateway-integration: {type: mock}}
          /open:
            get: {security: [{NONE: []}], x-amazon-apigateway-integration: {type: mock}}
  Auth:
    Type: AWS::Serverless::Function
    Properties: {InlineCode: x, Handler: a.b, Runtime: python3.12}
"""


def test_auth_defaults_join_a_written_document_as_sam_edits_it(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(DEFAULTS_ON_A_WRITTEN_BODY)
    api = read_sam_model(path).apis["Api"]
    body = transformed_template(path, {}, "us-east-1").resource("Api").properties["Body"]
    generated = read_definition(body, DefinitionSource("Api", "REST", path, "transformed"), {})
    assert guards(generated.routes) == guards(api.routes)
    assert guards(api.routes)["GET /open"][1] is None
