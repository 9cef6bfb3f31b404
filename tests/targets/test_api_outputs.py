"""Outputs naming an API's URL, in every form templates write them, point at the local front."""

from __future__ import annotations

import pytest

from harness.targets.embedded.api_outputs import local_api_value

ORIGINS = {"ServerlessRestApi": "http://127.0.0.1:1111", "HttpApi": "http://127.0.0.1:2222"}


@pytest.mark.parametrize(
    ("value", "local"),
    [
        (
            {
                "Fn::Sub": "https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/hello/"
            },
            "http://127.0.0.1:1111/Prod/hello/",
        ),
        (
            {"Fn::Sub": "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/"},
            "http://127.0.0.1:2222/",
        ),
        (
            {"Fn::Sub": "https://${HttpApi}.execute-api.eu-west-1.amazonaws.com"},
            "http://127.0.0.1:2222",
        ),
        ({"Fn::GetAtt": ["HttpApi", "ApiEndpoint"]}, "http://127.0.0.1:2222"),
        ({"Fn::GetAtt": "HttpApi.ApiEndpoint"}, "http://127.0.0.1:2222"),
        (
            {
                "Fn::Join": [
                    "",
                    [
                        "https://",
                        {"Ref": "ServerlessRestApi"},
                        ".execute-api.",
                        {"Ref": "AWS::Region"},
                        ".amazonaws.com/",
                        {"Ref": "Stage"},
                    ],
                ]
            },
            {"Fn::Sub": "http://127.0.0.1:1111/${Stage}"},
        ),
        (
            {
                "Fn::Sub": [
                    "https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/${S}/",
                    {"S": {"Ref": "Stage"}},
                ]
            },
            {"Fn::Sub": ["http://127.0.0.1:1111/${S}/", {"S": {"Ref": "Stage"}}]},
        ),
    ],
)
def test_api_urls_are_rewritten_keeping_stage_and_path(value, local):
    assert local_api_value(value, ORIGINS) == local


@pytest.mark.parametrize(
    "value",
    [
        {"Ref": "ServerlessRestApi"},  # the API's id, not its URL
        {"Fn::Sub": "https://${Other}.execute-api.${AWS::Region}.amazonaws.com/"},
        {"Fn::GetAtt": ["Table", "Arn"]},
        "https://example.com/",
        {"Fn::If": ["Cond", "a", "b"]},
    ],
)
def test_values_that_are_not_a_local_apis_url_are_left_alone(value):
    assert local_api_value(value, ORIGINS) is None
