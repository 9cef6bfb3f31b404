"""The embedded target: time to a ready stack, API latency, and deploy cost per function.

* ``embedded_ready_s_warm``: moto up + package (dependencies cached) + transform +
  ``create_stack`` + API listening, in a process that already deployed once (imports
  and moto's lazily built backends paid); ``embedded_ready_s_cold`` the same in a fresh
  interpreter, its start-up included.
* ``adopt_ready_s``: the same for ``fixtures/apps/rest_hello``, the REST hello world
  ``sam init`` makes (the README's adoption example): a new target, its deploy, its API up.
* ``api_p50_ms`` / ``api_p99_ms``: ``GET /items/{id}`` through the local HTTP API, 1,000
  requests after warm-up over one keep-alive ``http.client`` connection (the leanest client,
  so the figure is the front's and the worker's, not a client library's);
  ``inprocess_p50_ms``: the same handler called in this process against the same moto, so
  the difference is the API + worker overhead (goal: ``api_p50_ms`` at most 1.2 times it).
  ``runtime_p50_ms``: the same handler call timed inside a process of the function's own
  runtime, on its worker's ``sys.path`` and environment (:mod:`bench.runtime_handler`):
  this process runs Python 3.11 and the worker the function's python3.X, so
  ``api_p50_ms / runtime_p50_ms`` is the front's and the worker's cost alone. The three
  are sampled in turns, a request then each call, so a slow spell of the machine (this
  VM's CPU steal comes and goes) weighs on all alike. ``api_p50_ms_requests``: the
  same requests through ``requests`` (what the figures of 2026-12-03 and before used), its
  own cost included.
* ``deploy_s_{1,10,50}fn``: deploying generated templates with that many functions (each
  waits for its functions' INIT, as Lambda's first request would).
* ``api_rps_1_client`` / ``api_rps_16_clients`` / ``api_p99_ms_16_clients``: ``GET
  /items/{id}`` (a handler that waits on DynamoDB) for a few seconds from 1 and 16 keep-alive
  clients, driven from another process (:mod:`bench.load`) so the load generator never
  competes for this process's GIL; goals: 16 clients at least 3 times one client's
  throughput, p99 at most 50 ms. ``api_cpu_ms_per_request_16_clients``: the CPU those 16
  clients' requests cost, every process counted (this one, the workers, the load
  generator: :mod:`bench.cpu`); ``api_rps_cpu_bound`` = cores / that, the throughput the
  machine's cores allow at all, which a handler that works on the same machine's moto
  cannot exceed however many environments run.
* ``api_rps_1_client_io_wait`` / ``api_rps_16_clients_io_wait`` /
  ``api_p99_ms_16_clients_io_wait``: the same on a handler that only waits 20 ms (a slow
  downstream): what concurrency gives when the machine's CPU is not the limit.
* ``api_p99_ms_20_new_connections``: 20 clients opening a connection per request (the
  front's listen backlog shows here; it is measured, not tuned, by this benchmark). Their
  20 environments are started first: a cold start of the items function costs about 1 s
  of CPU (powertools, X-Ray SDK, pydantic, boto3's models), so 4 of them starting during
  the run, on 2 cores, put seconds into its p99 that belong to no connection.
* ``up_stop_s_inflight``: ``python -m harness up`` on a generated app, Ctrl-C while a 30-s
  request runs, until the process has exited; goal at most 2 s.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import requests

from bench.cpu import tree_cpu_seconds

ROOT = Path(__file__).resolve().parent.parent
APP_TEMPLATE = ROOT / "app" / "template.yaml"
ADOPT_TEMPLATE = ROOT / "fixtures" / "apps" / "rest_hello" / "template.yaml"
CACHE = ROOT / ".cache" / "harness-builds"
REQUESTS = 1_000
WARM_UP = 50
FUNCTION_COUNTS = (1, 10, 50)
LOAD_SECONDS = 5.0

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
    figures["adopt_ready_s"] = _adopt_ready_s()
    try:
        figures |= _latencies(stack)
        figures |= _load(stack)
        figures |= _waiting_load(target)
        figures |= _deploy_costs(target)
    finally:
        target.teardown()
    figures["embedded_ready_s_cold"] = _cold_ready_s()
    figures["up_stop_s_inflight"] = _up_stop_s_inflight()
    return {name: round(value, 4) for name, value in figures.items()}


def _adopt_ready_s() -> float:
    from harness.targets.embedded.target import EmbeddedTarget

    started = time.perf_counter()
    target = EmbeddedTarget(region="us-east-1", cache_dir=CACHE)
    try:
        stack = target.deploy(ADOPT_TEMPLATE, "bench-adopt", {})
        ready = time.perf_counter() - started
        requests.get(stack.outputs["HelloWorldApi"], timeout=30).raise_for_status()
    finally:
        target.teardown()
    return ready


def _create_item(stack: Any, name: str) -> str:
    """POST an item as the suites do, with the stage's token from its secret; its id."""
    secret = stack.client("secretsmanager").get_secret_value(
        SecretId=stack.outputs["ApiTokenSecretArn"]
    )
    token = json.loads(secret["SecretString"])["token"]
    created = requests.post(
        stack.api_url + "items",
        json={"name": name, "quantity": 1},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    created.raise_for_status()
    return str(created.json()["id"])


def _latencies(stack: Any) -> dict[str, float]:
    """API, in-process and own-runtime latency, sampled in turns (see the module doc)."""
    item_id = _create_item(stack, "bench")
    url = urlsplit(stack.api_url + f"items/{item_id}")
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)

    def through_api() -> None:
        connection.request("GET", url.path)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {url.path}: {response.status}")

    try:
        with (
            _inprocess_handler(stack, item_id) as in_process,
            _runtime_handler(stack, item_id) as on_runtime,
        ):
            api, direct, _ = _in_turns(through_api, in_process, on_runtime)
    finally:
        connection.close()
    with requests.Session() as session:
        client = _samples(lambda: session.get(url.geturl()).raise_for_status())
    return {
        "api_p50_ms": statistics.median(api),
        "api_p99_ms": statistics.quantiles(api, n=100)[98],
        "inprocess_p50_ms": statistics.median(direct),
        "runtime_p50_ms": statistics.median(on_runtime.durations_ms[WARM_UP:]),
        "api_p50_ms_requests": statistics.median(client),
    }


def _in_turns(*calls: Callable[[], None]) -> list[list[float]]:
    """Milliseconds of each call of each of ``calls``, taken in turns."""
    for _ in range(WARM_UP):
        for call in calls:
            call()
    samples: list[list[float]] = [[] for _ in calls]
    for _ in range(REQUESTS):
        for call, taken in zip(calls, samples, strict=True):
            taken.extend(_samples(call, 1, warm_up=0))
    return samples


def _samples(
    call: Callable[[], None], count: int = REQUESTS, warm_up: int = WARM_UP
) -> list[float]:
    for _ in range(warm_up):
        call()
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _load(stack: Any) -> dict[str, float]:
    """Throughput and tail latency under concurrent clients (see the module doc)."""
    url = stack.api_url + f"items/{_create_item(stack, 'load')}"
    figures = _load_figures(url, "")
    _run_load(url, clients=20, seconds=1.0)  # the 4 environments 16 clients did not start
    fresh = _run_load(url, clients=20, seconds=LOAD_SECONDS, new_connections=True)
    return figures | {"api_p99_ms_20_new_connections": fresh["p99_ms"]}


def _waiting_load(target: Any) -> dict[str, float]:
    """The same load on a handler that only waits 20 ms, as on a slow downstream call."""
    with tempfile.TemporaryDirectory(prefix="bench-wait-") as workdir:
        template = _generated_app(Path(workdir), WAITING_HANDLER, 1)
        stack = target.deploy(template, "bench-io-wait", {})
        return _load_figures(stack.api_url + "f0", "_io_wait")


def _load_figures(url: str, suffix: str) -> dict[str, float]:
    _run_load(url, clients=16, seconds=1.0)  # starts the environments 16 clients need
    one = _run_load(url, clients=1, seconds=LOAD_SECONDS)
    cpu_before = tree_cpu_seconds()
    sixteen = _run_load(url, clients=16, seconds=LOAD_SECONDS)
    cpu_ms = (tree_cpu_seconds() - cpu_before) * 1000 / sixteen["requests"]
    return {
        f"api_rps_1_client{suffix}": one["rps"],
        f"api_rps_16_clients{suffix}": sixteen["rps"],
        f"api_p99_ms_16_clients{suffix}": sixteen["p99_ms"],
        f"api_cpu_ms_per_request_16_clients{suffix}": cpu_ms,
        f"api_rps_cpu_bound{suffix}": (os.cpu_count() or 1) * 1000 / cpu_ms,
    }


def _run_load(
    url: str, *, clients: int, seconds: float, new_connections: bool = False
) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.load", url, "--clients", str(clients)]
    command += ["--seconds", str(seconds)] + (["--new-connections"] if new_connections else [])
    result = json.loads(subprocess.check_output(command, cwd=ROOT, text=True))
    if result["errors"]:
        raise RuntimeError(f"{clients} clients on {url}: {result['errors']} failed requests")
    return result


LONG_HANDLER = "import time\n\ndef handler(event, context):\n    time.sleep(30)\n"
WAITING_HANDLER = (
    "import time\n\ndef handler(event, context):\n    time.sleep(0.02)\n"
    "    return {'statusCode': 200, 'body': 'waited'}\n"
)
SIGINT_DEFAULT = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv = ['harness', *sys.argv[1:]]; runpy.run_module('harness', run_name='__main__')"
)


def _up_stop_s_inflight() -> float:
    """Seconds from Ctrl-C to exit of ``harness up`` while a 30-s request runs."""
    with tempfile.TemporaryDirectory(prefix="bench-stop-") as workdir:
        template = _generated_app(Path(workdir), LONG_HANDLER, 1, timeout_s=60)
        server = subprocess.Popen(
            [sys.executable, "-c", SIGINT_DEFAULT, "up", "--template", str(template)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            url = next(line for line in server.stdout if line.startswith("ApiUrl: "))
            url = url.removeprefix("ApiUrl: ").strip()
            threading.Thread(target=_ignore_errors, args=(url + "f0",), daemon=True).start()
            time.sleep(1.0)  # the request is in the handler's sleep by now
            started = time.perf_counter()
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)
            return time.perf_counter() - started
        finally:
            server.kill()
            server.wait()


def _ignore_errors(url: str) -> None:
    with contextlib.suppress(requests.RequestException):
        requests.get(url, timeout=60)


@contextlib.contextmanager
def _inprocess_handler(stack: Any, item_id: str) -> Iterator[Callable[[], None]]:
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
        from harness.apigateway import LambdaContext
        from harness.apigateway.events import http_api_event
        from items.read import handler

        def call() -> None:
            event = http_api_event(
                "GET",
                f"/items/{item_id}",
                route_key="GET /items/{id}",
                path_parameters={"id": item_id},
            )
            assert (
                handler(event, LambdaContext.for_function("ItemsReadFunction"))["statusCode"] == 200
            )

        yield call


class _RuntimeHandler:
    """Sends an event per call to :mod:`bench.runtime_handler` and keeps the times it reads."""

    def __init__(self, process: subprocess.Popen[str], event: dict[str, Any]) -> None:
        self._process = process
        self._line = json.dumps(event) + "\n"
        self.durations_ms: list[float] = []

    def __call__(self) -> None:
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._process.stdin.write(self._line)
        self._process.stdin.flush()
        reply = self._process.stdout.readline()
        if not reply:
            raise RuntimeError(f"bench.runtime_handler exited ({self._process.wait()})")
        timed = json.loads(reply)
        if timed["statusCode"] != 200:
            raise RuntimeError(f"the handler on its runtime answered {timed['statusCode']}")
        self.durations_ms.append(timed["ms"])


@contextlib.contextmanager
def _runtime_handler(stack: Any, item_id: str) -> Iterator[_RuntimeHandler]:
    """The read handler in a process of its runtime, on its worker's paths and environment."""
    from harness.apigateway.events import http_api_event
    from harness.targets.embedded.worker_process import environment, interpreter_for

    assert stack.versions is not None
    spec = stack.versions.spec("ItemsReadFunction")
    command = [str(interpreter_for(spec.runtime).path), "-I", "-S"]
    command += [str(ROOT / "bench" / "runtime_handler.py"), spec.handler]
    command += [str(path) for path in spec.code_paths]
    process = subprocess.Popen(
        command,
        cwd=spec.code_paths[0],
        env=environment(spec),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    event = http_api_event(
        "GET", f"/items/{item_id}", route_key="GET /items/{id}", path_parameters={"id": item_id}
    )
    try:
        yield _RuntimeHandler(process, event)
    finally:
        process.kill()
        process.wait()


def _deploy_costs(target: Any) -> dict[str, float]:
    figures = {}
    for count in FUNCTION_COUNTS:
        with tempfile.TemporaryDirectory(prefix="bench-deploy-") as workdir:
            template = _generated_app(Path(workdir), GENERATED_HANDLER, count)
            started = time.perf_counter()
            target.deploy(template, f"bench-{count}fn", {})
            figures[f"deploy_s_{count}fn"] = time.perf_counter() - started
    return figures


def _generated_app(
    directory: Path, handler_source: str, function_count: int, timeout_s: int = 3
) -> Path:
    """An app of ``function_count`` functions running ``handler_source``, at ``/f<index>``."""
    (directory / "src").mkdir()
    (directory / "src" / "fn.py").write_text(handler_source)
    functions = {
        f"Function{index}": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "CodeUri": "src/",
                "Handler": "fn.handler",
                "Runtime": "python3.12",
                "Timeout": timeout_s,
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
    api_url = "https://${ServerlessHttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/"
    template = directory / "template.json"
    template.write_text(
        json.dumps(
            {
                "Transform": "AWS::Serverless-2016-10-31",
                "Resources": functions,
                "Outputs": {"ApiUrl": {"Value": {"Fn::Sub": api_url}}},
            }
        )
    )
    return template


def _cold_ready_s() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", COLD_SCRIPT], cwd=ROOT, check=True)
    return time.perf_counter() - started


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
