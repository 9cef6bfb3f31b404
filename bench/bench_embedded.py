"""The embedded target: time to a ready stack, API latency, and deploy cost per function.

* ``embedded_ready_s_warm``: moto up + package (dependencies cached) + transform +
  ``create_stack`` + API listening, in a process that already deployed once (imports
  and moto's lazily built backends paid); ``embedded_ready_s_cold`` the same in a fresh
  interpreter, its start-up included.
* ``api_p50_ms`` / ``api_p99_ms``: ``GET /items/{id}`` through the local HTTP API, 1,000
  requests after warm-up; ``inprocess_p50_ms``: the same handler called in this process
  against the same moto, so the difference is the API + worker overhead.
* ``deploy_s_{1,10,50}fn``: deploying generated templates with that many functions.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

import requests

ROOT = Path(__file__).resolve().parent.parent
APP_TEMPLATE = ROOT / "app" / "template.yaml"
CACHE = ROOT / ".cache" / "harness-builds"
REQUESTS = 1_000
WARM_UP = 50
FUNCTION_COUNTS = (1, 10, 50)

COLD_SCRIPT = f"""
from pathlib import Path
from harness.targets.embedded.target import EmbeddedTarget
target = EmbeddedTarget(region="us-east-1", cache_dir=Path({str(CACHE)!r}))
target.deploy(Path({str(APP_TEMPLATE)!r}), "cold", {{"Stage": "dev"}})
target.teardown()
"""

GENERATED_HANDLER = "def handler(event, context):\n    return {'ok': True}\n"


def run() -> dict[str, float]:
    from harness.targets.embedded.target import EmbeddedTarget

    warm_up = EmbeddedTarget(region="us-east-1", cache_dir=CACHE)
    warm_up.deploy(APP_TEMPLATE, "bench-warm-up", {"Stage": "dev"})
    warm_up.teardown()

    started = time.perf_counter()
    target = EmbeddedTarget(region="us-east-1", cache_dir=CACHE)
    stack = target.deploy(APP_TEMPLATE, "bench", {"Stage": "dev"})
    figures = {"embedded_ready_s_warm": time.perf_counter() - started}
    try:
        figures |= _latencies(stack)
        figures |= _deploy_costs(target)
    finally:
        target.teardown()
    figures["embedded_ready_s_cold"] = _cold_ready_s()
    return {name: round(value, 4) for name, value in figures.items()}


def _latencies(stack: Any) -> dict[str, float]:
    with requests.Session() as http:
        created = http.post(stack.api_url + "items", json={"name": "bench", "quantity": 1})
        created.raise_for_status()
        url = stack.api_url + f"items/{created.json()['id']}"
        for _ in range(WARM_UP):
            http.get(url).raise_for_status()
        samples = []
        for _ in range(REQUESTS):
            started = time.perf_counter()
            http.get(url).raise_for_status()
            samples.append((time.perf_counter() - started) * 1000)
    quantiles = statistics.quantiles(samples, n=100)
    return {
        "api_p50_ms": statistics.median(samples),
        "api_p99_ms": quantiles[98],
        "inprocess_p50_ms": _inprocess_p50_ms(stack, created.json()["id"]),
    }


def _inprocess_p50_ms(stack: Any, item_id: str) -> float:
    """The read handler imported here, its environment pointed at the same moto."""
    deployed = stack.client("lambda").get_function_configuration(
        FunctionName=stack.outputs["ItemsReadFunctionName"]
    )
    environment = {
        **deployed["Environment"]["Variables"],
        "AWS_ENDPOINT_URL": str(stack.endpoint.url),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": stack.region,
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    # Restored afterwards: later benchmarks start subprocesses from this environment.
    with mock.patch.dict(os.environ, environment):
        sys.path.insert(0, str(APP_TEMPLATE.parent / "src"))
        from harness.events import LambdaContext, http_api_event
        from items.read import handler

        def call() -> None:
            event = http_api_event(
                "GET",
                f"/items/{item_id}",
                route_key="GET /items/{id}",
                path_parameters={"id": item_id},
            )
            assert handler(event, LambdaContext())["statusCode"] == 200

        for _ in range(WARM_UP):
            call()
        samples = []
        for _ in range(REQUESTS):
            started = time.perf_counter()
            call()
            samples.append((time.perf_counter() - started) * 1000)
        return statistics.median(samples)


def _deploy_costs(target: Any) -> dict[str, float]:
    figures = {}
    with tempfile.TemporaryDirectory(prefix="bench-deploy-") as workdir:
        code = Path(workdir) / "src"
        code.mkdir()
        (code / "fn.py").write_text(GENERATED_HANDLER)
        for count in FUNCTION_COUNTS:
            template = Path(workdir) / f"template-{count}.json"
            template.write_text(json.dumps(_generated_template(count)))
            started = time.perf_counter()
            target.deploy(template, f"bench-{count}fn", {})
            figures[f"deploy_s_{count}fn"] = time.perf_counter() - started
    return figures


def _generated_template(function_count: int) -> dict[str, Any]:
    functions = {
        f"Function{index}": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "CodeUri": "src/",
                "Handler": "fn.handler",
                "Runtime": "python3.12",
                "Events": {
                    "Get": {
                        "Type": "HttpApi",
                        "Properties": {"Path": f"/f{index}", "Method": "GET"},
                    }
                },
            },
        }
        for index in range(function_count)
    }
    return {"Transform": "AWS::Serverless-2016-10-31", "Resources": functions}


def _cold_ready_s() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", COLD_SCRIPT], cwd=ROOT, check=True)
    return time.perf_counter() - started


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
