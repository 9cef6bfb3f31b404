"""The ``embedded`` target: the SAM app deployed on moto, served by local Lambda workers.

Deploying follows the real path as far as it can: ``sam build`` + ``sam package`` (code
zipped to the emulated S3), the SAM transform, ``create_stack``, then outputs and
physical ids read back with ``describe_stacks`` / ``list_stack_resources``. Two things
moto cannot do are done here instead:

* it never runs Lambda code, so each function gets a long-lived worker process, started
  with the configuration *moto reports as deployed* (``get_function_configuration``), so a
  wrong environment variable in the template shows up in the integration tests;
* it has no API Gateway data plane, so the front (:mod:`front`, :mod:`harness.apigateway`)
  serves each API of the template, REST and HTTP, on its own loopback port; outputs that
  name an API's URL point there (:mod:`api_outputs`), and REST APIs get what moto's
  CloudFormation needs and skips (:mod:`rest_apis`);
* its Lambda ``Invoke`` cannot run our code, so :class:`LambdaInvokeApi`, a front inside
  moto's server, answers ``Invoke`` of the deployed functions from their workers: boto3,
  the AWS CLI and the functions themselves reach them through the one endpoint.

What moto's CloudFormation cannot create is removed first and reported as emulation gaps,
except what moto's service APIs can create (Cognito user pools, Secrets Manager secrets):
those are created through them (:mod:`provisioners`), so their ``Ref``, ``GetAtt`` and
exports carry real values and a stack importing them deploys. A stack's JWT and Cognito
authorizers are resolved once it exists (:mod:`jwt_authorizers`).

When moto's CloudFormation fails, the error names the stack, the resource and moto's own
exception (:mod:`deploy_errors`), and the stack is removed again. Teardown deletes every
stack the target deployed, newest first (an importing stack before its exporter), so a
later target in the same process finds moto's shared backends clean.

Lambda aliases, CloudWatch alarms and CodeDeploy are created by the release emulation's own
models (:mod:`release`), which also shifts traffic, records metrics, evaluates alarms and
rolls back. Each published version runs on workers of its own (:mod:`versions`), and the
API and the Invoke API call through the alias an API integration or a qualifier names.
:meth:`EmbeddedTarget.update` updates a running stack with a changed template or code,
the way CloudFormation and CodeDeploy release it (:mod:`releases`).

Deploying waits for every function's INIT (its handler imported): a handler that cannot
load fails the deploy, naming function, handler and error, and whatever the deploy had
started (API, workers, the stack on moto) is torn down again, so nothing is left
half-deployed. With ``init_failures="report"`` the stack deploys and each such function is
listed among the gaps instead, answering every invocation with its init error.

At start, the leftovers of harness processes that died without cleaning up (their work
dirs, half-built cache entries) are swept, judged by their owner's PID (:mod:`ownership`).
"""

from __future__ import annotations

import atexit
import contextlib
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

from botocore.exceptions import ClientError

from harness.apigateway import ApiGateway, AuthorizerRegistry, Invoke, LambdaAuthorizers
from harness.apigateway.gateway import Exchange
from harness.build.builder import mount_layers, runtime_layer, sweep_staging
from harness.build.ownership import owned_tempdir, sweep_dead_owners
from harness.build.package import (
    PackagedFunction,
    PackagedTemplate,
    create_bucket,
    package_template,
    s3_downloader,
    s3_uploader,
)
from harness.sam import SamModel, read_sam_model
from harness.settings import DEFAULT_MAX_CONCURRENCY
from harness.targets.base import Endpoint, Gap, Stack, StackNotReady, Target
from harness.targets.discovery import discover_stack
from harness.targets.embedded import deploy_errors
from harness.targets.embedded.api_keys import MotoApiKeys
from harness.targets.embedded.deploy_errors import FAILURE_CODE, CloudFormationFailures
from harness.targets.embedded.front import LocalApi, LocalApis, RequestHook
from harness.targets.embedded.front_gaps import front_gaps, local_api_id
from harness.targets.embedded.gaps import remove_unsupported
from harness.targets.embedded.jwt_authorizers import (
    JwtAuthorizer,
    JwtAuthorizers,
    JwtVerifier,
    read_jwt_authorizers,
)
from harness.targets.embedded.lambda_api import LambdaInvokeApi
from harness.targets.embedded.log_files import access_log_path, function_log_dir
from harness.targets.embedded.moto_models import install_models
from harness.targets.embedded.moto_server import MotoServer
from harness.targets.embedded.release.clock import DEFAULT_TIME_SCALE, ReleaseClock
from harness.targets.embedded.release.engine import ReleaseEngine
from harness.targets.embedded.releases import StackRelease, UpdateResult
from harness.targets.embedded.rest_apis import prepare_rest_apis, provision_rest_resources
from harness.targets.embedded.stack_lambda import (
    api_qualifiers,
    function_timeouts,
    invokable_functions,
    moto_stack_id,
    publish_versions,
    serving_version,
)
from harness.targets.embedded.stack_values import stack_resolver
from harness.targets.embedded.versions import FunctionVersions, through
from harness.targets.embedded.workers import (
    FunctionInitError,
    FunctionSpec,
    InitFailure,
    InitFailureMode,
    InvokeResult,
    WorkerRegistry,
)
from harness.targets.registry import CAPABILITIES
from harness.template.references import check_output_references
from harness.template.transform import transform

# moto accepts any credentials; these make sure nothing falls back to a real profile.
DUMMY_CREDENTIALS = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
    "aws_session_token": "testing",
}
_KEPT_INVOCATIONS = 1_000
_WORKDIR_PREFIX = "harness-embedded-"
MOTO_TRACEBACKS = "moto-errors.log"


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
            return self.record(logical_id, invoke(logical_id, event))

        return journaled

    def record(self, logical_id: str, result: InvokeResult) -> InvokeResult:
        """Journal one invocation's outcome and logs; returns ``result``."""
        error = None if result.error is None else result.error.kind
        self._append(Invocation(logical_id, result.request_id, error, result.logs))
        return result

    def _append(self, invocation: Invocation) -> None:
        with self._lock:
            self._entries.append(invocation)
            self._failures += invocation.error is not None
            if len(self._entries) > _KEPT_INVOCATIONS:
                self._entries.pop(0)
                self._dropped += 1

    def annotate(self, request_id: str, note: str) -> None:
        """Add what API Gateway made of an invocation (a malformed response) to its entry."""
        with self._lock:
            for index in range(len(self._entries) - 1, -1, -1):
                entry = self._entries[index]
                if entry.request_id == request_id:
                    logs = f"{entry.logs.rstrip()}\n{note}"
                    self._entries[index] = Invocation(entry.function, request_id, entry.error, logs)
                    return

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
    """A stack on the embedded target, with the local API and workers behind it.

    ``jwt_authorizers`` are its verifiable JWT/Cognito authorizers by (API logical id,
    authorizer name), for the front to pass to the target's ``jwt_verifier``.
    """

    front: LocalApis | None = field(default=None, repr=False)
    jwt_authorizers: dict[tuple[str, str], JwtAuthorizer] = field(default_factory=dict)
    workers: WorkerRegistry | None = field(default=None, repr=False)
    journal: InvocationJournal = field(default_factory=InvocationJournal, repr=False)
    versions: FunctionVersions | None = field(default=None, repr=False)
    deployed: DeployedTemplate | None = field(default=None, repr=False)
    work_dir: Path | None = None
    """The target's work dir, which holds this stack's logs (:mod:`log_files`)."""

    @property
    def functions(self) -> dict[str, str]:
        """Each Lambda function's physical name, by logical id, as deployed."""
        resources = {} if self.deployed is None else self.deployed.template.get("Resources", {})
        return {
            logical_id: self.physical_ids.get(logical_id, logical_id)
            for logical_id, resource in resources.items()
            if resource.get("Type") == "AWS::Lambda::Function"
        }

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

    def logs_command(self, start: float, stop: float) -> str | None:
        from harness.cli.logs import command_line

        return (
            None if self.work_dir is None else command_line(self.name, self.work_dir, start, stop)
        )

    def close(self) -> None:
        """Stop the workers, then serving; safe to call twice.

        Workers first: a request still running gets its answer (500) instead of a
        dropped connection, and nothing waits for it to finish.
        """
        if self.workers is not None:
            self.workers.close()
        if self.front is not None:
            self.front.close()


@dataclass(frozen=True)
class DeployedTemplate:
    """What a stack was last deployed from: the update after it starts from here."""

    template_path: Path
    parameters: Mapping[str, str]
    template: Mapping[str, Any]
    """The transformed template given to moto (gaps removed)."""
    packaged: Mapping[str, PackagedFunction]
    qualifiers: Mapping[str, str]
    """Per function logical id: the alias its API integrations call (SAM's AutoPublishAlias)."""


@dataclass(frozen=True)
class MotoTemplate:
    """A template as the embedded target gives it to moto, and what that left out."""

    packaged: PackagedTemplate
    transformed: dict[str, Any]
    """After the SAM transform, before what moto cannot create was removed."""
    template: dict[str, Any]
    gaps: list[Gap]


class EmbeddedTarget(Target):
    """moto, local Lambda workers and a local HTTP API, all owned by one session."""

    name = "embedded"
    capabilities: frozenset[str] = CAPABILITIES["embedded"]

    def __init__(
        self,
        region: str,
        cache_dir: Path,
        *,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        init_failures: InitFailureMode = "fail",
        release_time_scale: float = DEFAULT_TIME_SCALE,
    ) -> None:
        self.region = region
        self.max_concurrency = max_concurrency
        self.init_failures = init_failures
        self._cache_dir = cache_dir.resolve()
        self._stacks: dict[str, EmbeddedStack] = {}
        sweep_dead_owners(Path(tempfile.gettempdir()), _WORKDIR_PREFIX)
        sweep_staging(self._cache_dir)
        self._workdir = owned_tempdir(_WORKDIR_PREFIX)
        self._torn_down = False
        atexit.register(self.teardown)
        install_models()
        deploy_errors.install()
        self.lambda_api = LambdaInvokeApi(region)
        self.release = ReleaseEngine(region, ReleaseClock(release_time_scale), self._hook)
        failures = CloudFormationFailures(self._workdir / MOTO_TRACEBACKS)
        try:
            self.moto = MotoServer(
                request_log=self._workdir / "moto-requests.log",
                front=lambda app: self.lambda_api.front(self.release.front(failures.front(app))),
            )
        except BaseException:
            self.teardown()
            raise
        self.release.start()
        self.endpoint = Endpoint(
            region=region, url=self.moto.endpoint_url, credentials=DUMMY_CREDENTIALS
        )
        self.jwt_verifier = JwtVerifier(self.moto.endpoint_url)
        # Unique: every target in one process shares moto's in-memory backends.
        self._artifact_bucket = f"harness-artifacts-{uuid.uuid4().hex[:12]}"
        self._artifact_bucket_ready = False

    def deploy(
        self, template_path: Path, stack_name: str, parameters: Mapping[str, str]
    ) -> EmbeddedStack:
        """Package, transform, create on moto, then start the workers and the local API.

        The API starts first (without workers yet) because its loopback URL is the value of
        the ``ApiUrl`` output, which has to be in the template given to ``create_stack``.
        Any failure tears down what was started; an INIT failure becomes ``StackNotReady``.
        """
        stack = EmbeddedStack(
            name=stack_name,
            endpoint=self.endpoint,
            outputs={},
            physical_ids={},
            work_dir=self._workdir,
            workers=WorkerRegistry(
                log_dir=function_log_dir(self._workdir, stack_name),
                max_concurrency=self.max_concurrency,
                init_failures=self.init_failures,
            ),
        )
        self._stacks[stack_name] = stack
        try:
            self._deploy(stack, template_path, parameters)
        except BaseException as error:
            self._undeploy(stack)
            if isinstance(error, FunctionInitError):
                raise StackNotReady(stack_name, self.region, str(error)) from error
            raise
        return stack

    def _deploy(
        self, stack: EmbeddedStack, template_path: Path, parameters: Mapping[str, str]
    ) -> None:
        assert stack.workers is not None
        model = read_sam_model(template_path, parameters)
        stack.versions = FunctionVersions(stack.workers, self.region, self.release.metrics)
        first_qualifiers = api_qualifiers(model)
        invoke = stack.journal.recording(
            through(
                stack.versions,
                lambda: first_qualifiers if stack.deployed is None else stack.deployed.qualifiers,
            )
        )
        authorizers = AuthorizerRegistry({"lambda": LambdaAuthorizers(invoke)})
        stack.front = self._front(stack, model, invoke, authorizers).start()
        prepared = self.moto_template(stack, model, template_path, parameters)
        packaged, transformed, template = prepared.packaged, prepared.transformed, prepared.template
        without_workers = _functions_without_local_code(model, packaged)
        self._create_stack(stack, template, parameters)
        self.release.add_stack(moto_stack_id(stack.name, self.region))
        discover_stack(stack)
        removed = {
            k: v for k, v in transformed["Resources"].items() if k not in template["Resources"]
        }
        provisioned, rest_gaps = provision_rest_resources(
            removed,
            stack.physical_ids,
            model.parameter_values,
            lambda: stack.client("apigateway"),
            stack_name=stack.name,
        )
        stack.physical_ids |= provisioned
        for logical_id, api in stack.front.apis.items():
            if api.gateway.kind == "REST" and stack.physical_ids.get(logical_id):
                api.gateway.api_id = stack.physical_ids[logical_id]
                api.gateway.api_name = stack.client("apigateway").get_rest_api(
                    restApiId=api.gateway.api_id
                )["name"]
        stack.api_urls = stack.front.urls
        stack.jwt_authorizers, unverifiable = read_jwt_authorizers(
            model,
            stack_resolver(stack.name, self.region),
            self.region,
            functools.partial(_pool_exists, stack),
        )
        jwt = JwtAuthorizers(self.jwt_verifier, stack.jwt_authorizers, unverifiable)
        authorizers.register("jwt", jwt)
        authorizers.register("cognito", jwt)
        stack.emulation_gaps = [
            *(gap for gap in prepared.gaps if gap.logical_id not in provisioned),
            *rest_gaps,
            *front_gaps(model, authorizers),
            *self.packaging_gaps(model, packaged),
        ]
        stack.deployed = DeployedTemplate(
            template_path, dict(parameters), template, packaged.functions, api_qualifiers(model)
        )
        for function in packaged.functions.values():
            stack.versions.add(self.deployed_spec(stack, function))
        publish_versions(stack, template, list(template.get("Resources", {})))
        failures = stack.workers.start(
            [stack.versions.spec(lid, serving_version(stack, lid)) for lid in packaged.functions]
        )
        stack.emulation_gaps += [_init_gap(failure) for failure in failures]
        self.lambda_api.register(invokable_functions(stack, packaged.functions, without_workers))

    def update(
        self, stack_name: str, template_path: Path, parameters: Mapping[str, str]
    ) -> UpdateResult:
        """Update a deployed stack from a changed template or code, as a release on AWS does.

        Blocks until the release has ended: CloudFormation's update on moto, new versions
        published and their workers ready, each CodeDeploy deployment its alias's
        ``DeploymentPreference`` asks for, then commit, or rollback when one fails
        (:mod:`releases`). Outputs are read again. The pipeline rehearsal and
        ``harness up --watch`` call this; :meth:`begin_update` is the same, returning at
        once (for a test that sends traffic during the release).
        """
        return self.begin_update(stack_name, template_path, parameters).result()

    def begin_update(
        self, stack_name: str, template_path: Path, parameters: Mapping[str, str]
    ) -> StackRelease:
        """Start :meth:`update` in the background; ``.result()`` waits for its outcome."""
        return StackRelease(self, self.stack(stack_name), template_path, parameters).start()

    def moto_template(
        self,
        stack: EmbeddedStack,
        model: SamModel,
        template_path: Path,
        parameters: Mapping[str, str],
    ) -> MotoTemplate:
        """The app packaged, transformed and made creatable on moto, for a deploy or update.

        Outputs naming an API's URL point at the stack's front, ``Ref`` of an HTTP API is its
        local id, REST APIs get what moto's CloudFormation needs; what moto cannot create is
        removed and returned as gaps.
        """
        assert stack.front is not None
        packaged = package_template(
            model, self.uploader(stack), self.cache_dir, s3_downloader(stack.client("s3"))
        )
        transformed = transform(packaged.document, parameters, self.region, source=template_path)
        check_output_references(model.document, transformed, template_path)
        prepare_rest_apis(transformed, model)
        template, gaps = remove_unsupported(
            transformed,
            api_origins={
                logical_id: f"http://127.0.0.1:{api.port}"
                for logical_id, api in stack.front.apis.items()
            },
            stand_ins={
                logical_id: api.gateway.api_id
                for logical_id, api in stack.front.apis.items()
                if api.gateway.kind == "HTTP"
            },
            parameters=parameters,
        )
        return MotoTemplate(packaged, transformed, template, gaps)

    def packaging_gaps(self, model: SamModel, packaged: PackagedTemplate) -> list[Gap]:
        """What packaging leaves unemulated: runtimes, code not local, layers moto drops."""
        return [
            *packaged.gaps,
            *_functions_without_local_code(model, packaged),
            *_layers_missing_from_configuration(packaged),
        ]

    def _hook(self, function_name: str) -> Callable[[Any], object] | None:
        """A CodeDeploy hook: the function's unqualified invocation on this endpoint."""
        function = self.lambda_api.function(function_name)
        if function is None or function.invoke is None:
            return None
        invoke = function.invoke
        return lambda event: invoke(event, None)

    def _create_stack(
        self, stack: EmbeddedStack, template: Mapping[str, Any], parameters: Mapping[str, str]
    ) -> None:
        """``create_stack`` on moto; its refusal or failure becomes a StackNotReady naming why."""
        try:
            stack.client("cloudformation").create_stack(
                StackName=stack.name,
                TemplateBody=json.dumps(template),
                Parameters=[
                    {"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()
                ],
                Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
            )
        except ClientError as error:
            details = error.response.get("Error", {})
            problem = f"create_stack failed: {details.get('Code')}: {details.get('Message')}"
            if details.get("Code") == FAILURE_CODE:
                problem += f" (moto's traceback: {self._workdir / MOTO_TRACEBACKS})"
            raise StackNotReady(
                stack.name, self.region, problem + "; the stack was removed again"
            ) from error

    def _front(
        self,
        stack: EmbeddedStack,
        model: SamModel,
        invoke: Invoke,
        authorizers: AuthorizerRegistry,
    ) -> LocalApis:
        """Every API of the template on its own port, started before the stack exists.

        The ports must be known first: outputs that name an API's URL are rewritten to them
        before ``create_stack``. A REST API's id is moto's, set once the stack exists.
        """
        assert stack.workers is not None
        workers = stack.workers
        api_keys = MotoApiKeys(lambda: stack.client("apigateway"))
        timeouts = function_timeouts(model)

        def integration_error(function_id: str, request_id: str, message: str) -> None:
            note = f"API Gateway: {message}"
            stack.journal.annotate(request_id, note)
            workers.log_note(function_id, note)

        def metrics(gateway: ApiGateway) -> RequestHook:
            def record(exchange: Exchange, latency_ms: float) -> None:
                recorder.record_api_request(
                    gateway.api_id,
                    gateway.api.stage_name,
                    exchange.response.status,
                    latency_ms,
                    exchange.integration_latency_ms,
                    kind=gateway.kind,
                    api_name=gateway.api_name,
                )

            return record

        recorder = self.release.metrics
        gateways = {
            logical_id: ApiGateway(
                api,
                invoke,
                api_id=local_api_id(stack.name, logical_id),
                region=self.region,
                authorizers=authorizers,
                api_keys=api_keys,
                function_timeouts=timeouts,
            )
            for logical_id, api in model.apis.items()
        }

        return LocalApis(
            {
                logical_id: LocalApi(
                    gateway,
                    access_log=access_log_path(self._workdir, stack.name, logical_id),
                    access_log_format=gateway.api.access_log_format,
                    on_integration_error=integration_error,
                    on_request=metrics(gateway),
                )
                for logical_id, gateway in gateways.items()
            }
        )

    def _undeploy(self, stack: EmbeddedStack) -> None:
        """Stop what a failed deploy started and delete its stack from moto."""
        stack.close()
        del self._stacks[stack.name]
        with contextlib.suppress(Exception):
            stack.client("cloudformation").delete_stack(StackName=stack.name)

    def delete(self, stack_name: str) -> None:
        """Stop a deployed stack's workers and API and delete it from moto."""
        self._undeploy(self.stack(stack_name))

    def stack(self, stack_name: str) -> EmbeddedStack:
        """A stack this target deployed in this session (moto forgets everything else)."""
        try:
            return self._stacks[stack_name]
        except KeyError:
            raise StackNotReady(
                stack_name, self.region, "was not deployed on this embedded target"
            ) from None

    @property
    def cache_dir(self) -> Path:
        """Where dependency builds are cached between sessions."""
        return self._cache_dir

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
        release = getattr(self, "release", None)
        if release is not None:
            release.close()
        for stack in reversed(list(self._stacks.values())):
            stack.close()
            with contextlib.suppress(Exception):
                stack.client("cloudformation").delete_stack(StackName=stack.name)
        moto = getattr(self, "moto", None)
        if moto is not None:
            moto.stop()
        if not keep_logs:
            shutil.rmtree(self._workdir, ignore_errors=True)

    def uploader(self, stack: Stack) -> Callable[[str, bytes], str]:
        if not self._artifact_bucket_ready:
            create_bucket(stack.client("s3"), self._artifact_bucket, self.region)
            self._artifact_bucket_ready = True
        return s3_uploader(stack.client("s3"), self._artifact_bucket)

    def deployed_spec(self, stack: Stack, function: PackagedFunction) -> FunctionSpec:
        """A worker spec (``$LATEST``) from what moto holds for the function, not the template."""
        physical_name = stack.physical_ids[function.logical_id]
        lambda_client = stack.client("lambda")
        deployed = lambda_client.get_function_configuration(FunctionName=physical_name)
        concurrency = lambda_client.get_function_concurrency(FunctionName=physical_name)
        environment = dict(deployed.get("Environment", {}).get("Variables", {}))
        environment |= {
            "AWS_ENDPOINT_URL": str(self.endpoint.url),
            "AWS_ACCESS_KEY_ID": DUMMY_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": DUMMY_CREDENTIALS["aws_secret_access_key"],
            "AWS_SESSION_TOKEN": DUMMY_CREDENTIALS["aws_session_token"],
            "AWS_DEFAULT_REGION": self.region,
        }
        runtime = deployed["Runtime"]
        return FunctionSpec(
            logical_id=function.logical_id,
            handler=deployed["Handler"],
            code_paths=[
                function.build_dir,
                *mount_layers(function.layer_builds, runtime, self._cache_dir),
                runtime_layer(runtime, self._cache_dir),
            ],
            runtime=runtime,
            environment=environment,
            timeout_s=float(deployed["Timeout"]),
            memory_mb=int(deployed["MemorySize"]),
            function_name=physical_name,
            region=self.region,
            reserved_concurrency=concurrency.get("ReservedConcurrentExecutions"),
        )


def _pool_exists(stack: Stack, pool_id: str) -> bool:
    try:
        stack.client("cognito-idp").describe_user_pool(UserPoolId=pool_id)
    except ClientError:
        return False
    return True


def _init_gap(failure: InitFailure) -> Gap:
    return Gap(
        failure.logical_id,
        "AWS::Serverless::Function",
        f"INIT failed ({failure.error.error_type}: {failure.error.message}); every invocation "
        "answers with that error (harness_init_failures = report)",
    )


def _functions_without_local_code(model: SamModel, packaged: PackagedTemplate) -> list[Gap]:
    """Functions whose code is not local (already on S3, inline, an image): none runs them."""
    return [
        Gap(
            logical_id,
            "AWS::Serverless::Function",
            "code is not a local directory; no worker runs it",
        )
        for logical_id, function in model.functions.items()
        if function.code_dir is None and logical_id not in packaged.functions
    ]


def _layers_missing_from_configuration(packaged: PackagedTemplate) -> list[Gap]:
    """moto's CloudFormation creates the layers but leaves them out of functions' configuration.

    (Its ``AWS::Lambda::Function`` ignores ``Layers``, and a ``Ref`` to its
    ``AWS::Lambda::LayerVersion`` is empty.) The workers mount the layers all the same.
    """
    return [
        Gap(
            function.logical_id,
            "AWS::Serverless::Function",
            "its layers run, but GetFunctionConfiguration lists none (moto drops Layers)",
        )
        for function in packaged.functions.values()
        if function.layer_builds
    ]
