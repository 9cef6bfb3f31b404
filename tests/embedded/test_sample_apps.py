"""SAM apps in the shapes public samples have, deployed as written, called through their outputs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from harness.targets.embedded.target import EmbeddedTarget

APPS = Path(__file__).resolve().parents[2] / "fixtures" / "apps"
CACHE = Path(__file__).resolve().parents[2] / ".cache" / "harness-builds"


@pytest.fixture(scope="module")
def target() -> Iterator[EmbeddedTarget]:
    started = EmbeddedTarget(region="eu-west-1", cache_dir=CACHE)
    yield started
    started.teardown()


def test_the_sam_init_hello_world_answers_at_its_own_output(target):
    stack = target.deploy(APPS / "rest_hello" / "template.yaml", "hello", {})
    url = stack.outputs["HelloWorldApi"]
    assert url == f"{stack.api_url}hello/"
    assert stack.api_url.endswith("/Prod/")
    response = requests.get(url, timeout=30)
    assert (response.status_code, response.json()) == (200, {"message": "hello world"})
    assert response.headers["x-amzn-RequestId"]
    assert stack.outputs["HelloWorldFunction"].startswith("arn:aws:lambda:eu-west-1:")
    assert stack.outputs["HelloWorldFunctionIamRole"].startswith("arn:aws:iam::")
    assert stack.emulation_gaps == []


def test_an_openapi_document_from_a_local_file_is_served(target):
    stack = target.deploy(APPS / "openapi_file" / "template.yaml", "library", {})
    base = stack.outputs["LibraryUrl"]
    assert requests.get(f"{base}/books/42", timeout=30).json() == {
        "resource": "/books/{id}",
        "id": "42",
    }
    # the event's route is the document's only: SAM adds no route to a document it is given
    assert requests.get(f"{base}/books", timeout=30).json()["resource"] == "/books"
    mock = requests.get(f"{base}/status", timeout=30)
    assert mock.status_code == 502
    assert ("LibraryApi GET /status", "AWS::Serverless::Api") in {
        (gap.logical_id, gap.type) for gap in stack.emulation_gaps
    }
