"""Bad SAM input fails reading the model, naming file:line and the resource or event at fault."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from harness.sam import SamModelError, read_sam_model
from harness.template import TemplateError

HEADER = """\
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Events:
"""


def events(text: str) -> str:
    return HEADER + textwrap.indent(textwrap.dedent(text), " " * 8)


def read_fails(tmp_path: Path, template: str) -> str:
    path = tmp_path / "template.yaml"
    path.write_text(template)
    with pytest.raises(SamModelError) as caught:
        read_sam_model(path)
    assert isinstance(caught.value, TemplateError)
    return str(caught.value)


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (
            "E:\n  Type: HttpApi\n  Properties: {Path: /items}\n",
            r"template\.yaml:12: Fn\.Events\.E: an HttpApi event needs both Path and Method "
            r"\(or neither",
        ),
        (
            "E:\n  Type: Api\n  Properties: {Method: get}\n",
            r"template\.yaml:12: Fn\.Events\.E: an Api event needs both Path and Method;",
        ),
        (
            "E:\n  Type: HttpApi\n  Properties: {Path: items, Method: GET}\n",
            r"template\.yaml:12: Fn\.Events\.E: Path 'items' must start with '/'",
        ),
        (
            "E:\n  Type: Api\n  Properties: {Path: '/{proxy+}/x', Method: GET}\n",
            r"template\.yaml:12: Fn\.Events\.E: .*greedy variable before its last segment",
        ),
        (
            "E:\n  Type: Api\n  Properties: {Path: /x, Method: GET, RestApiId: !Ref Nope}\n",
            r"template\.yaml:12: Fn\.Events\.E: RestApiId \{'Ref': 'Nope'\} names no "
            r"AWS::Serverless::Api",
        ),
        (
            "E:\n  Type: HttpApi\n  Properties: {Path: /x, Method: GET, ApiId: !Ref Api}\n",
            r"template\.yaml:12: Fn\.Events\.E: ApiId .* names no AWS::Serverless::HttpApi",
        ),
        (
            "E:\n  Type: Api\n  Properties: {Path: /x, Method: GET, Auth: {Authorizer: Gone}}\n",
            r"template\.yaml:12: Fn\.Events\.E: authorizer 'Gone' is not declared",
        ),
    ],
)
def test_bad_events_are_named_with_their_line(tmp_path: Path, event: str, expected: str) -> None:
    assert re.search(expected, read_fails(tmp_path, events(event)))


def test_a_route_claimed_twice_names_both_events(tmp_path: Path) -> None:
    message = read_fails(
        tmp_path,
        events(
            """\
            First:
              Type: HttpApi
              Properties: {Path: /x, Method: get}
            Second:
              Type: HttpApi
              Properties: {Path: /x, Method: GET}
            """
        ),
    )
    assert re.search(
        r"template\.yaml:15: Fn\.Events\.Second: route 'GET /x' of ServerlessHttpApi is already "
        r"served by Fn\.Events\.First \(line 12\)",
        message,
    )


def test_an_include_that_does_not_exist(tmp_path: Path) -> None:
    template = """\
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      DefinitionBody:
        Fn::Transform:
          Name: AWS::Include
          Parameters: {Location: ./missing.yaml}
"""
    message = read_fails(tmp_path, template)
    assert re.search(
        r"template\.yaml:6: Api\.DefinitionBody \(\./missing\.yaml\): .*missing\.yaml does not "
        r"exist",
        message,
    )


def test_a_bad_path_in_an_included_document_names_that_file(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text("openapi: 3.0.1\npaths:\n  items:\n    get: {}\n")
    template = """\
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefinitionUri: api.yaml
"""
    message = read_fails(tmp_path, template)
    assert re.search(r"api\.yaml:4: Api\.DefinitionUri \(api\.yaml\) items get: Path", message)


STAGE_NAME_OF_AN_INTRINSIC = """\
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: !Sub "${AWS::Region}-stage"
"""
TIMEOUT_OF_A_PARAMETER_WITHOUT_VALUE = """\
Parameters:
  Slow: {Type: String}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: !Ref Slow
"""


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (STAGE_NAME_OF_AN_INTRINSIC, r"template\.yaml:5: Api: StageName"),
        (
            TIMEOUT_OF_A_PARAMETER_WITHOUT_VALUE,
            r"template\.yaml:7: Fn: Timeout \{'Ref': 'Slow'\} is not a whole",
        ),
    ],
)
def test_a_value_that_cannot_be_resolved(tmp_path: Path, template: str, expected: str) -> None:
    assert re.search(expected, read_fails(tmp_path, template))


def test_unsupported_globals_are_sams_own_error(tmp_path: Path) -> None:
    template = "Globals:\n  Function:\n    Events: {}\nResources: {}\n"
    message = read_fails(tmp_path, template)
    assert re.search(r"template\.yaml:1: Globals: .*'Events' is not a supported property", message)


def test_an_http_lambda_authorizer_without_payload_version(tmp_path: Path) -> None:
    template = """\
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        Authorizers:
          Lambda: {FunctionArn: arn:aws:lambda:us-east-1:1:function:f}
"""
    message = read_fails(tmp_path, template)
    assert re.search(r"template\.yaml:2: Api: Auth\.Authorizers\.Lambda needs", message)
