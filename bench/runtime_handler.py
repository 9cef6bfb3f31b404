"""Time one handler call per line read, in a process of the function's own runtime.

Started by :mod:`bench.bench_embedded` as ``python3.X -I -S runtime_handler.py HANDLER
CODE_PATH...`` with a worker's environment, so the handler runs on the interpreter, the
``sys.path`` and the variables its execution environment has; the bench's own process
runs Python 3.11 and its own site-packages, which makes the in-process figure a handler on
another interpreter. Each line read on stdin is an event (JSON). Each reply is a JSON line
with the call's milliseconds (``ms``), timed here so the pipe is not in the figure, and
its result's ``statusCode``. Replies go out on the stdout this process was given; the
handler's own prints and logs go to stderr. Standard library only, like the worker,
whose ``LambdaContext`` it uses (both loaded by file path).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
import time
from typing import Any


def _lambda_context() -> Any:
    """The worker's ``LambdaContext``: worker_main, loaded by its path, loads the one class."""
    path = os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        "harness",
        "targets",
        "embedded",
        "worker_main.py",
    )
    spec = importlib.util.spec_from_file_location("_bench_worker_main", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.LambdaContext


def main() -> None:
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # the handler's logs must not reach the replies
    handler_name, *code_paths = sys.argv[1:]
    sys.path[:0] = code_paths
    module_name, _, function_name = handler_name.rpartition(".")
    handler = getattr(importlib.import_module(module_name.replace("/", ".")), function_name)
    context_class = _lambda_context()
    arn = f"arn:aws:lambda:{os.environ['AWS_REGION']}:123456789012:function:bench"
    for line in sys.stdin:
        context = context_class.from_environment("bench", int(time.time() * 1000) + 30_000, arn)
        event = json.loads(line)
        started = time.perf_counter()
        result = handler(event, context)
        elapsed_ms = (time.perf_counter() - started) * 1000
        status = result.get("statusCode") if isinstance(result, dict) else None
        replies.write(json.dumps({"ms": elapsed_ms, "statusCode": status}) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
