"""The ``embedded`` target: the SAM app deployed on moto, served by local Lambda workers.

Deploying follows the real path as far as it can: ``sam build`` + ``sam package`` (code
zipped to the emulated S3), the SAM transform, ``create_stack``, then outputs and
physical ids read back with ``describe_stacks`` / ``list_stack_resources``. Two things
moto cannot do are done here instead:

* it never runs Lambda code, so each function gets a long-lived worker process, started
  with the configuration *moto reports as deployed* (``get_function_configuration``), so a
  wrong environment variable in the template shows up in the integration tests;
* it has no HTTP API data plane, so :class:`LocalHttpApi` serves the template's HttpApi
  routes on a loopback port, and the ``ApiUrl`` output of the created stack is that URL;
* its Lambda ``Invoke`` cannot run our code, so :class:`LambdaInvokeApi`, a front inside
  moto's server, answers ``Invoke`` of the deployed functions from their workers: boto3,
  the AWS CLI and the functions themselves reach them through the one endpoint.

What moto's CloudFormation cannot create is removed first and reported as emulation gaps.
"""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.targets.aws import discover_stack
from harness.targets.base import Capability, Endpoint, Gap, Stack, StackNotReady, Target
from harness.targets.embedded.gaps import remove_unsupported
from harness.targets.embedded.http_api import LocalHttpApi
from harness.targets.embedded.lambda_api import DeployedFunction, LambdaInvokeApi
from harness.targets.embedded.moto_server import MotoServer
from harness.targets.embedded.packager import runtime_layer
from harness.targets.embedded.routes import routes_from_sam
from harness.targets.embedded.workers import FunctionSpec, InvokeResult, WorkerRegistry
from harness.targets.packaging import (
    PackagedFunction,
    create_bucket,
    package_functions,
    s3_uploader,
)
from harness.template.loader import load_document
from harness.template.transform import transform

# moto accepts any credentials; these make sure nothing falls back to a real profile.
DUMMY_CREDENTIALS = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
    "aws_session_token": "testing",
}
_KEPT_INVOCATIONS = 1_000


@dataclass(frozen=True)
class Invocation:
    """One function invocation through the local API, kept for failure reports."""

    function: str
    request_id: str
    error: str | None
    logs: str


class InvocationJournal:
    """A bounded, thread-safe record of invocations, so a failing test gets its logs.

    Positions only grow, so a test remembers where the journal stood when it started and
    asks for everything after that, whatever else ran on other threads.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[Invocation] = []
        self._dropped = 0
        self._failures = 0

    def recording(
        self, invoke: Callable[[str, dict[str, Any]], InvokeResult]
    ) -> Callable[[str, dict[str, Any]], InvokeResult]:
        """Wrap a registry's ``invoke`` so that every call is journaled."""

        def journaled(logical_id: str, event: dict[str, Any]) -> InvokeResult:
            result = invoke(logical_id, event)
            error = None if result.error is None else result.error.kind
            self._append(Invocation(logical_id, result.request_id, error, result.logs))
            return result

        return journaled

    def _append(self, invocation: Invocation) -> None:
        with self._lock:
            self._entries.append(invocation)
            self._failures += invocation.error is not None
            if len(self._entries) > _KEPT_INVOCATIONS:
                self._entries.pop(0)
                self._dropped += 1

    def mark(self) -> int:
        with self._lock:
            return self._dropped + len(self._entries)

    @property
    def failures(self) -> int:
        """How many invocations so far ended in a function error (dropped ones included)."""
        with self._lock:
            return self._failures

    def since(self, mark: int) -> list[Invocation]:
        with self._lock:
            return self._entries[max(0, mark - self._dropped) :]


@dataclass
class EmbeddedStack(Stack):
    """A stack on the embedded target, with the local API and workers behind it."""

    http_api: LocalHttpApi | None = field(default=None, repr=False)
    workers: WorkerRegistry | None = field(default=None, repr=False)
    journal: InvocationJournal = field(default_factory=InvocationJournal, repr=False)

    def log_mark(self) -> int:
        return self.journal.mark()

    def failure_logs(self, since: int) -> str:
        """Each invocation since ``since``: function, request id, outcome and its logs."""
        blocks = [
            f"--- {entry.function} request {entry.request_id}"
            + (f" ({entry.error})" if entry.error else "")
            + f"\n{entry.logs.rstrip()}"
            for entry in self.journal.since(since)
        ]
        return "\n".join(blocks)

    def close(self) -> None:
        """Stop serving and stop the workers; safe to call twice."""
        if self.http_api is not None:
            self.http_api.close()
        if self.workers is not None:
            self.workers.close()


class EmbeddedTarget(Target):
    """moto, local Lambda workers and a local HTTP API, all owned by one session."""

    name = "embedded"
    capabilities: frozenset[str] = frozenset({Capability.DEPLOY, Capability.HTTP_API})

    def __init__(self, region: str, cache_dir: Path) -> None:
        self.region = region
        self._cache_dir = cache_dir.resolve()
        self._stacks: dict[str, EmbeddedStack] = {}
        self._workdir = Path(tempfile.mkdtemp(prefix="harness-embedded-"))
        self._torn_down = False
        atexit.register(self.teardown)
        self.lambda_api = LambdaInvokeApi(region)
        try:
            self.moto = MotoServer(
                request_log=self._workdir / "moto-requests.log", front=self.lambda_api.front
            )
        except BaseException:
            self.teardown()
            raise
        self.endpoint = Endpoint(
            region=region, url=self.moto.endpoint_url, credentials=DUMMY_CREDENTIALS
        )
        # Unique: every target in one process shares moto's in-memory backends.
        self._artifact_bucket = f"harness-artifacts-{uuid.uuid4().hex[:12]}"
        self._artifact_bucket_ready = False

    def deploy(
        self, template_path: Path, stack_name: str, parameters: Mapping[str, str]
    ) -> EmbeddedStack:
        """Package, transform, create on moto, then start the workers and the local API.

        The API starts first (without workers yet) because its loopback URL is the value of
        the ``ApiUrl`` output, which has to be in the template given to ``create_stack``.
        """
        document = load_document(template_path)
        stack = EmbeddedStack(
            name=stack_name,
            endpoint=self.endpoint,
            outputs={},
            physical_ids={},
            workers=WorkerRegistry(log_dir=self._workdir / stack_name / "lambda-logs"),
        )
        self._stacks[stack_name] = stack
        stack.http_api = LocalHttpApi(
            routes_from_sam(document),
            stack.journal.recording(stack.workers.invoke),
            access_log=self._workdir / stack_name / "http-api-access.log",
        )
        stack.http_api.start()
        packaged = package_functions(
            document, template_path, self._uploader(stack), self._cache_dir
        )
        transformed = transform(packaged.document, parameters, self.region, source=template_path)
        template, gaps = remove_unsupported(transformed, api_url=stack.http_api.url)
        without_workers = _functions_without_workers(document, packaged.functions)
        stack.emulation_gaps = gaps + without_workers
        stack.client("cloudformation").create_stack(
            StackName=stack_name,
            TemplateBody=json.dumps(template),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
        discover_stack(stack)
        stack.workers.start(
            [self._deployed_spec(stack, function) for function in packaged.functions.values()]
        )
        self.lambda_api.register(
            _invokable_functions(stack, packaged.functions, without_workers, transformed)
        )
        return stack

    def stack(self, stack_name: str) -> EmbeddedStack:
        """A stack this target deployed in this session (moto forgets everything else)."""
        try:
            return self._stacks[stack_name]
        except KeyError:
            raise StackNotReady(
                stack_name, self.region, "was not deployed on this embedded target"
            ) from None

    @property
    def workdir(self) -> Path:
        """Where the logs live: moto's requests, each stack's API access and Lambda logs."""
        return self._workdir

    def teardown(self, *, keep_logs: bool = False) -> None:
        """Stop every API, worker and the moto server; remove the work directory.

        ``keep_logs`` leaves :attr:`workdir` in place, for whoever has to read why
        something failed (``harness up`` names it).
        """
        if self._torn_down:
            return
        self._torn_down = True
        atexit.unregister(self.teardown)
        for stack in self._stacks.values():
            stack.close()
        moto = getattr(self, "moto", None)
        if moto is not None:
            moto.stop()
        if not keep_logs:
            shutil.rmtree(self._workdir, ignore_errors=True)

    def _uploader(self, stack: Stack) -> Callable[[str, bytes], str]:
        if not self._artifact_bucket_ready:
            create_bucket(stack.client("s3"), self._artifact_bucket, self.region)
            self._artifact_bucket_ready = True
        return s3_uploader(stack.client("s3"), self._artifact_bucket)

    def _deployed_spec(self, stack: Stack, function: PackagedFunction) -> FunctionSpec:
        """The worker's spec from what moto holds for the function, not from the template."""
        physical_name = stack.physical_ids[function.logical_id]
        deployed = stack.client("lambda").get_function_configuration(FunctionName=physical_name)
        environment = dict(deployed.get("Environment", {}).get("Variables", {}))
        environment |= {
            "AWS_ENDPOINT_URL": str(self.endpoint.url),
            "AWS_ACCESS_KEY_ID": DUMMY_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": DUMMY_CREDENTIALS["aws_secret_access_key"],
            "AWS_SESSION_TOKEN": DUMMY_CREDENTIALS["aws_session_token"],
            "AWS_DEFAULT_REGION": self.region,
        }
        return FunctionSpec(
            logical_id=function.logical_id,
            handler=deployed["Handler"],
            code_paths=[function.build_dir, runtime_layer(deployed["Runtime"], self._cache_dir)],
            runtime=deployed["Runtime"],
            environment=environment,
            timeout_s=float(deployed["Timeout"]),
            memory_mb=int(deployed["MemorySize"]),
            function_name=physical_name,
            region=self.region,
        )


def _invokable_functions(
    stack: EmbeddedStack,
    packaged: Mapping[str, PackagedFunction],
    without_workers: list[Gap],
    transformed: Mapping[str, Any],
) -> list[DeployedFunction]:
    """What the Lambda Invoke API serves for a stack: each function by its physical name."""
    assert stack.workers is not None
    invoke = stack.journal.recording(stack.workers.invoke)
    aliases = declared_aliases(transformed)
    runnable = [
        DeployedFunction(
            name=stack.physical_ids[logical_id],
            region=stack.region,
            invoke=functools.partial(invoke, logical_id),
            aliases=frozenset(aliases.get(logical_id, ())),
        )
        for logical_id in packaged
    ]
    unrunnable = [
        DeployedFunction(
            name=stack.physical_ids[gap.logical_id],
            region=stack.region,
            invoke=None,
            unavailable=gap.reason,
        )
        for gap in without_workers
        if gap.logical_id in stack.physical_ids
    ]
    return runnable + unrunnable


def declared_aliases(template: Mapping[str, Any]) -> dict[str, set[str]]:
    """Alias names per function logical id, from a CloudFormation template's Lambda aliases.

    SAM's ``AutoPublishAlias`` becomes such an ``AWS::Lambda::Alias`` whose
    ``FunctionName`` is a ``Ref`` to the function; an alias given by a plain name or ARN
    names no function of the template and is left out.
    """
    aliases: dict[str, set[str]] = {}
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") != "AWS::Lambda::Alias":
            continue
        properties = resource.get("Properties", {})
        function, name = properties.get("FunctionName"), properties.get("Name")
        if isinstance(function, dict) and "Ref" in function and isinstance(name, str):
            aliases.setdefault(function["Ref"], set()).add(name)
    return aliases


def _functions_without_workers(
    document: Mapping[str, Any], packaged: Mapping[str, PackagedFunction]
) -> list[Gap]:
    """Functions whose code was not local (already on S3, inline): nothing can run them."""
    return [
        Gap(logical_id, resource["Type"], "code is not a local directory; no worker runs it")
        for logical_id, resource in document.get("Resources", {}).items()
        if resource.get("Type") == "AWS::Serverless::Function" and logical_id not in packaged
    ]
