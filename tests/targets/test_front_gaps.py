"""What the front does not enforce is reported per API and route, never silently passed."""

from __future__ import annotations

from pathlib import Path

from harness.apigateway import AuthorizerRegistry, LambdaAuthorizers
from harness.sam import read_sam_model, sam_model_from_document
from harness.targets.embedded.front_gaps import front_gaps

SAM = Path(__file__).resolve().parents[2] / "fixtures" / "sam"


def test_jwt_and_iam_routes_are_gaps_lambda_ones_are_not() -> None:
    model = read_sam_model(SAM / "http_auth" / "template.yaml")
    registry = AuthorizerRegistry({"lambda": LambdaAuthorizers(lambda f, e: None)})  # type: ignore[arg-type,return-value]
    gaps = {gap.logical_id: gap.reason for gap in front_gaps(model, registry)}
    assert "CognitoJwt" in gaps["OrdersApi POST /orders"]
    assert "not enforced" in gaps["OrdersApi POST /orders"]
    assert "AWS_IAM" in gaps["OrdersApi GET /audit"]
    assert "OrdersApi GET /orders" not in gaps  # its Lambda authorizer runs


def test_stage_throttling_and_non_lambda_integrations_are_gaps() -> None:
    model = sam_model_from_document(
        {
            "Transform": "AWS::Serverless-2016-10-31",
            "Resources": {
                "Api": {
                    "Type": "AWS::Serverless::HttpApi",
                    "Properties": {"DefaultRouteSettings": {"ThrottlingBurstLimit": 5}},
                },
                "Fn": {
                    "Type": "AWS::Serverless::Function",
                    "Properties": {
                        "Runtime": "python3.12",
                        "Handler": "a.b",
                        "CodeUri": "src/",
                        "Events": {
                            "E": {"Type": "HttpApi", "Properties": {"ApiId": {"Ref": "Api"}}}
                        },
                    },
                },
            },
        },
        Path("/nowhere/template.yaml"),
    )
    registry = AuthorizerRegistry({"lambda": LambdaAuthorizers(lambda f, e: None)})  # type: ignore[arg-type,return-value]
    reasons = [gap.reason for gap in front_gaps(model, registry)]
    assert any("DefaultRouteSettings" in reason and "no 429s" in reason for reason in reasons)
    library = read_sam_model(
        Path(__file__).resolve().parents[2] / "fixtures" / "apps" / "openapi_file" / "template.yaml"
    )
    assert [gap.logical_id for gap in front_gaps(library, registry)] == ["LibraryApi GET /status"]
