"""One API's pipeline, in-process: the same gateway the embedded front runs, no sockets.

Templates are parsed by the real SAM model; handlers are plain functions here.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from harness.apigateway import (
    ApiGateway,
    AuthorizerRegistry,
    Failure,
    LambdaAuthorizers,
    Outcome,
    request_for,
)
from harness.apigateway.inprocess import InProcessApi
from harness.sam import sam_model_from_document

REST_APP: dict[str, Any] = {
    "Transform": "AWS::Serverless-2016-10-31",
    "Resources": {
        "Api": {
            "Type": "AWS::Serverless::Api",
            "Properties": {
                "StageName": "live",
                "Cors": "'*'",
                "Auth": {
                    "DefaultAuthorizer": "Token",
                    "ApiKeyRequired": True,
                    "Authorizers": {
                        "Token": {
                            "FunctionArn": {"Fn::GetAtt": ["Auth", "Arn"]},
                            "Identity": {"ReauthorizeEvery": 60},
                        }
                    },
                },
            },
        },
        "Fn": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "Runtime": "python3.12",
                "Handler": "app.handler",
                "CodeUri": "src/",
                "Events": {
                    "Get": {
                        "Type": "Api",
                        "Properties": {
                            "RestApiId": {"Ref": "Api"},
                            "Path": "/thing",
                            "Method": "get",
                        },
                    }
                },
            },
        },
        "Auth": {
            "Type": "AWS::Serverless::Function",
            "Properties": {"Runtime": "python3.12", "Handler": "auth.handler", "CodeUri": "src/"},
        },
    },
}


def allow_everything(event, context):
    if event["authorizationToken"] == "boom":
        raise RuntimeError("authorizer bug")
    effect = "Allow" if event["authorizationToken"] == "good" else "Deny"
    return {
        "principalId": "me",
        "policyDocument": {
            "Statement": [
                {"Effect": effect, "Action": "execute-api:Invoke", "Resource": event["methodArn"]}
            ]
        },
        "context": {"seen": event["methodArn"]},
    }


def thing(event, context):
    return {"statusCode": 200, "body": event["requestContext"]["authorizer"]["seen"]}


@pytest.fixture
def rest() -> InProcessApi:
    model = sam_model_from_document(REST_APP, Path("/nowhere/template.yaml"))
    handlers = {"Fn": thing, "Auth": allow_everything}
    return InProcessApi(model, handlers.__getitem__, api_keys=["key-1"])


def test_rest_paths_are_below_the_stage_and_guarded_by_authorizer_then_key(rest):
    assert rest.get("/thing").status == 401
    assert rest.get("/thing", headers={"X-Shop": "1"}).status == 401
    assert rest.get("/thing", headers={"Authorization": "bad"}).status == 403
    assert rest.get("/thing", headers={"Authorization": "good"}).status == 403  # no key
    answered = rest.get("/thing", headers={"Authorization": "good", "x-api-key": "key-1"})
    assert answered.status == 200
    assert answered.body.endswith("/live/GET/thing")


def test_an_authorizer_failure_is_a_500_with_a_null_message(rest):
    answer = rest.get("/thing", headers={"Authorization": "boom", "x-api-key": "key-1"})
    assert (answer.status, answer.json()) == (500, {"message": None})
    assert answer.headers["x-amzn-errortype"] == "AuthorizerConfigurationException"


def test_the_generated_cors_preflight_takes_the_default_authorizer(rest):
    assert rest.request("OPTIONS", "/thing").status == 401
    preflight = rest.request(
        "OPTIONS", "/thing", headers={"Authorization": "good", "x-api-key": "key-1"}
    )
    assert preflight.status == 200
    assert preflight.headers["access-control-allow-origin"] == "*"


def test_an_authorizer_verdict_expires_with_its_ttl():
    model = sam_model_from_document(REST_APP, Path("/nowhere/template.yaml"))
    calls: list[str] = []
    now = [0.0]

    def invoke(function_id: str, event: dict[str, Any]) -> Outcome:
        calls.append(function_id)
        handler = allow_everything if function_id == "Auth" else thing
        return Outcome(handler(event, None), None)

    gateway = ApiGateway(
        model.apis["Api"],
        invoke,
        api_id="api",
        authorizers=AuthorizerRegistry({"lambda": LambdaAuthorizers(invoke, clock=lambda: now[0])}),
    )
    request = request_for("GET", "/live/thing", headers={"Authorization": "good"})
    for _ in range(3):
        assert gateway.handle(request).response.status == 200
    assert calls.count("Auth") == 1
    now[0] = 61.0
    gateway.handle(request)
    assert calls.count("Auth") == 2


def test_api_keys_unchecked_without_a_key_store_and_unenforced_kinds_pass():
    model = sam_model_from_document(REST_APP, Path("/nowhere/template.yaml"))
    gateway = ApiGateway(model.apis["Api"], lambda f, e: Outcome({"statusCode": 204}, None), "api")
    assert gateway.handle(request_for("GET", "/live/thing")).response.status == 204
    assert AuthorizerRegistry().unenforced(model.apis["Api"]) == [
        ("GET /thing", "authorizer Token (no lambda authorizer verifier is registered)")
    ]


@pytest.mark.parametrize(
    ("kind", "status"),
    [("throttled", 500), ("request_too_large", 500), ("unhandled", 502), ("timeout", 502)],
)
def test_rest_answers_rejected_invocations_500_and_failed_ones_502(kind, status):
    model = sam_model_from_document(REST_APP, Path("/nowhere/template.yaml"))
    gateway = ApiGateway(
        model.apis["Api"], lambda f, e: Outcome(None, Failure(kind, "Error", "x")), "api"
    )
    exchange = gateway.handle(request_for("GET", "/live/thing"))
    assert exchange.response.status == status
    assert "Fn failed: Error: x" in exchange.integration_error


def test_the_integration_timeout_cuts_off_a_longer_function():
    model = sam_model_from_document(REST_APP, Path("/nowhere/template.yaml"))

    def slow(function_id: str, event: dict[str, Any]) -> Outcome:
        time.sleep(0.5)
        return Outcome({"statusCode": 200}, None)

    gateway = ApiGateway(
        model.apis["Api"], slow, "api", function_timeouts={"Fn": 60}, integration_timeout_s=0.05
    )
    try:
        response = gateway.handle(request_for("GET", "/live/thing")).response
    finally:
        gateway.close()
    assert response.status == 504
    assert b"Endpoint request timed out" in response.body


def test_a_path_outside_the_stage_and_an_oversized_body():
    model = sam_model_from_document(REST_APP, Path("/nowhere/template.yaml"))
    gateway = ApiGateway(model.apis["Api"], lambda f, e: Outcome({"statusCode": 200}, None), "api")
    assert gateway.handle(request_for("GET", "/thing")).response.status == 403
    big = request_for("POST", "/live/thing", body=b"x" * (10 * 1024 * 1024 + 1))
    assert gateway.handle(big).response.status == 413


def test_the_in_process_client_wants_one_api_named_when_there_are_several():
    document = {
        **REST_APP,
        "Resources": {
            **REST_APP["Resources"],
            "Other": {"Type": "AWS::Serverless::HttpApi", "Properties": {}},
        },
    }
    model = sam_model_from_document(document, Path("/nowhere/template.yaml"))
    with pytest.raises(ValueError, match="2 APIs"):
        InProcessApi(model, {}.__getitem__)
    assert InProcessApi(model, {}.__getitem__, api="Other").get("/x").status == 404
