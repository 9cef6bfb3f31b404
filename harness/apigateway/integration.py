"""What the gateway needs from Lambda: invoke a function by logical id, get an outcome.

Structural types, so the embedded target's workers (``InvokeResult``) and the in-process
client's direct calls both fit without this package importing either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class FunctionFailure(Protocol):
    """Why an invocation produced no payload (``kind`` as the workers name it)."""

    @property
    def kind(self) -> str: ...

    @property
    def error_type(self) -> str: ...

    @property
    def message(self) -> str: ...

    @property
    def rejected(self) -> bool:
        """Lambda refused the invocation (throttled, request too large): it never ran."""
        ...


class InvokeOutcome(Protocol):
    """One invocation: a payload, or a failure; with its logs and Lambda request id."""

    @property
    def payload(self) -> Any: ...

    @property
    def error(self) -> FunctionFailure | None: ...

    @property
    def logs(self) -> str: ...

    @property
    def request_id(self) -> str: ...


Invoke = Callable[[str, dict[str, Any]], InvokeOutcome]
"""``invoke(function_logical_id, event)``: run the function synchronously."""


@dataclass(frozen=True)
class Failure:
    """A :class:`FunctionFailure` for callers that have no worker types of their own."""

    kind: str
    error_type: str
    message: str

    @property
    def rejected(self) -> bool:
        return self.kind in ("throttled", "request_too_large")


@dataclass(frozen=True)
class Outcome:
    """An :class:`InvokeOutcome` for callers that have no worker types of their own."""

    payload: Any
    error: Failure | None
    logs: str = ""
    request_id: str = ""
