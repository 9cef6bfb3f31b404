"""The unit layer's in-process API answers what API Gateway answers where no route matches."""

from __future__ import annotations

from pathlib import Path

from harness import InProcessApi
from harness.sam import read_sam_model

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: app.handler
      CodeUri: src/
      Events:
        Get:
          Type: HttpApi
          Properties: {Path: /hello, Method: get}
"""


def test_an_unknown_route_is_the_http_apis_404_and_reaches_no_handler(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "src").mkdir()

    def never(function_id: str):
        raise AssertionError(f"{function_id} loaded for a route nobody declared")

    api = InProcessApi(read_sam_model(tmp_path / "template.yaml"), never)
    response = api.get("/nowhere")
    assert (response.status, response.json()) == (404, {"message": "Not Found"})
