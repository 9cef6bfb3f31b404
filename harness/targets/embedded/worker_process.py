"""One Lambda execution environment as an OS process: spawn it, talk to it, kill it.

The process runs :mod:`worker_main` on the interpreter matching the function's Runtime
(see :mod:`runtimes`), in its own session and process group so a kill reaches whatever
the handler spawned. Requests and replies travel over two dedicated pipes, one JSON
object per line; stdout and stderr are the function's logs, read by :class:`LogTap`.
This module knows the wire and the process; :mod:`workers` knows Lambda's rules.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import select
import signal
import subprocess
import threading
import time
import uuid
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from harness.build.runtimes import Interpreter, find_interpreter
from harness.targets.embedded.log_files import LineStamper

if TYPE_CHECKING:
    from harness.targets.embedded.workers import FunctionSpec

LOG_CAPTURE_LIMIT = 1 << 20
"""Bytes of output kept per invocation (the tail); the log file keeps everything."""

_DRAIN_TIMEOUT_S = 2.0
_EXIT_GRACE_S = 1.0
_WORKER_MAIN = Path(__file__).with_name("worker_main.py")
_PEAK_RESIDENT = re.compile(rb"^VmHWM:\s+(\d+) kB", re.MULTILINE)


@functools.cache
def interpreter_for(runtime: str) -> Interpreter:
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


class LogTap:
    """Reads a worker's merged stdout/stderr on a thread.

    Everything goes to the worker's log file; the unread tail (bounded) is
    handed out per invocation, cut after the runtime's ``END RequestId`` line.
    """

    def __init__(self, stream: IO[bytes], log_path: Path) -> None:
        self._file = log_path.open("ab")
        self._stamper = LineStamper()
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
                        self._file.write(self._stamper(chunk))
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

    def peek(self) -> str:
        """Everything unread so far, waiting for the output to close (call after a kill)."""
        with self._changed:
            self._changed.wait_for(lambda: self._eof, _DRAIN_TIMEOUT_S)
            return bytes(self._pending).decode("utf-8", "replace")

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
            if not self._file.closed:
                self._file.write(self._stamper(line.encode() + b"\n"))
                self._file.flush()

    def close(self, join_timeout_s: float = _DRAIN_TIMEOUT_S) -> None:
        self._thread.join(join_timeout_s)
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


class WorkerProcess:
    """One spawned interpreter and its pipes: the unit that is killed and replaced.

    ``init_error`` and ``init_duration_ms`` are known once :meth:`wait_ready` returned:
    the runtime reports the handler's import before it reads any request.
    """

    def __init__(
        self, spec: FunctionSpec, interpreter: Interpreter, log_path: Path, response_limit: int
    ) -> None:
        request_read, request_write = os.pipe()
        response_read, response_write = os.pipe()
        self.started_at = time.time()
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
                    "--response-limit",
                    str(response_limit),
                    *(str(path) for path in spec.code_paths),
                ],
                pass_fds=(request_read, response_write),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=environment(spec),
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
        self.tap = LogTap(self.popen.stdout, log_path)
        self.ready = False
        self.init_error: dict[str, Any] | None = None
        self.init_duration_ms = 0.0
        self._status_fd: int | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def alive(self) -> bool:
        """False once the process has exited (reaped here, so no zombie is left)."""
        return self.popen.poll() is None

    def wait_ready(self, deadline: float) -> bool:
        """Wait for the end of INIT; False if the process died first, TimeoutError if slow."""
        if not self.ready:
            message = self._responses.read(deadline)
            if message is None:
                return False
            self.ready = True
            self.init_error = message.get("init_error")
            self.init_duration_ms = max(0.0, (message["at"] - self.started_at) * 1000)
        return True

    def send(self, line: bytes) -> None:
        self._requests.write(line)
        self._requests.flush()

    def receive(self, deadline: float) -> dict[str, Any] | None:
        return self._responses.read(deadline)

    def max_memory_mb(self) -> int | None:
        """The process's peak resident set (``VmHWM``), as Lambda's ``Max Memory Used``.

        Read on every REPORT line, so the status file stays open and is re-read in place.
        """
        try:
            if self._status_fd is None:
                self._status_fd = os.open(f"/proc/{self.pid}/status", os.O_RDONLY)
            status = os.pread(self._status_fd, 1 << 14, 0)
        except OSError:
            return None
        found = _PEAK_RESIDENT.search(status)
        return None if found is None else -(-int(found.group(1)) // 1024)

    def signal_kill(self) -> None:
        """SIGKILL the whole process group (the handler's children too) without waiting."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)

    def kill(self) -> None:
        """Kill the process group and reap the process."""
        self.signal_kill()
        self.popen.wait()

    def settle(self) -> None:
        """After the pipe closed: let a process that is exiting by itself finish, then kill.

        A handler calling ``sys.exit(2)`` closes its pipes a moment before it exits; killing
        it at once would report ``signal: killed`` for what was ``exit status 2``.
        """
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(_EXIT_GRACE_S)
        self.kill()

    def close(self, join_timeout_s: float = _DRAIN_TIMEOUT_S) -> None:
        """Kill, then release the pipes and the log file; safe to call twice."""
        self.kill()
        if not self._requests.closed:
            with contextlib.suppress(OSError):
                self._requests.close()
            self._responses.close()
            self.tap.close(join_timeout_s)
        if self._status_fd is not None:
            os.close(self._status_fd)
            self._status_fd = None

    def exit_description(self) -> str:
        """How the process ended, in the words Lambda uses (``signal: killed``, ``exit status 2``).

        Lambda's runtime manager is written in Go and words a signal the way Go's
        ``os.ProcessState`` does, which is the C library's ``strsignal`` text in lower case.
        """
        code = self.popen.wait()
        if code < 0:
            description = signal.strsignal(-code) or f"signal {-code}"
            return f"signal: {description.lower()}"
        return f"exit status {code}"


def environment(spec: FunctionSpec) -> dict[str, str]:
    """Minimal base env, then the function's variables, then Lambda's reserved ones.

    The parent's environment is not inherited: the developer's AWS profile and
    credentials must never reach a function that believes it is on emulated
    AWS, hence the config files pointed at /dev/null. Each process gets a log stream
    of its own, as each Lambda execution environment does.
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
        "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": f"{datetime.now(UTC):%Y/%m/%d}/[{spec.version}]{stream_id}",
        "AWS_REGION": spec.region,
        "AWS_DEFAULT_REGION": spec.region,
        "AWS_SAM_LOCAL": "true",
    }
    return {**base, **spec.environment, **reserved}
