"""Lambda's data plane without Docker: execution environments as long-lived processes.

Each function gets a pool of execution environments (:class:`LambdaWorker`, one process
each, see :mod:`worker_process`), following AWS's documented model (Lambda developer guide,
"Understanding Lambda function scaling" and "Lambda scaling behavior"):

* one environment serves one invocation at a time; a request that finds every
  environment busy starts a new one (a cold start: its REPORT line carries
  ``Init Duration``), and idle ones are reused, warm, with their module state;
* a function scales up to its ``ReservedConcurrentExecutions`` (read from the deployed
  configuration) or the session's cap (``harness_max_concurrency``, standing in for the
  account's limit); past it a synchronous invocation is throttled at once, never queued,
  with ``TooManyRequestsException`` ("Rate Exceeded.") and the throttle ``Reason`` the
  Lambda API reports;
* synchronous payloads are limited as the Lambda API limits them (quotas page, 6 MB
  "Invocation payload (request and response)"): a request over 6,291,456 bytes is refused
  before it reaches a worker with ``RequestEntityTooLargeException`` ("Request must be
  smaller than 6291456 bytes for the InvokeFunction operation"); a response over
  6,291,556 bytes becomes ``Function.ResponseSizeTooLarge`` and the worker stays usable;
* the handler is imported when the process starts (the INIT phase): :meth:`WorkerRegistry.
  start` waits for each function's first environment and fails with
  :class:`FunctionInitError` naming function, handler and error, unless the session asked
  for init failures to be reported per invocation (``harness_init_failures = report``);
* a timeout or crash replaces the process at once; one that died while idle (killed out
  of band) is replaced before the next request reaches it, and that request runs.
  Crash reasons are Lambda's words (``Runtime exited with error: signal: killed``,
  ``exit status 2``).

What is NOT emulated: the memory limit (``memory_mb`` only shows up in the environment
and context: limiting address space breaks ordinary imports long before it mimics
Lambda's cgroup), the read-only file system and /tmp quota, the scaling *rate* (1,000
environments per 10 s) and reaping idle environments.

No worker outlives the harness: every process gets its own session and group (so a kill
reaches what the handler spawned); ``close()`` runs at exit, kills every group without
waiting for running invocations (their callers get :class:`WorkersClosed` at once), and a
worker that sees its request pipe close (its parent died, even by SIGKILL) kills its own
group.
"""

from __future__ import annotations

import atexit
import itertools
import json
import math
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from harness.settings import DEFAULT_MAX_CONCURRENCY
from harness.targets.embedded.log_files import stamped_line
from harness.targets.embedded.worker_process import WorkerProcess, interpreter_for

ACCOUNT_ID = "123456789012"
"""The account in ARNs: moto's default, so ARNs agree with the emulated stack."""

INIT_TIMEOUT_S = 10.0
"""Lambda's limit for the init phase (importing the handler module)."""

REQUEST_LIMIT_BYTES = 6_291_456
RESPONSE_LIMIT_BYTES = 6_291_556

_CLOSE_WAIT_S = 1.0

ErrorKind = Literal[
    "unhandled",
    "init",
    "timeout",
    "crash",
    "response_too_large",
    "throttled",
    "request_too_large",
]
"""Why an invocation produced no payload, and how API Gateway answers it.

Lambda developer guide, "Handling Lambda errors with an API Gateway API": when the Lambda
API *rejects* the invocation (``throttled``, ``request_too_large``:
:attr:`FunctionError.rejected`) API Gateway answers 500; when the function ran and failed
(every other kind) a REST API answers 502; both with ``{"message": "Internal server
error"}``. Lambda's own Invoke API answers a rejection with the error's HTTP status (429,
413) and a function failure with 200 and ``X-Amz-Function-Error: Unhandled``.
"""

InitFailureMode = Literal["fail", "report"]


class WorkersClosed(RuntimeError):
    """The function's workers were stopped before or during this invocation."""


@dataclass(frozen=True)
class FunctionSpec:
    """What a worker needs to run one function, as deployed.

    ``code_paths`` go on ``sys.path`` in order (build dir first, runtime layer
    last); the first is the task root and working directory. ``environment``
    is the deployed Environment.Variables plus what the target adds
    (``AWS_ENDPOINT_URL``, dummy credentials); Lambda's reserved variables win
    over it, as on AWS. ``reserved_concurrency`` is the function's
    ``ReservedConcurrentExecutions`` (``None``: not set; 0 throttles every invocation).
    ``version`` is ``$LATEST`` or the published version this spec was frozen at: each
    version has execution environments of its own, as on Lambda.
    """

    logical_id: str
    handler: str
    code_paths: Sequence[Path]
    runtime: str
    environment: Mapping[str, str]
    timeout_s: float
    memory_mb: int
    function_name: str | None = None
    region: str = "us-east-1"
    reserved_concurrency: int | None = None
    version: str = "$LATEST"

    @property
    def name(self) -> str:
        """The physical function name when known, else the logical id."""
        return self.function_name or self.logical_id

    @property
    def key(self) -> str:
        """What the registry knows its workers by: the logical id, ``:version`` if published."""
        return worker_key(self.logical_id, self.version)


def worker_key(logical_id: str, version: str = "$LATEST") -> str:
    """``ItemsFunction`` for ``$LATEST``, ``ItemsFunction:3`` for published version 3."""
    return logical_id if version == "$LATEST" else f"{logical_id}:{version}"


@dataclass(frozen=True)
class FunctionError:
    """Why an invocation produced no payload (see :data:`ErrorKind`).

    ``timeout`` and ``crash`` replace the worker; ``reason`` is the throttle reason the
    Lambda API reports with ``TooManyRequestsException`` (empty otherwise).
    """

    kind: ErrorKind
    error_type: str
    message: str
    traceback: str = ""
    reason: str = ""

    @property
    def rejected(self) -> bool:
        """True when the Lambda API refused the invocation: the function never ran."""
        return self.kind in ("throttled", "request_too_large")


@dataclass(frozen=True)
class InvokeResult:
    """One invocation: the JSON payload or an error, plus that invocation's logs.

    ``duration_ms`` is what the caller waited, so a cold start includes the
    worker's init; ``init_duration_ms`` is that init when this invocation was the
    environment's first (a cold start), else ``None``; ``request_id`` is the Lambda
    request id (``context.aws_request_id``); ``executed_version`` the version that ran.
    """

    payload: Any | None
    error: FunctionError | None
    logs: str
    duration_ms: float
    request_id: str
    init_duration_ms: float | None = None
    executed_version: str = "$LATEST"

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class InitFailure:
    """A function whose handler could not be loaded in its INIT phase."""

    logical_id: str
    handler: str
    runtime: str
    error: FunctionError

    def describe(self) -> str:
        text = (
            f"function {self.logical_id} (handler {self.handler}, {self.runtime}): "
            f"{self.error.error_type}: {self.error.message}"
        )
        if self.error.traceback:
            text += "\n" + self.error.traceback.rstrip()
        return text


class FunctionInitError(RuntimeError):
    """Handlers failed their INIT phase; the message names each function, handler, error."""

    def __init__(self, failures: Sequence[InitFailure]) -> None:
        self.failures = list(failures)
        described = "\n".join(failure.describe() for failure in self.failures)
        super().__init__(f"INIT failed (the handler could not be loaded):\n{described}")


class LambdaWorker:
    """One execution environment: a worker process, replaced when it times out or dies.

    Serves one invocation at a time (the pool sees to it; a lock makes sure), as a Lambda
    execution environment does. The process is started at construction so its INIT
    (imports) overlaps whatever the caller does next.
    """

    def __init__(self, spec: FunctionSpec, log_path: Path) -> None:
        missing = [str(path) for path in spec.code_paths if not Path(path).is_dir()]
        if not spec.code_paths or missing:
            raise ValueError(f"function {spec.logical_id}: code path(s) missing: {missing or '[]'}")
        self.spec = spec
        self._interpreter = interpreter_for(spec.runtime)
        self._log_path = log_path
        self._busy = threading.Lock()
        self._state = threading.Lock()
        self._closed = False
        self._cold = True
        self._process = self._spawn()

    @property
    def pid(self) -> int:
        """PID of the current process (changes when the worker is replaced)."""
        return self._process.pid

    @property
    def log_path(self) -> Path:
        return self._log_path

    def _spawn(self) -> WorkerProcess:
        self._cold = True
        return WorkerProcess(self.spec, self._interpreter, self._log_path, RESPONSE_LIMIT_BYTES)

    def wait_ready(self) -> FunctionError | None:
        """Finish INIT: the error that kept the handler from loading, or ``None``.

        The deadline runs from now, not from the spawn, so functions started together on
        few cores do not time out for competing with each other.
        """
        with self._busy:
            process = self._current()
            try:
                if not process.wait_ready(time.monotonic() + INIT_TIMEOUT_S):
                    process.settle()
                    return FunctionError(
                        "init",
                        "Runtime.ExitError",
                        f"Runtime exited with error: {process.exit_description()}",
                        process.tap.take_rest(),
                    )
            except TimeoutError:
                return FunctionError(
                    "init",
                    "Sandbox.Timedout",
                    f"Init phase did not finish in {INIT_TIMEOUT_S:.0f} s",
                )
            if process.init_error is None:
                return None
            return _error_from({**process.init_error, "phase": "init"})

    def invoke(self, request_id: str, event_json: bytes) -> InvokeResult:
        """Run the handler once on the JSON event; never raises for function failures.

        A process found dead before the request reached it (no ``START`` line for it: it was
        killed while idle, an instant before this request) is replaced and the request
        runs in the new one, as Lambda would start a fresh environment.
        """
        with self._busy:
            started = time.monotonic()
            process = self._current()
            for attempt in range(2):
                try:
                    reply, invoked, init_ms = self._exchange(process, request_id, event_json)
                except TimeoutError as timeout:
                    self._raise_if_closed(request_id)
                    process.kill()
                    return self._lost(process, request_id, started, "timeout", str(timeout))
                if reply is not None:
                    break
                self._raise_if_closed(request_id)
                process.settle()
                if attempt or f"START RequestId: {request_id}" in process.tap.peek():
                    reason = f"Runtime exited with error: {process.exit_description()}"
                    return self._lost(process, request_id, started, "crash", reason)
                process = self._replace(process, "before the request reached it")
            finished = time.monotonic()
            logs = process.tap.take_through(f"END RequestId: {request_id}")
            report = _report_line(
                request_id, (finished - invoked) * 1000, self.spec, process, init_ms
            )
            process.tap.append(report)
            return InvokeResult(
                payload=reply.get("payload"),
                error=_error_from(reply),
                logs=f"{logs}{report}\n",
                duration_ms=(finished - started) * 1000,
                request_id=request_id,
                init_duration_ms=init_ms,
                executed_version=self.spec.version,
            )

    def _exchange(
        self, process: WorkerProcess, request_id: str, event_json: bytes
    ) -> tuple[dict[str, Any] | None, float, float | None]:
        """Finish INIT if needed, send the request, wait for the reply.

        Returns the reply (``None``: the process died), when the invoke phase began and the
        init duration to report (cold start only); TimeoutError names the phase that timed out.
        """
        try:
            ready = process.wait_ready(time.monotonic() + INIT_TIMEOUT_S)
        except TimeoutError:
            raise TimeoutError(f"Init phase did not finish in {INIT_TIMEOUT_S:.0f} s") from None
        invoked = time.monotonic()
        if not ready:
            return None, invoked, None
        init_ms = process.init_duration_ms if self._cold else None
        self._cold = False
        try:
            process.send(_request_line(self.spec, request_id, event_json))
            reply = process.receive(invoked + self.spec.timeout_s)
        except BrokenPipeError:
            reply = None
        except TimeoutError:
            reason = f"Task timed out after {self.spec.timeout_s:.2f} seconds"
            raise TimeoutError(reason) from None
        return reply, invoked, init_ms

    def _current(self) -> WorkerProcess:
        """The live process; one that died while idle is replaced (and logged) first."""
        with self._state:
            if self._closed:
                raise WorkersClosed(f"the worker of function {self.spec.logical_id} is closed")
            process = self._process
        return process if process.alive else self._replace(process, "while idle")

    def _replace(self, dead: WorkerProcess, when: str) -> WorkerProcess:
        """Log why ``dead`` is gone and start a fresh process in its place."""
        dead.tap.append(
            f"{_now()} worker process {dead.pid} exited {when} ({dead.exit_description()}); "
            "a new execution environment replaces it"
        )
        dead.close()
        with self._state:
            if self._closed:
                raise WorkersClosed(f"the worker of function {self.spec.logical_id} is closed")
            self._process = self._spawn()
            return self._process

    def _raise_if_closed(self, request_id: str) -> None:
        """After a failed exchange: if close() caused it, the caller must not wait any more."""
        with self._state:
            if self._closed:
                raise WorkersClosed(
                    f"the workers of function {self.spec.logical_id} were stopped during "
                    f"invocation {request_id}"
                )

    def _lost(
        self, process: WorkerProcess, request_id: str, started: float, kind: ErrorKind, reason: str
    ) -> InvokeResult:
        """Report an invocation whose (killed) process timed out or crashed; replace it."""
        logs = process.tap.take_rest()
        line = f"{_now()} {request_id} {reason}"
        process.tap.append(line)
        process.close()
        with self._state:
            if self._closed:
                raise WorkersClosed(f"the worker of function {self.spec.logical_id} is closed")
            self._process = self._spawn()
        error_type = "Runtime.ExitError" if kind == "crash" else "Sandbox.Timedout"
        return InvokeResult(
            payload=None,
            error=FunctionError(kind, error_type, f"RequestId: {request_id} Error: {reason}"),
            logs=f"{logs}{line}\n",
            duration_ms=(time.monotonic() - started) * 1000,
            request_id=request_id,
            executed_version=self.spec.version,
        )

    def close(self) -> None:
        """Kill the process group without waiting for a running invocation; safe twice.

        The invocation's caller wakes up at once (its pipe closed) and gets
        :class:`WorkersClosed`; the pipes are released once it has let go.
        """
        with self._state:
            if self._closed:
                return
            self._closed = True
            self._process.signal_kill()
        if self._busy.acquire(timeout=_CLOSE_WAIT_S):
            try:
                self._process.close(join_timeout_s=_CLOSE_WAIT_S)
            finally:
                self._busy.release()


class WorkerPool:
    """The execution environments of one function, started only when all are busy.

    ``capacity`` is the most that run at once: the function's reserved concurrency when
    set and lower than the session's ``max_concurrency``, else that cap.
    """

    def __init__(self, spec: FunctionSpec, log_dir: Path, *, max_concurrency: int) -> None:
        if max_concurrency < 1:
            raise ValueError(
                f"function {spec.logical_id}: max_concurrency must be >= 1, got {max_concurrency}"
            )
        self.spec = spec
        reserved = spec.reserved_concurrency
        if reserved is not None and reserved <= max_concurrency:
            self.capacity = reserved
            self._throttle_reason = "ReservedFunctionConcurrentInvocationLimitExceeded"
        else:
            self.capacity = max_concurrency
            self._throttle_reason = "ConcurrentInvocationLimitExceeded"
        self._log_dir = log_dir
        self._lock = threading.Lock()
        self._numbers = itertools.count()
        self._starting = 0
        self._closed = False
        self._workers: list[LambdaWorker] = [self._new_worker()] if self.capacity else []
        self._idle = list(self._workers)

    @property
    def workers(self) -> list[LambdaWorker]:
        with self._lock:
            return list(self._workers)

    def _new_worker(self) -> LambdaWorker:
        number = next(self._numbers)
        suffix = f"-{number}" if number else ""
        return LambdaWorker(self.spec, self._log_dir / f"{self.spec.logical_id}{suffix}.log")

    def wait_ready(self) -> FunctionError | None:
        """INIT of the first environment (none when reserved concurrency is 0)."""
        first = self.workers[:1]
        return first[0].wait_ready() if first else None

    def invoke(self, request_id: str, event_json: bytes) -> InvokeResult:
        worker = self._acquire()
        if worker is None:
            return _throttled(request_id, self._throttle_reason, self.spec.version)
        try:
            return worker.invoke(request_id, event_json)
        finally:
            with self._lock:
                if not self._closed:
                    self._idle.append(worker)

    def _acquire(self) -> LambdaWorker | None:
        """An idle environment, else a new one; ``None`` when at capacity (throttled)."""
        with self._lock:
            if self._closed:
                raise WorkersClosed(f"the workers of function {self.spec.logical_id} are closed")
            if self._idle:
                return self._idle.pop()  # the most recently used: the warmest
            if len(self._workers) + self._starting >= self.capacity:
                return None
            self._starting += 1
        try:
            worker = self._new_worker()  # spawned outside the lock: others keep being served
        finally:
            with self._lock:
                self._starting -= 1
        with self._lock:
            closed = self._closed
            if not closed:
                self._workers.append(worker)
        if closed:
            worker.close()
            raise WorkersClosed(f"the workers of function {self.spec.logical_id} are closed")
        return worker

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._idle = list(self._workers), []
        for worker in workers:
            worker.close()


class WorkerRegistry:
    """The workers of every function of a stack, by :attr:`FunctionSpec.key`.

    ``close()`` kills every process group at once; it is registered with ``atexit`` so an
    interrupted session (Ctrl-C) cleans up too. Logs go to ``log_dir``
    (``<LogicalId>.log``, then ``<LogicalId>-N.log`` per further environment); without
    one, a temporary dir is used and removed on close.
    """

    def __init__(
        self,
        log_dir: Path | None = None,
        *,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        init_failures: InitFailureMode = "fail",
    ) -> None:
        self._owns_log_dir = log_dir is None
        self.log_dir = Path(tempfile.mkdtemp(prefix="lambda-logs-")) if log_dir is None else log_dir
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.max_concurrency = max_concurrency
        self.init_failures = init_failures
        self._pools: dict[str, WorkerPool] = {}
        atexit.register(self.close)

    def start(self, specs: Iterable[FunctionSpec]) -> list[InitFailure]:
        """Start each function's first environment and wait for their INIT phases.

        They initialize in parallel. Handlers that fail to load raise
        :class:`FunctionInitError` (``init_failures="fail"``) or are returned, their
        workers kept to answer every invocation with the error (``"report"``).
        """
        started = []
        for spec in specs:
            if spec.key in self._pools:
                raise ValueError(f"function {spec.key} is already started")
            pool = WorkerPool(spec, self.log_dir, max_concurrency=self.max_concurrency)
            self._pools[spec.key] = pool
            started.append(pool)
        failures = [
            InitFailure(pool.spec.logical_id, pool.spec.handler, pool.spec.runtime, error)
            for pool in started
            if (error := pool.wait_ready()) is not None
        ]
        if failures and self.init_failures == "fail":
            raise FunctionInitError(failures)
        return failures

    def pool(self, key: str) -> WorkerPool:
        try:
            return self._pools[key]
        except KeyError:
            raise KeyError(
                f"no function {key!r} is running; started: {sorted(self._pools)}"
            ) from None

    def running(self, key: str) -> bool:
        return key in self._pools

    def replace(self, spec: FunctionSpec) -> InitFailure | None:
        """Start ``spec``'s workers (waiting for INIT) and stop the ones they replace.

        The old pool keeps serving until the new one is ready, as Lambda keeps the old
        environments until an update has finished. Returns the INIT failure, if any,
        without raising: a redeploy reports it the way the first deploy would.
        """
        pool = WorkerPool(spec, self.log_dir, max_concurrency=self.max_concurrency)
        error = pool.wait_ready()
        old, self._pools[spec.key] = self._pools.get(spec.key), pool
        if old is not None:
            old.close()
        return (
            None
            if error is None
            else InitFailure(spec.logical_id, spec.handler, spec.runtime, error)
        )

    def stop(self, key: str) -> None:
        """Stop one pool's workers (a version no alias routes to any more); no-op if absent."""
        pool = self._pools.pop(key, None)
        if pool is not None:
            pool.close()

    def invoke(
        self, key: str, event: Any = None, *, event_json: bytes | None = None
    ) -> InvokeResult:
        """Invoke synchronously with ``event``, or with ``event_json`` as received (bytes).

        The request limit applies to the JSON the Lambda API would receive.
        ``event_json`` must be valid JSON (ValueError otherwise), as the Invoke API's
        ``InvalidRequestContentException`` requires.
        """
        pool = self.pool(key)
        if event_json is None:
            event_json = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
        elif len(event_json) <= REQUEST_LIMIT_BYTES:
            json.loads(event_json)
        request_id = str(uuid.uuid4())
        if len(event_json) > REQUEST_LIMIT_BYTES:
            return _request_too_large(request_id, pool.spec.version)
        return pool.invoke(request_id, event_json)

    def log_note(self, logical_id: str, text: str) -> None:
        """Append a line to the function's log (what its caller saw, say), after its own."""
        with (self.log_dir / f"{logical_id}.log").open("ab") as log:
            log.write(stamped_line(text))

    def close(self) -> None:
        """Kill every worker without waiting for running invocations; safe to call twice."""
        atexit.unregister(self.close)
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close()
        if self._owns_log_dir:
            shutil.rmtree(self.log_dir, ignore_errors=True)

    def __enter__(self) -> WorkerRegistry:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _throttled(request_id: str, reason: str, version: str) -> InvokeResult:
    error = FunctionError("throttled", "TooManyRequestsException", "Rate Exceeded.", reason=reason)
    return InvokeResult(None, error, "", 0.0, request_id, executed_version=version)


def _request_too_large(request_id: str, version: str) -> InvokeResult:
    message = (
        f"Request must be smaller than {REQUEST_LIMIT_BYTES} bytes for the InvokeFunction operation"
    )
    error = FunctionError("request_too_large", "RequestEntityTooLargeException", message)
    return InvokeResult(None, error, "", 0.0, request_id, executed_version=version)


def _error_from(reply: Mapping[str, Any]) -> FunctionError | None:
    if reply.get("type") != "error":
        return None
    kinds: dict[str | None, ErrorKind] = {"init": "init", "response": "response_too_large"}
    return FunctionError(
        kind=kinds.get(reply.get("phase"), "unhandled"),
        error_type=reply["errorType"],
        message=reply["errorMessage"],
        traceback="".join(reply.get("stackTrace", [])),
    )


def _request_line(spec: FunctionSpec, request_id: str, event_json: bytes) -> bytes:
    """The worker's request, with the event's JSON spliced in as is (encoded once)."""
    head = json.dumps(
        {
            "request_id": request_id,
            "deadline_ms": int((time.time() + spec.timeout_s) * 1000),
            "invoked_function_arn": _function_arn(spec),
        }
    )
    return head[:-1].encode() + b', "event": ' + event_json + b"}\n"


def _report_line(
    request_id: str,
    duration_ms: float,
    spec: FunctionSpec,
    process: WorkerProcess,
    init_ms: float | None,
) -> str:
    """Lambda's REPORT line (Lambda developer guide, "Log and monitor Python Lambda functions").

    Billed Duration is rounded up to the millisecond and, as that page's example shows,
    includes the init of a cold start.
    """
    billed = math.ceil(duration_ms + (init_ms or 0.0))
    fields = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {billed} ms",
        f"Memory Size: {spec.memory_mb} MB",
    ]
    if (peak := process.max_memory_mb()) is not None:
        fields.append(f"Max Memory Used: {peak} MB")
    if init_ms is not None:
        fields.append(f"Init Duration: {init_ms:.2f} ms")
    return "\t".join(fields)


def _function_arn(spec: FunctionSpec) -> str:
    return f"arn:aws:lambda:{spec.region}:{ACCOUNT_ID}:function:{spec.name}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
