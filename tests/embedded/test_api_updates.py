"""A stack update that changes an API: served changed on its port, or reported as a gap.

The dev loop (``harness up --watch``) mostly adds and changes routes; CloudFormation
changes the API while it updates the stack, so the next request sees the new routes.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from harness.targets.embedded.target import EmbeddedTarget

APPS = Path(__file__).resolve().parents[2] / "fixtures" / "apps"
CACHE = Path(__file__).resolve().parents[2] / ".cache" / "harness-builds"
HELLO_ROUTE = """        Hello:
          Type: HttpApi
          Properties:
            Path: /hello
            Method: get
"""
ADDED_ROUTE = """        Welcome:
          Type: HttpApi
          Properties:
            Path: /welcome
            Method: get
"""


@pytest.fixture
def target() -> Iterator[EmbeddedTarget]:
    started = EmbeddedTarget(region="eu-west-1", cache_dir=CACHE)
    yield started
    started.teardown()


def _copy(app: str, tmp_path: Path) -> Path:
    shutil.copytree(APPS / app, tmp_path / app)
    return tmp_path / app / "template.yaml"


def test_an_update_adding_and_removing_http_api_routes_is_served_on_the_same_port(
    target: EmbeddedTarget, tmp_path: Path
) -> None:
    template = _copy("http_hello", tmp_path)
    stack = target.deploy(template, "routes", {})
    url = stack.outputs["ApiUrl"]
    assert url == stack.api_url
    assert requests.get(f"{url}hello", timeout=30).status_code == 200
    assert requests.get(f"{url}welcome", timeout=30).status_code == 404

    source = template.read_text()
    assert HELLO_ROUTE in source
    template.write_text(source.replace(HELLO_ROUTE, ADDED_ROUTE))
    result = target.update("routes", template, {})

    assert result.status == "UPDATE_COMPLETE"
    assert target.stack("routes").api_url == url
    welcome = requests.get(f"{url}welcome", timeout=30)
    assert welcome.status_code == 200
    assert welcome.json() == {"message": "hello world"}
    assert requests.get(f"{url}hello", timeout=30).status_code == 404
    assert not [gap for gap in target.stack("routes").emulation_gaps if "update" in gap.reason]


def test_a_changed_rest_api_is_reported_as_served_as_first_deployed(
    target: EmbeddedTarget, tmp_path: Path
) -> None:
    template = _copy("rest_hello", tmp_path)
    stack = target.deploy(template, "rest", {})
    url = stack.api_url
    assert url.startswith("http://127.0.0.1:")
    source = template.read_text()
    assert "Path: /hello" in source
    template.write_text(source.replace("Path: /hello", "Path: /welcome"))
    assert target.update("rest", template, {}).status == "UPDATE_COMPLETE"

    gaps = {(gap.logical_id, gap.type): gap.reason for gap in target.stack("rest").emulation_gaps}
    reason = gaps[("ServerlessRestApi", "AWS::Serverless::Api")]
    assert "serves it as first deployed (deploy the stack again)" in reason
    assert target.stack("rest").api_url == url
    assert requests.get(f"{url}hello", timeout=30).status_code == 200
