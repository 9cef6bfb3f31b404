"""When moto's CloudFormation fails, an error that names the resource and moto's exception.

A resource moto cannot create fails ``CreateStack`` in one of two shapes, neither of which
a user can act on: an exception escapes moto (the server answers a bare 500, which botocore
cannot parse, "invalid XML received", and retries as a server error, re-running the
half-done create each time), or a service error of the resource's own API is answered in
that API's protocol (a JSON ``BadRequestException`` from API Gateway) to a client that
expects CloudFormation's XML. Neither names the resource.

So :func:`install` wraps moto's ``parse_and_create_resource`` (the one function moto's
CloudFormation creates every resource through) to re-raise whatever it raises as
:class:`ResourceCreationFailed`, naming the logical id and type; and
:class:`CloudFormationFailures`, a front on moto's server, answers that (or any other
exception on a CloudFormation request) the way an AWS query-protocol service reports a
failure (``<ErrorResponse><Error><Code>``, status 400 so no client retries it), and writes
moto's traceback to a file.
"""

from __future__ import annotations

import functools
import threading
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from moto.cloudformation import parsing

from harness.targets.embedded.lambda_api import CREDENTIAL_SCOPE

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

FAILURE_CODE = "InternalFailure"


class ResourceCreationFailed(Exception):
    """moto's CloudFormation could not create one resource; the cause is chained."""

    def __init__(self, logical_id: str, resource_type: str, cause: BaseException) -> None:
        super().__init__(
            f"moto failed creating {logical_id} ({resource_type}): "
            f"{type(cause).__name__}: {_message(cause)}"
        )
        self.logical_id = logical_id
        self.resource_type = resource_type


def install() -> None:
    """Wrap moto's resource creation so its failures name the resource; idempotent."""
    create = parsing.parse_and_create_resource
    if getattr(create, "harness_wrapped", False):
        return

    @functools.wraps(create)
    def creating(logical_id: str, resource_json: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return create(logical_id, resource_json, *args, **kwargs)
        except Exception as error:
            raise ResourceCreationFailed(
                logical_id, str(resource_json.get("Type")), error
            ) from error

    creating.harness_wrapped = True  # type: ignore[attr-defined]
    parsing.parse_and_create_resource = creating


class CloudFormationFailures:
    """Turns moto's failures on CloudFormation requests into AWS errors; logs each traceback."""

    def __init__(self, traceback_log: Path) -> None:
        self.traceback_log = traceback_log
        self._lock = threading.Lock()

    def front(self, app: WSGIApplication) -> WSGIApplication:
        def serve(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
            scope = CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
            if scope is None or scope["service"] != "cloudformation":
                return app(environ, start_response)
            try:
                return app(environ, start_response)
            except Exception as error:
                self._log(error)
                message = (
                    str(error)
                    if isinstance(error, ResourceCreationFailed)
                    else (f"moto failed: {type(error).__name__}: {_message(error)}")
                )
                body = _error_response(message).encode()
                start_response(
                    "400 Bad Request",
                    [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))],
                )
                return [body]

        return serve

    def _log(self, error: Exception) -> None:
        with self._lock, self.traceback_log.open("a", encoding="utf-8") as log:
            log.write("".join(traceback.format_exception(error)) + "\n")


def _message(error: BaseException) -> str:
    """moto's service errors keep their text in ``message``; others in ``str()``."""
    message = getattr(error, "message", None)
    return message if isinstance(message, str) and message else str(error)


def _error_response(message: str) -> str:
    return (
        '<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">'
        f"<Error><Type>Receiver</Type><Code>{FAILURE_CODE}</Code>"
        f"<Message>{escape(message)}</Message></Error>"
        "<RequestId>harness-embedded</RequestId></ErrorResponse>"
    )
