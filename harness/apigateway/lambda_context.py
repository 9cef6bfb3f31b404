"""The Lambda context object, as the Python runtime builds it: one class for every caller.

The embedded target's worker runtime (``worker_main.py``) and the unit layer's in-process
client hand handlers this same class, so a handler (or Powertools, which reads
``function_name``, ``memory_limit_in_mb``, ``invoked_function_arn`` and
``aws_request_id``) sees the same attributes wherever it runs.

It must stay standard-library only: the worker loads this file by path into an
interpreter that sees nothing but the function's code (``python -I -S``).
"""

from __future__ import annotations

import os
import time
import uuid

ACCOUNT_ID = "123456789012"
"""The account in ARNs: moto's default, so ARNs agree with the emulated stack."""


class LambdaContext:
    """The ``context`` argument, with the attributes the Python runtime provides.

    As in the runtime, ``memory_limit_in_mb`` is text (the runtime reads it from
    ``AWS_LAMBDA_FUNCTION_MEMORY_SIZE``), ``identity`` and ``client_context`` are ``None``
    for invocations through API Gateway, and the remaining time counts down to the
    invocation's deadline.
    """

    def __init__(
        self,
        *,
        aws_request_id: str,
        deadline_ms: int,
        invoked_function_arn: str,
        function_name: str | None,
        function_version: str | None = "$LATEST",
        memory_limit_in_mb: str | None = None,
        log_group_name: str | None = None,
        log_stream_name: str | None = None,
    ) -> None:
        self.aws_request_id = aws_request_id
        self.invoked_function_arn = invoked_function_arn
        self.function_name = function_name
        self.function_version = function_version
        self.memory_limit_in_mb = memory_limit_in_mb
        self.log_group_name = log_group_name
        self.log_stream_name = log_stream_name
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    @classmethod
    def from_environment(
        cls, request_id: str, deadline_ms: int, invoked_function_arn: str
    ) -> LambdaContext:
        """The context of one invocation inside an execution environment (the worker)."""
        return cls(
            aws_request_id=request_id,
            deadline_ms=deadline_ms,
            invoked_function_arn=invoked_function_arn,
            function_name=os.environ.get("AWS_LAMBDA_FUNCTION_NAME"),
            function_version=os.environ.get("AWS_LAMBDA_FUNCTION_VERSION"),
            memory_limit_in_mb=os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"),
            log_group_name=os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME"),
            log_stream_name=os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME"),
        )

    @classmethod
    def for_function(
        cls,
        function_name: str,
        *,
        memory_mb: int = 128,
        timeout_s: float = 3.0,
        region: str = "us-east-1",
    ) -> LambdaContext:
        """A fresh invocation's context for a function called in this process (unit layer)."""
        return cls(
            aws_request_id=str(uuid.uuid4()),
            deadline_ms=int((time.time() + timeout_s) * 1000),
            invoked_function_arn=f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{function_name}",
            function_name=function_name,
            memory_limit_in_mb=str(memory_mb),
            log_group_name=f"/aws/lambda/{function_name}",
            log_stream_name="harness-in-process",
        )

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))
