"""The Lambda runtime loop that runs INSIDE a worker process.

Started by :mod:`harness.targets.embedded.workers` as
``python -I -S -u worker_main.py --requests-fd R --responses-fd W CODE_PATH...``
on the interpreter matching the function's Runtime, so it must import nothing
but the standard library and run on every python3.X we emulate. The one harness module
it uses, :mod:`harness.apigateway.lambda_context` (stdlib only as well, and the class the
in-process client hands handlers too), is loaded by its file path.
``-I -S`` keep the interpreter's own site-packages and the harness out of
``sys.path``: the function sees its build dir and the runtime layer only, so a
dependency missing from requirements.txt fails here as it would on AWS.

Messages travel as one JSON object per line over two dedicated pipes, never
over stdout/stderr: those belong to the function and become its logs. Around
each invocation the loop writes Lambda's own ``START``/``END`` log lines; the
parent uses ``END`` to know it has read all of an invocation's output.

The handler is imported before anything is read, as in Lambda's INIT phase; the
``ready`` message says whether that worked, so the harness can fail a deploy on
an import or syntax error instead of answering 500 to every request.

The response limit (``--response-limit``) is applied here, where the result is
serialized anyway: Lambda refuses a synchronous response whose JSON exceeds 6,291,556 bytes
with
``Function.ResponseSizeTooLarge`` ("Response payload size exceeded maximum allowed
payload size (6291556 bytes)."; measured and worded as in Zac Charles, "Deep Dive:
Lambda's Response Payload Size Limit", 2022, which also shows the 100 bytes over 6 MiB).
The serialization is the Python runtime's: ``json.dumps`` with its default separators.

The main thread reads the request pipe itself, so a request reaches the handler
without a hand-over between threads (that hand-over cost a seventh of a millisecond of
every invocation on a 2-core VM). A watcher thread polls the same pipe for its hang-up
only (``poll`` reports ``POLLHUP`` however few events are asked for, and reads nothing):
when the parent is gone, or is closing us, it kills our whole process group at once,
even while a handler is still running, so no worker outlives the harness.
"""

from __future__ import annotations

import argparse
import decimal
import importlib
import importlib.util
import json
import os
import select
import signal
import sys
import threading
import time
import traceback
from typing import Any


def _load_lambda_context() -> Any:
    """The one ``LambdaContext`` class, loaded by path: the harness is not on ``sys.path``."""
    path = os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
        "apigateway",
        "lambda_context.py",
    )
    spec = importlib.util.spec_from_file_location("_harness_lambda_context", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.LambdaContext


LambdaContext = _load_lambda_context()


class _InitFailure(Exception):
    """The handler could not be loaded; reported on every invoke like Lambda does."""

    def __init__(self, error_type: str, message: str, stack: list[str]) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.stack = stack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests-fd", type=int, required=True)
    parser.add_argument("--responses-fd", type=int, required=True)
    parser.add_argument("--response-limit", type=int, required=True)
    parser.add_argument("code_paths", nargs="+")
    args = parser.parse_args()
    sys.path[:0] = args.code_paths
    responses = os.fdopen(args.responses_fd, "wb")
    threading.Thread(target=_die_with_parent, args=(args.requests_fd,), daemon=True).start()

    handler: Any = None
    init_failure: _InitFailure | None = None
    ready: dict[str, Any] = {"type": "ready", "pid": os.getpid()}
    try:
        handler = _load_handler(os.environ["_HANDLER"])
    except _InitFailure as failure:
        init_failure = failure
        _log_error(failure.error_type, str(failure), failure.stack)
        ready["init_error"] = _error_reply(failure.error_type, str(failure), failure.stack)
    ready["at"] = time.time()  # INIT ends here: Init Duration counts the handler's import
    responses.write(json.dumps(ready).encode() + b"\n")
    responses.flush()

    for line in os.fdopen(args.requests_fd, "rb"):
        request = json.loads(line)
        request_id = request["request_id"]
        _write_log_line(f"START RequestId: {request_id} Version: $LATEST")
        if init_failure is not None:
            _log_error(init_failure.error_type, str(init_failure), init_failure.stack)
            error = _error_reply(init_failure.error_type, str(init_failure), init_failure.stack)
            reply = _message({**error, "phase": "init", "request_id": request_id})
        else:
            context = LambdaContext.from_environment(
                request_id, request["deadline_ms"], request["invoked_function_arn"]
            )
            reply = _invoke(handler, request["event"], context, request_id, args.response_limit)
        _write_log_line(f"END RequestId: {request_id}")
        responses.write(reply)
        responses.flush()
    _take_group_down()  # EOF: the parent closed the pipe


def _die_with_parent(requests_fd: int) -> None:
    """Wait for the request pipe's hang-up without reading it, then take the group down."""
    hang_up = select.poll()
    hang_up.register(requests_fd, 0)
    while not hang_up.poll():
        pass
    _take_group_down()


def _take_group_down() -> None:
    """Kill the process group this worker leads (its handler's children too), then exit."""
    if os.getpgrp() == os.getpid():
        os.killpg(os.getpgrp(), signal.SIGKILL)
    os._exit(0)


def _load_handler(handler_name: str) -> Any:
    """Import ``module.function`` once, translating failures into Lambda's error types."""
    module_name, _, function_name = handler_name.rpartition(".")
    module_name = module_name.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as error:
        raise _InitFailure(
            "Runtime.UserCodeSyntaxError",
            f"Syntax error in module '{module_name}': {error}",
            _stack(error),
        ) from error
    except ImportError as error:
        raise _InitFailure(
            "Runtime.ImportModuleError",
            f"Unable to import module '{module_name}': {error}",
            _stack(error),
        ) from error
    except Exception as error:
        raise _InitFailure(type(error).__name__, str(error), _stack(error)) from error
    handler = getattr(module, function_name, None)
    if not callable(handler):
        raise _InitFailure(
            "Runtime.HandlerNotFound",
            f"Handler '{function_name}' missing on module '{module_name}'",
            [],
        )
    return handler


def _invoke(handler: Any, event: Any, context: Any, request_id: str, response_limit: int) -> bytes:
    """Run the handler once and return the reply line.

    An exception becomes an error reply and a logged traceback; a result JSON cannot carry
    becomes Lambda's marshal error; one over the response limit, its size error. The
    payload's JSON is spliced into the line as is, so a large result is encoded once.
    """
    try:
        result = handler(event, context)
    except Exception as error:
        stack = _stack(error)
        _log_error(type(error).__name__, str(error), stack)
        reply = _error_reply(type(error).__name__, str(error), stack)
        return _message({**reply, "request_id": request_id})
    try:
        payload = json.dumps(result, default=_to_json)
    except (TypeError, ValueError) as error:
        message = f"Unable to marshal response: {error}"
        _log_error("Runtime.MarshalError", message, [])
        reply = _error_reply("Runtime.MarshalError", message, [])
        return _message({**reply, "request_id": request_id})
    if len(payload) > response_limit:  # ASCII: json.dumps escapes everything else
        message = (
            f"Response payload size exceeded maximum allowed payload size ({response_limit} bytes)."
        )
        reply = _error_reply("Function.ResponseSizeTooLarge", message, [])
        return _message({**reply, "phase": "response", "request_id": request_id})
    head = _message({"type": "result", "request_id": request_id})[: -len(b"}\n")]
    return head + b', "payload": ' + payload.encode() + b"}\n"


def _message(reply: dict[str, Any]) -> bytes:
    """One protocol line."""
    return json.dumps(reply).encode() + b"\n"


def _to_json(value: Any) -> Any:
    """Serialize what the Python runtime's encoder accepts beyond plain JSON (Decimal)."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _error_reply(error_type: str, message: str, stack: list[str]) -> dict[str, Any]:
    return {"type": "error", "errorType": error_type, "errorMessage": message, "stackTrace": stack}


def _stack(error: BaseException) -> list[str]:
    """The traceback without this module's or the import system's frames: not the function's."""
    frames = traceback.extract_tb(error.__traceback__)
    own = [f for f in frames if f.filename != __file__ and not f.filename.startswith("<frozen")]
    return traceback.format_list(own)


def _log_error(error_type: str, message: str, stack: list[str]) -> None:
    """Log an error the way the Lambda Python runtime does: type, message, traceback."""
    text = f"[ERROR] {error_type}: {message}"
    if stack:
        text += f"\nTraceback (most recent call last):\n{''.join(stack)}"
    _write_log_line(text.rstrip("\n"))


def _write_log_line(text: str) -> None:
    """Write a runtime line on fd 1 after whatever the handler printed, in order."""
    sys.stdout.flush()
    sys.stderr.flush()
    data = (text + "\n").encode("utf-8", "replace")
    while data:
        data = data[os.write(1, data) :]


if __name__ == "__main__":
    main()
