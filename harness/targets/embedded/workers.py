"""Run Lambda functions locally in long-lived worker processes, without Docker.

Each function instance is one subprocess on the interpreter matching the
function's Runtime (see :mod:`runtimes`), running :mod:`worker_main`. Keeping
it alive between invocations gives warm starts and module-level state exactly
like a Lambda execution environment; one invocation at a time per process, as
on Lambda.

What is emulated: the Lambda environment variables, the context object, the
function Timeout (the process group is killed and a fresh worker is spawned at
once), crashes (the process is replaced), Lambda's START/END/REPORT log lines.
What is NOT: the memory limit (``memory_mb`` only shows up in the environment
and context: limiting address space breaks ordinary imports long before it
mimics Lambda's cgroup), the read-only file system and /tmp quota.

No worker outlives the harness: every process gets its own session and group
(so a kill reaches what the handler spawned), ``close()`` runs at exit, and a
worker that sees its request pipe close (its parent died, even by SIGKILL or an
unhandled SIGTERM) kills its own group at once.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal

from harness.targets.embedded.runtimes import Interpreter, find_interpreter

ACCOUNT_ID = "123456789012"
"""The account in ARNs: moto's default, so ARNs agree with the emulated stack."""

INIT_TIMEOUT_S = 10.0
"""Lambda's limit for the init phase (importing the handler module)."""

LOG_CAPTURE_LIMIT = 1 << 20
"""Bytes of output kept per invocation (the tail); the log file keeps everything."""

_DRAIN_TIMEOUT_S = 2.0
_WORKER_MAIN = Path(__file__).with_name("worker_main.py")

ErrorKind = Literal["unhandled", "init", "timeout", "crash"]


@dataclass(frozen=True)
class FunctionSpec:
    """What a worker needs to run one function, as deployed.

    ``code_paths`` go on ``sys.path`` in order (build dir first, runtime layer
    last); the first is the task root and working directory. ``environment``
    is the deployed Environment.Variables plus what the target adds
    (``AWS_ENDPOINT_URL``, dummy credentials); Lambda's reserved variables win
    over it, as on AWS.
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

    @property
    def name(self) -> str:
        """The physical function name when known, else the logical id."""
        return self.function_name or self.logical_id


@dataclass(frozen=True)
class FunctionError:
    """Why an invocation produced no payload.

    ``kind`` is ``unhandled`` (the handler raised), ``init`` (the handler could
    not be imported), ``timeout`` or ``crash`` (the process died); the last two
    replace the worker.
    """

    kind: ErrorKind
    error_type: str
    message: str
    traceback: str = ""


@dataclass(frozen=True)
class InvokeResult:
    """One invocation: the JSON payload or an error, plus that invocation's logs.

    ``duration_ms`` is what the caller waited, so a cold start includes the
    worker's init; ``request_id`` is the Lambda request id (``context.aws_request_id``).
    """

    payload: Any | None
    error: FunctionError | None
    logs: str
    duration_ms: float
    request_id: str

    @property
    def ok(self) -> bool:
        return self.error is None


@functools.cache
def _interpreter_for(runtime: str) -> Interpreter:
    """``find_interpreter`` plus one warning per runtime when only a stand-in exists."""
    interpreter = find_interpreter(runtime)
    if not interpreter.exact:
        warnings.warn(
            f"no {runtime} interpreter found (pyenv or PATH): {runtime} functions run on "
            f"Python {interpreter.version} at {interpreter.path}; {interpreter.install_hint}",
            RuntimeWarning,
            stacklevel=3,
        )
    return interpreter


class _LogTap:
    """Reads a worker's merged stdout/stderr on a thread.

    Everything goes to the worker's log file; the unread tail (bounded) is
    handed out per invocation, cut after the runtime's ``END RequestId`` line.
    """

    def __init__(self, stream: IO[bytes], log_path: Path) -> None:
        self._file = log_path.open("ab")
        self._pending = bytearray()
        self._dropped = 0
        self._eof = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(
            target=self._pump, args=(stream,), name=f"lambda-logs-{log_path.stem}", daemon=True
        )
        self._thread.start()

    def _pump(self, stream: IO[bytes]) -> None:
        with stream:
            while chunk := os.read(stream.fileno(), 1 << 16):
                with self._changed:
                    if not self._file.closed:  # a grandchild may outlive close()
                        self._file.write(chunk)
                        self._file.flush()
                    self._pending += chunk
                    overflow = len(self._pending) - LOG_CAPTURE_LIMIT
                    if overflow > 0:
                        del self._pending[:overflow]
                        self._dropped += overflow
                    self._changed.notify_all()
        with self._changed:
            self._eof = True
            self._changed.notify_all()

    def take_through(self, marker: str) -> str:
        """Output up to and including the line holding ``marker`` (or all, at EOF)."""
        needle = marker.encode()
        with self._changed:
            self._changed.wait_for(lambda: needle in self._pending or self._eof, _DRAIN_TIMEOUT_S)
            found = self._pending.find(needle)
            end = len(self._pending) if found < 0 else self._pending.find(b"\n", found) + 1
            return self._take(end or len(self._pending))

    def take_rest(self) -> str:
        """Everything until the process's output closes (call after killing it)."""
        with self._changed:
            self._changed.wait_for(lambda: self._eof, _DRAIN_TIMEOUT_S)
            return self._take(len(self._pending))

    def _take(self, end: int) -> str:
        text = bytes(self._pending[:end]).decode("utf-8", "replace")
        del self._pending[:end]
        if self._dropped:
            text = f"[... {self._dropped} earlier bytes dropped; see {self._file.name} ...]\n{text}"
            self._dropped = 0
        return text

    def append(self, line: str) -> None:
        """Add a line the harness writes on the runtime's behalf (REPORT, timeouts)."""
        with self._changed:
            self._file.write(line.encode() + b"\n")
            self._file.flush()

    def close(self) -> None:
        self._thread.join(_DRAIN_TIMEOUT_S)
        with self._changed:
            self._file.close()


class _MessageReader:
    """Reads the worker's JSON lines from the response pipe with a deadline."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._buffer = bytearray()
        self._poll = select.poll()
        self._poll.register(fd, select.POLLIN)

    def read(self, deadline: float) -> dict[str, Any] | None:
        """Next message, ``None`` when the worker closed the pipe (it died).

        Raises TimeoutError when the monotonic ``deadline`` passes first.
        """
        while (newline := self._buffer.find(b"\n")) < 0:
            remaining_ms = (deadline - time.monotonic()) * 1000
            if remaining_ms <= 0 or not self._poll.poll(remaining_ms):
                raise TimeoutError
            chunk = os.read(self._fd, 1 << 20)
            if not chunk:
                return None
            self._buffer += chunk
        line = bytes(self._buffer[:newline])
        del self._buffer[: newline + 1]
        return json.loads(line)

    def close(self) -> None:
        os.close(self._fd)


class _WorkerProcess:
    """One spawned interpreter and its pipes: the unit that is killed and replaced."""

    def __init__(self, spec: FunctionSpec, interpreter: Interpreter, log_path: Path) -> None:
        request_read, request_write = os.pipe()
        response_read, response_write = os.pipe()
        try:
            self.popen = subprocess.Popen(
                [
                    str(interpreter.path),
                    "-I",
                    "-S",
                    "-u",
                    str(_WORKER_MAIN),
                    "--requests-fd",
                    str(request_read),
                    "--responses-fd",
                    str(response_write),
                    *(str(path) for path in spec.code_paths),
                ],
                pass_fds=(request_read, response_write),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=_environment(spec),
                cwd=spec.code_paths[0],
                start_new_session=True,
            )
        except BaseException:
            for fd in (request_write, response_read):
                os.close(fd)
            raise
        finally:
            os.close(request_read)
            os.close(response_write)
        self._requests = os.fdopen(request_write, "wb")
        self._responses = _MessageReader(response_read)
        assert self.popen.stdout is not None
        self.tap = _LogTap(self.popen.stdout, log_path)
        self.ready = False

    @property
    def pid(self) -> int:
        return self.popen.pid

    def send(self, message: dict[str, Any]) -> None:
        self._requests.write(json.dumps(message).encode() + b"\n")
        self._requests.flush()

    def receive(self, deadline: float) -> dict[str, Any] | None:
        return self._responses.read(deadline)

    def kill(self) -> None:
        """Kill the whole process group (the handler's children too) and reap it."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait()

    def close(self) -> None:
        """Kill, then release the pipes and the log file; safe to call twice."""
        self.kill()
        if not self._requests.closed:
            with contextlib.suppress(OSError):
                self._requests.close()
            self._responses.close()
            self.tap.close()

    def exit_description(self) -> str:
        """How the process ended, in the words Lambda uses (``signal: killed``)."""
        code = self.popen.wait()
        if code < 0:
            return f"signal: {signal.Signals(-code).name.removeprefix('SIG').lower()}"
        return f"exit status {code}"


class LambdaWorker:
    """One instance of a function: a worker process, replaced when it times out or dies.

    Serves one invocation at a time (a lock), as a Lambda execution
    environment does. The process is started at construction so its init
    (imports) overlaps whatever the caller does next.
    """

    def __init__(self, spec: FunctionSpec, log_path: Path) -> None:
        missing = [str(path) for path in spec.code_paths if not Path(path).is_dir()]
        if not spec.code_paths or missing:
            raise ValueError(f"function {spec.logical_id}: code path(s) missing: {missing or '[]'}")
        self.spec = spec
        self._interpreter = _interpreter_for(spec.runtime)
        self._log_path = log_path
        self._lock = threading.Lock()
        self._closed = False
        self._process = self._spawn()

    @property
    def pid(self) -> int:
        """PID of the current process (changes when the worker is replaced)."""
        return self._process.pid

    @property
    def log_path(self) -> Path:
        return self._log_path

    def _spawn(self) -> _WorkerProcess:
        return _WorkerProcess(self.spec, self._interpreter, self._log_path)

    def invoke(self, event: Any) -> InvokeResult:
        """Run the handler once on ``event``; never raises for function failures."""
        with self._lock:
            if self._closed:
                raise RuntimeError(f"the worker of function {self.spec.logical_id} is closed")
            request_id = str(uuid.uuid4())
            started = time.monotonic()
            try:
                reply = self._exchange(request_id, event)
            except TimeoutError as timeout:
                return self._replace(request_id, started, "timeout", str(timeout))
            if reply is None:
                return self._replace(request_id, started, "crash", "")
            duration_ms = (time.monotonic() - started) * 1000
            logs = self._process.tap.take_through(f"END RequestId: {request_id}")
            report = (
                f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
                f"Memory Size: {self.spec.memory_mb} MB"
            )
            self._process.tap.append(report)
            return InvokeResult(
                payload=reply.get("payload"),
                error=_error_from(reply),
                logs=f"{logs}{report}\n",
                duration_ms=duration_ms,
                request_id=request_id,
            )

    def _exchange(self, request_id: str, event: Any) -> dict[str, Any] | None:
        """Send one request and wait for its reply; ``None`` means the worker died."""
        process = self._process
        try:
            if not process.ready:
                if process.receive(time.monotonic() + INIT_TIMEOUT_S) is None:
                    return None
                process.ready = True
        except TimeoutError:
            raise TimeoutError(f"Init phase did not finish in {INIT_TIMEOUT_S:.0f} s") from None
        deadline = time.monotonic() + self.spec.timeout_s
        try:
            process.send(
                {
                    "request_id": request_id,
                    "event": event,
                    "deadline_ms": int((time.time() + self.spec.timeout_s) * 1000),
                    "invoked_function_arn": _function_arn(self.spec),
                }
            )
        except BrokenPipeError:
            return None
        try:
            return process.receive(deadline)
        except TimeoutError:
            raise TimeoutError(f"Task timed out after {self.spec.timeout_s:.2f} seconds") from None

    def _replace(
        self, request_id: str, started: float, kind: ErrorKind, reason: str
    ) -> InvokeResult:
        """Kill the current process, start a fresh one, and report the lost invocation."""
        dead = self._process
        dead.kill()
        logs = dead.tap.take_rest()
        if kind == "crash":
            reason = f"Runtime exited with error: {dead.exit_description()}"
            error_type = "Runtime.ExitError"
        else:
            error_type = "Sandbox.Timedout"
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        line = f"{now} {request_id} {reason}"
        dead.tap.append(line)
        dead.close()
        self._process = self._spawn()
        return InvokeResult(
            payload=None,
            error=FunctionError(kind, error_type, f"RequestId: {request_id} Error: {reason}"),
            logs=f"{logs}{line}\n",
            duration_ms=(time.monotonic() - started) * 1000,
            request_id=request_id,
        )

    def close(self) -> None:
        """Kill the process group; later invocations raise."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._process.close()


class WorkerPool:
    """Up to ``size`` instances of one function, added only when all are busy.

    API Gateway runs concurrent requests in separate execution environments;
    a small pool keeps that isolation (one invocation per process) for
    concurrency tests while an idle function costs a single process.
    """

    def __init__(self, spec: FunctionSpec, size: int, log_dir: Path) -> None:
        if size < 1:
            raise ValueError(f"function {spec.logical_id}: pool size must be >= 1, got {size}")
        self.spec = spec
        self._size = size
        self._log_dir = log_dir
        self._available = threading.Condition()
        self._closed = False
        self._workers = [self._new_worker(0)]
        self._idle = list(self._workers)

    @property
    def workers(self) -> list[LambdaWorker]:
        with self._available:
            return list(self._workers)

    def _new_worker(self, index: int) -> LambdaWorker:
        suffix = f"-{index}" if index else ""
        return LambdaWorker(self.spec, self._log_dir / f"{self.spec.logical_id}{suffix}.log")

    def invoke(self, event: Any) -> InvokeResult:
        worker = self._acquire()
        try:
            return worker.invoke(event)
        finally:
            with self._available:
                self._idle.append(worker)
                self._available.notify()

    def _acquire(self) -> LambdaWorker:
        with self._available:
            while not self._idle:
                if self._closed:
                    raise RuntimeError(f"the workers of function {self.spec.logical_id} are closed")
                if len(self._workers) < self._size:
                    worker = self._new_worker(len(self._workers))
                    self._workers.append(worker)
                    return worker
                self._available.wait()
            return self._idle.pop()

    def close(self) -> None:
        with self._available:
            self._closed = True
            workers = list(self._workers)
            self._available.notify_all()
        for worker in workers:
            worker.close()


class WorkerRegistry:
    """The workers of every function of a stack, by logical id.

    ``close()`` kills every process group and waits for it; it is registered
    with ``atexit`` so an interrupted session (Ctrl-C) cleans up too. Logs go
    to ``log_dir`` (``<LogicalId>.log`` per instance); without one, a temporary
    dir is used and removed on close.
    """

    def __init__(self, log_dir: Path | None = None, pool_size: int = 1) -> None:
        self._owns_log_dir = log_dir is None
        self.log_dir = Path(tempfile.mkdtemp(prefix="lambda-logs-")) if log_dir is None else log_dir
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.pool_size = pool_size
        self._pools: dict[str, WorkerPool] = {}
        atexit.register(self.close)

    def start(self, specs: Iterable[FunctionSpec]) -> None:
        """Start a worker per function; their inits run in parallel with the caller."""
        for spec in specs:
            if spec.logical_id in self._pools:
                raise ValueError(f"function {spec.logical_id} is already started")
            self._pools[spec.logical_id] = WorkerPool(spec, self.pool_size, self.log_dir)

    def pool(self, logical_id: str) -> WorkerPool:
        try:
            return self._pools[logical_id]
        except KeyError:
            raise KeyError(
                f"no function {logical_id!r} is running; started: {sorted(self._pools)}"
            ) from None

    def invoke(self, logical_id: str, event: Any) -> InvokeResult:
        return self.pool(logical_id).invoke(event)

    def close(self) -> None:
        """Kill every worker and wait for it; safe to call twice."""
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


def _error_from(reply: dict[str, Any]) -> FunctionError | None:
    if reply.get("type") != "error":
        return None
    return FunctionError(
        kind="init" if reply.get("phase") == "init" else "unhandled",
        error_type=reply["errorType"],
        message=reply["errorMessage"],
        traceback="".join(reply.get("stackTrace", [])),
    )


def _function_arn(spec: FunctionSpec) -> str:
    return f"arn:aws:lambda:{spec.region}:{ACCOUNT_ID}:function:{spec.name}"


def _environment(spec: FunctionSpec) -> dict[str, str]:
    """Minimal base env, then the function's variables, then Lambda's reserved ones.

    The parent's environment is not inherited: the developer's AWS profile and
    credentials must never reach a function that believes it is on emulated
    AWS, hence the config files pointed at /dev/null.
    """
    name = spec.name
    stream_id = uuid.uuid4().hex
    base = {
        "PATH": os.environ.get("PATH", os.defpath),
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    reserved = {
        "_HANDLER": spec.handler,
        "LAMBDA_TASK_ROOT": str(spec.code_paths[0]),
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{stream_id}",
        "AWS_REGION": spec.region,
        "AWS_DEFAULT_REGION": spec.region,
        "AWS_SAM_LOCAL": "true",
    }
    return {**base, **spec.environment, **reserved}
