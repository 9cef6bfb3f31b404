"""The Lambda Invoke API of the embedded endpoint: deployed functions run in our workers.

moto implements Lambda's control plane but not its data plane: its ``Invoke`` runs the
code in Docker or, with Docker off, answers a canned payload. So the embedded endpoint
has a front of its own, a WSGI layer inside moto's server (:mod:`moto_server`): it answers
``Invoke`` for the functions the harness deployed, from their workers, and hands every
other request to moto untouched. Same port, no second hop, nothing for botocore to notice.
A small layer of our own rather than a library: nothing on PyPI serves Lambda's Invoke
API from local processes.

Checked against the Lambda API reference (``API_Invoke``, ``API_InvokeAsync``, the Lambda
quotas page and the Python error-handling guide):

* ``POST /2015-03-31/functions/{FunctionName}/invocations``: a name, an ARN or a partial
  ARN (``123456789012:function:name``), each with an optional ``:qualifier``, or the
  ``Qualifier`` query parameter. Both given and different: 400
  ``InvalidParameterValueException``.
* Qualifiers: ``$LATEST``, a published version number, or an alias (moto's, split by its
  ``RoutingConfig`` weights, :mod:`versions`); ``X-Amz-Executed-Version`` names the version
  that ran. Any other qualifier: 404 ``ResourceNotFoundException`` ``Function not found:
  <qualified ARN>``.
* ``X-Amz-Invocation-Type``: ``RequestResponse`` (200, the handler's JSON), ``Event``
  (202; runs in the background, a failure is logged), ``DryRun`` (204). Anything else:
  400 ``ValidationException``.
* Payloads over 6 MB (synchronous), 1 MB (asynchronous) or 256 KB (``InvokeAsync``): 413
  ``RequestEntityTooLargeException``, "Request must be smaller than N bytes for the
  InvokeFunction operation", the answer Lambda gives; a payload that is not JSON: 400
  ``InvalidRequestContentException``; an empty one is the event ``{}``.
* ``X-Amz-Log-Type: Tail`` (synchronous only): ``X-Amz-Log-Result`` holds the base64 of
  the last 4 KB of the invocation's log.
* A function error is still a 200: ``X-Amz-Function-Error: Unhandled`` and the error
  document (``errorMessage``, ``errorType``, ``requestId``, ``stackTrace``) as payload; a
  throttled invocation is a 429 ``TooManyRequestsException``.
* ``InvokeAsync`` (deprecated, ``/2014-11-13/.../invoke-async``): an ``Event`` invocation.

Every ``Invoke`` is answered here, none reaches moto: with Docker off (see
:mod:`moto_server`) moto answers 200 and a canned payload even for a function that does
not exist. So an unknown function gets Lambda's 404 from here, and one that exists in
moto but has no worker (created through the API, or code not in a local folder) a 409
``ResourceConflictException`` saying why it cannot run. Not emulated: ``ClientContext``
(``context.client_context`` stays ``None``), asynchronous retries, destinations and
dead-letter queues, ``InvokeWithResponseStream``.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from moto.awslambda.exceptions import UnknownFunctionException
from moto.awslambda.utils import get_backend
from werkzeug.wrappers import Request, Response

from harness.targets.embedded.versions import UnknownQualifier, VersionNotRunnable
from harness.targets.embedded.workers import ACCOUNT_ID, FunctionError, InvokeResult

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

LATEST = "$LATEST"
SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024
"""Lambda's limit for a synchronous invocation's request (6 MB, 6,291,456 bytes)."""
ASYNC_PAYLOAD_LIMIT = 1024 * 1024
"""Lambda's limit for an asynchronous invocation's request (1 MB)."""
INVOKE_ASYNC_PAYLOAD_LIMIT = 256 * 1024
"""The deprecated ``InvokeAsync`` action's own limit (256 KB)."""
LOG_TAIL_BYTES = 4096
"""``LogType: Tail`` returns "the last 4 KB of the execution log"."""
INVOCATION_TYPES = ("Event", "RequestResponse", "DryRun")

FunctionInvoke = Callable[[Any, str | None], InvokeResult]
"""``invoke(event, qualifier)``; raises :class:`~versions.UnknownQualifier` for a bad one."""

_INVOKE_PATH = re.compile(
    r"^/(?:2015-03-31/functions/(?P<sync>[^/]+)/invocations"
    r"|2014-11-13/functions/(?P<async>[^/]+)/invoke-async)/?$"
)
_FUNCTION_REFERENCE = re.compile(
    r"^(?:arn:aws[a-zA-Z-]*:lambda:(?P<region>[a-z0-9-]+):)?"
    r"(?:(?P<account>\d{12}):)?(?:function:)?(?P<name>[a-zA-Z0-9_.-]+)"
    r"(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]+))?$"
)
CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,]+/\d{8}/(?P<region>[^/,]+)/(?P<service>[^/,]+)/")
_LOG = logging.getLogger("harness.lambda")


@dataclass(frozen=True)
class DeployedFunction:
    """A function of a deployed stack, as the Invoke API finds and runs it.

    ``invoke(event, qualifier)`` runs it (``None`` when no worker runs the function;
    ``unavailable`` says why).
    """

    name: str
    region: str
    invoke: FunctionInvoke | None
    check: Callable[[str | None], object] | None = None
    """Raises :class:`~versions.UnknownQualifier` (or ``VersionNotRunnable``) for a qualifier."""
    unavailable: str = ""

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{self.name}"


@dataclass(frozen=True)
class _Reference:
    """``FunctionName`` of a request, split; region and account filled in when not named."""

    name: str
    qualifier: str | None
    region: str
    account: str


class LambdaInvokeApi:
    """Answers every Lambda ``Invoke``; passes every other request on to moto.

    :meth:`front` is what :class:`~harness.targets.embedded.moto_server.MotoServer` takes:
    it wraps moto's WSGI application. ``region`` is the one a request means when neither
    its ARN nor its signature names one.
    """

    def __init__(self, region: str) -> None:
        self.region = region
        self._lock = threading.Lock()
        self._functions: dict[str, DeployedFunction] = {}

    def register(self, functions: Iterable[DeployedFunction]) -> None:
        with self._lock:
            self._functions.update((function.name, function) for function in functions)

    def function(self, name: str) -> DeployedFunction | None:
        """The deployed function of that physical name, if this endpoint runs it."""
        with self._lock:
            return self._functions.get(name)

    def front(self, app: WSGIApplication) -> WSGIApplication:
        def serve(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
            path = _INVOKE_PATH.match(environ.get("PATH_INFO", ""))
            scope = CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
            if (
                path is None
                or environ.get("REQUEST_METHOD") != "POST"
                or (scope is not None and scope["service"] != "lambda")
            ):
                return app(environ, start_response)
            reference = _parse_reference(
                path["sync"] or path["async"], scope["region"] if scope else self.region
            )
            try:
                response = self._invoke(Request(environ), reference, path["async"] is not None)
            except _Rejected as rejected:
                response = rejected.response
            return response(environ, start_response)

        return serve

    def _invoke(self, request: Request, reference: _Reference, asynchronous: bool) -> Response:
        """Answer one Invoke; every refusal is raised as :class:`_Rejected`."""
        function = self._registered(reference)
        qualifier = _qualifier(reference.qualifier, request.args.get("Qualifier") or None)
        invocation_type = _invocation_type(request, asynchronous)
        event = _event(request, _payload_limit(invocation_type, asynchronous))
        if function.invoke is None:
            raise _Rejected(
                _user_error(
                    409,
                    "ResourceConflictException",
                    f"function {function.name} cannot run on the embedded target: "
                    f"{function.unavailable} (an emulation gap)",
                )
            )
        invoke = _bound(function, qualifier)
        if invocation_type == "DryRun":
            return Response(status=204, headers={"x-amzn-RequestId": str(uuid.uuid4())})
        if invocation_type == "Event":
            threading.Thread(
                target=_run_in_background,
                args=(function.name, invoke, event),
                name=f"lambda-event-{function.name}",
                daemon=True,
            ).start()
            return Response(status=202, headers={"x-amzn-RequestId": str(uuid.uuid4())})
        result = invoke(event)
        return _invocation_response(result, tail=request.headers.get("X-Amz-Log-Type") == "Tail")

    def _registered(self, reference: _Reference | None) -> DeployedFunction:
        if reference is None:
            raise _Rejected(
                _user_error(
                    400,
                    "ValidationException",
                    "1 validation error detected: Value at 'functionName' failed to satisfy "
                    "constraint: Member must satisfy regular expression pattern: "
                    + _FUNCTION_REFERENCE.pattern,
                )
            )
        with self._lock:
            function = self._functions.get(reference.name)
        if function is None or (reference.region, reference.account) != (
            function.region,
            ACCOUNT_ID,
        ):
            raise _Rejected(_not_deployed(reference))
        return function


def _parse_reference(function_name: str, default_region: str) -> _Reference | None:
    """Name, qualifier, region and account of a ``FunctionName``; ``None`` if malformed."""
    parsed = _FUNCTION_REFERENCE.match(function_name)
    if parsed is None:
        return None
    return _Reference(
        name=parsed["name"],
        qualifier=parsed["qualifier"],
        region=parsed["region"] or default_region,
        account=parsed["account"] or ACCOUNT_ID,
    )


def _not_deployed(reference: _Reference) -> Response:
    """The answer for a function the harness runs no worker for: 404, or 409 if moto has it."""
    arn = f"arn:aws:lambda:{reference.region}:{reference.account}:function:{reference.name}"
    try:
        get_backend(reference.account, reference.region).get_function(reference.name)
    except UnknownFunctionException:
        return _user_error(404, "ResourceNotFoundException", f"Function not found: {arn}")
    return _user_error(
        409,
        "ResourceConflictException",
        f"function {reference.name} cannot run on the embedded target: it was not deployed "
        "from a template, so no worker runs its code",
    )


class _Rejected(Exception):
    """The request is refused before any invocation; ``response`` is Lambda's answer."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def _qualifier(in_name: str | None, in_query: str | None) -> str | None:
    if in_name and in_query and in_name != in_query:
        raise _Rejected(
            _user_error(
                400,
                "InvalidParameterValueException",
                "The derived qualifier from the function name does not match the specified "
                "qualifier.",
            )
        )
    return in_name or in_query


def _bound(function: DeployedFunction, qualifier: str | None) -> Callable[[Any], InvokeResult]:
    """``function``'s invoke through ``qualifier``, checked first: Lambda refuses a bad one."""
    assert function.invoke is not None
    invoke = function.invoke

    def refused(error: LookupError) -> _Rejected:
        if isinstance(error, UnknownQualifier):
            return _Rejected(
                _user_error(404, "ResourceNotFoundException", f"Function not found: {error}")
            )
        return _Rejected(
            _user_error(409, "ResourceConflictException", f"{error} (an emulation gap)")
        )

    try:
        if function.check is not None:
            function.check(qualifier)
    except (UnknownQualifier, VersionNotRunnable) as error:
        raise refused(error) from None

    def bound(event: Any) -> InvokeResult:
        try:
            return invoke(event, qualifier)
        except (UnknownQualifier, VersionNotRunnable) as error:
            raise refused(error) from None

    return bound


def _invocation_type(request: Request, asynchronous: bool) -> str:
    if asynchronous:
        return "Event"
    invocation_type = request.headers.get("X-Amz-Invocation-Type") or "RequestResponse"
    if invocation_type not in INVOCATION_TYPES:
        raise _Rejected(
            _user_error(
                400,
                "ValidationException",
                f"1 validation error detected: Value '{invocation_type}' at 'invocationType' "
                f"failed to satisfy constraint: Member must satisfy enum value set: "
                f"[{', '.join(INVOCATION_TYPES)}]",
            )
        )
    return invocation_type


def _payload_limit(invocation_type: str, invoke_async: bool) -> int:
    if invoke_async:
        return INVOKE_ASYNC_PAYLOAD_LIMIT
    return ASYNC_PAYLOAD_LIMIT if invocation_type == "Event" else SYNC_PAYLOAD_LIMIT


def _event(request: Request, limit: int) -> Any:
    """The request's payload as the event, within ``limit`` bytes."""
    payload = request.get_data(cache=False)
    if len(payload) > limit:
        message = f"Request must be smaller than {limit} bytes for the InvokeFunction operation"
        raise _Rejected(_service_error(413, "RequestEntityTooLargeException", {"Message": message}))
    try:
        return json.loads(payload) if payload.strip() else {}
    except ValueError as error:
        raise _Rejected(
            _user_error(
                400,
                "InvalidRequestContentException",
                f"Could not parse request body into json: Could not parse payload into json: "
                f"{error}",
            )
        ) from None


def _invocation_response(result: InvokeResult, *, tail: bool) -> Response:
    """A synchronous invocation's answer: the payload, or the error document as Lambda words it."""
    error = result.error
    if error is not None and error.kind == "throttled":
        return _user_error(429, "TooManyRequestsException", error.message)
    headers = {
        "x-amzn-RequestId": result.request_id,
        "X-Amz-Executed-Version": result.executed_version,
    }
    if tail:
        tail_bytes = result.logs.encode("utf-8")[-LOG_TAIL_BYTES:]
        headers["X-Amz-Log-Result"] = base64.b64encode(tail_bytes).decode("ascii")
    if error is None:
        body = json.dumps(result.payload)
    else:
        headers["X-Amz-Function-Error"] = "Unhandled"
        body = json.dumps(error_document(error, result.request_id))
    return Response(body, status=200, headers=headers, content_type="application/json")


def error_document(error: FunctionError, request_id: str) -> dict[str, Any]:
    """The payload Lambda returns for a function error.

    The Python runtime's shape for a handler or init error (``errorMessage``,
    ``errorType``, ``requestId``, ``stackTrace``); for what the service itself detects
    (a timeout, a crash) only the type and message, as Lambda reports them.
    """
    document: dict[str, Any] = {"errorMessage": error.message, "errorType": error.error_type}
    if error.kind in ("unhandled", "init"):
        document["requestId"] = request_id if error.kind == "unhandled" else ""
        document["stackTrace"] = error.traceback.splitlines(keepends=True)
    return document


def _run_in_background(name: str, invoke: Callable[[Any], InvokeResult], event: Any) -> None:
    """An ``Event`` invocation: run it, and log a failure where Lambda would retry."""
    try:
        result = invoke(event)
    except Exception as error:  # the workers closed, or the alias went: nothing ran
        _LOG.warning("asynchronous invocation of %s did not run: %s", name, error)
        return
    if result.error is not None:
        _LOG.warning(
            "asynchronous invocation of %s (request %s) failed: %s: %s; Lambda would retry "
            "it up to two more times, the embedded target does not",
            name,
            result.request_id,
            result.error.error_type,
            result.error.message,
        )


def _user_error(status: int, error_type: str, message: str) -> Response:
    """An error of the request (not of the function), in Lambda's REST-JSON form."""
    return _service_error(status, error_type, {"Type": "User", "message": message})


def _service_error(status: int, error_type: str, body: dict[str, str]) -> Response:
    headers = {"x-amzn-ErrorType": error_type, "x-amzn-RequestId": str(uuid.uuid4())}
    return Response(
        json.dumps(body), status=status, headers=headers, content_type="application/json"
    )
