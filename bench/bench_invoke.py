"""The Lambda Invoke front of the embedded endpoint: what it costs the calls it passes on.

* ``getitem_p50_ms_front`` / ``getitem_p50_ms_moto``: boto3 DynamoDB ``GetItem`` through
  the embedded endpoint (moto behind the Invoke front) and through a plain moto server in
  the same process (same backends, same item); ``front_overhead_ratio`` is their quotient,
  the front's whole cost on a call that is not an Invoke (goal: at most 1.05).
* ``invoke_p50_ms``: boto3 ``lambda.invoke`` of the app's read function with a
  ``GET /health`` event, through the front to a warm worker, for comparison with the
  local HTTP API's ``api_p50_ms``.

Samples alternate between the two servers in blocks, so that drift of a shared, noisy
machine falls on both alike.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

ROOT = Path(__file__).resolve().parent.parent
APP_TEMPLATE = ROOT / "app" / "template.yaml"
CACHE = ROOT / ".cache" / "harness-builds"
BLOCKS = 10
PER_BLOCK = 100
WARM_UP = 50
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def run() -> dict[str, float]:
    from harness.targets.embedded.lambda_api import LambdaInvokeApi
    from harness.targets.embedded.moto_server import MotoServer
    from harness.targets.embedded.target import EmbeddedTarget

    with tempfile.TemporaryDirectory(prefix="bench-invoke-") as workdir:
        front = MotoServer(Path(workdir, "front.log"), front=LambdaInvokeApi("us-east-1").front)
        plain = MotoServer(Path(workdir, "plain.log"))
        try:
            figures = _getitem_p50s(front.endpoint_url, plain.endpoint_url)
        finally:
            front.stop()
            plain.stop()
    target = EmbeddedTarget(region="us-east-1", cache_dir=CACHE)
    try:
        stack = target.deploy(APP_TEMPLATE, "bench-invoke", {"Stage": "dev"})
        figures["invoke_p50_ms"] = _invoke_p50_ms(stack)
    finally:
        target.teardown()
    figures["front_overhead_ratio"] = (
        figures["getitem_p50_ms_front"] / figures["getitem_p50_ms_moto"]
    )
    return {name: round(value, 4) for name, value in figures.items()}


def _getitem_p50s(front_url: str, plain_url: str) -> dict[str, float]:
    clients = {
        name: boto3.client("dynamodb", region_name="us-east-1", endpoint_url=url, **CREDENTIALS)
        for name, url in (("front", front_url), ("moto", plain_url))
    }
    clients["front"].create_table(
        TableName="bench-invoke",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    clients["front"].put_item(TableName="bench-invoke", Item={"id": {"S": "one"}})
    calls = {
        name: _timed(
            lambda client=client: client.get_item(
                TableName="bench-invoke", Key={"id": {"S": "one"}}
            )
        )
        for name, client in clients.items()
    }
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for call in calls.values():
        for _ in range(WARM_UP):
            call()
    for _ in range(BLOCKS):
        for name, call in calls.items():
            samples[name] += [call() for _ in range(PER_BLOCK)]
    return {f"getitem_p50_ms_{name}": statistics.median(times) for name, times in samples.items()}


def _invoke_p50_ms(stack: Any) -> float:
    from harness.apigateway.events import http_api_event

    client = stack.client("lambda")
    payload = json.dumps(http_api_event("GET", "/health")).encode()
    name = stack.outputs["ItemsReadFunctionName"]
    answer = json.loads(client.invoke(FunctionName=name, Payload=payload)["Payload"].read())
    assert answer.get("statusCode") == 200, f"GET /health through Invoke answered {answer}"

    def invoke() -> bytes:
        return client.invoke(FunctionName=name, Payload=payload)["Payload"].read()

    call = _timed(invoke)
    for _ in range(WARM_UP):
        call()
    return statistics.median(call() for _ in range(BLOCKS * PER_BLOCK))


def _timed(call: Callable[[], object]) -> Callable[[], float]:
    """``call`` made to return how many milliseconds it took."""

    def timed() -> float:
        started = time.perf_counter()
        call()
        return (time.perf_counter() - started) * 1000

    return timed


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
