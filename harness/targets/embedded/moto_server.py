"""moto in server mode on a loopback port: the AWS account of the embedded target.

Server mode rather than ``mock_aws()`` because the Lambda workers are other processes:
they reach DynamoDB over HTTP through ``AWS_ENDPOINT_URL``, exactly as deployed code
reaches the real service. The server runs in a thread of this process, so its backends
are this process's moto backends.

A ``front`` may wrap moto's WSGI application: the embedded target's Lambda Invoke API
answers its own requests there and hands every other one to moto untouched, on the same
port, so clients keep one endpoint and pay no extra hop. Request heads are read by
:mod:`http_head`: every AWS call a handler makes passes here.

moto's dispatcher tells a service from a request's host by listing its own package
directory (``os.listdir`` and an ``isdir`` per entry, some 200 system calls) on every
request: a third of moto's CPU per DynamoDB call. The answer depends on the host alone and
moto's files do not change while it serves, so :class:`_Dispatcher` remembers it per host.

moto never runs Lambda code here (our workers do), so its Docker path is switched off
with moto's documented server-mode setting (``POST /moto-api/config`` with
``{"lambda": {"use_docker": false}}``, docs/configuration/index.rst): left on, an Invoke
that reaches moto prints Docker warnings and leaves a zombie ``curl`` child behind
(``settings.get_docker_host`` runs it through ``os.popen``).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.server import ThreadedMotoServer
from werkzeug.serving import WSGIRequestHandler, make_server

from harness.targets.embedded.http_head import HeadParsing

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

Front = Callable[["WSGIApplication"], "WSGIApplication"]
"""Wraps moto's WSGI application; whatever it does not answer itself it passes on."""

MOTO_CONFIG = {"lambda": {"use_docker": False}, "batch": {"use_docker": False}}

# werkzeug logs one line per request on this logger, to stderr unless it has a handler.
_REQUEST_LOGGER = logging.getLogger("werkzeug")


class _DivertToFile(logging.Filter):
    """Hands every record to one file handler and stops it there.

    A handler plus ``propagate = False`` is not enough: pytest's log capture attaches
    itself to non-propagating loggers too, and every failing test's report would list
    moto's requests. A logger filter runs before any handler, so nothing else sees them.
    """

    def __init__(self, handler: logging.Handler) -> None:
        super().__init__()
        self.handler = handler

    def filter(self, record: logging.LogRecord) -> bool:
        self.handler.handle(record)
        return False


class MotoServerError(RuntimeError):
    """moto could not listen; the message names the address it tried."""


class _MotoRequestHandler(HeadParsing, WSGIRequestHandler):
    """werkzeug's handler reading request heads without the ``email`` package (:mod:`http_head`)."""


class _Dispatcher(DomainDispatcherApplication):
    """moto's dispatcher, with the backend for each host looked up once (see module doc)."""

    def __init__(self, create_app: Callable[..., Any]) -> None:
        super().__init__(create_app)
        self._backend_for_host = functools.lru_cache(maxsize=_HOSTS_REMEMBERED)(
            super().get_backend_for_host
        )

    def get_backend_for_host(self, host: str | None) -> Any:
        return self._backend_for_host(host)


_HOSTS_REMEMBERED = 1024
"""Distinct hosts a session sends: services times regions, and S3's virtual-hosted buckets."""


class _StartupReportingServer(ThreadedMotoServer):
    """ThreadedMotoServer with a front, whose ``start()`` returns when binding fails.

    Upstream sets its ready event only after the socket is bound, so a bind error kills
    the server thread and leaves ``start()`` waiting forever. Upstream's entry point has
    no place for a front, hence these few lines of it here.
    """

    startup_error: BaseException | None = None
    front: Front | None = None

    def _server_entry(self) -> None:
        try:
            app: WSGIApplication = _Dispatcher(create_backend_app)
            if self.front is not None:
                app = self.front(app)
            self._server = make_server(
                self._ip_address,
                self._port,
                app,
                threaded=True,
                request_handler=_MotoRequestHandler,
            )
            self._server_ready_event.set()
            self._server.serve_forever()
        except BaseException as error:
            self.startup_error = error
            self._server_ready_event.set()


class MotoServer:
    """One moto server for one target, its request log in a file, never on the terminal."""

    def __init__(
        self,
        request_log: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        front: Front | None = None,
    ) -> None:
        self._host = host
        self._log_filter = _DivertToFile(logging.FileHandler(request_log, encoding="utf-8"))
        self.request_log = request_log
        self._server = _StartupReportingServer(ip_address=host, port=port, verbose=False)
        self._server.front = front
        self._lock = threading.Lock()
        self._running = False
        self._start(port)

    def _start(self, port: int) -> None:
        # Request lines are INFO: below the default WARNING they would never reach the filter.
        _REQUEST_LOGGER.setLevel(logging.INFO)
        _REQUEST_LOGGER.addFilter(self._log_filter)
        self._server.start()
        if self._server.startup_error is not None:
            self._detach_log()
            raise MotoServerError(
                f"moto server could not listen on {self._host}:{port}: {self._server.startup_error}"
            ) from self._server.startup_error
        self._running = True
        host, bound_port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{bound_port}"
        try:
            with requests.Session() as session:
                session.trust_env = False  # loopback: no proxy from the environment
                configured = session.post(
                    f"{self.endpoint_url}/moto-api/config", json=MOTO_CONFIG, timeout=10
                )
                configured.raise_for_status()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop serving and close the request log; safe to call twice."""
        with self._lock:
            if not self._running:
                return
            self._running = False
        self._server.stop()
        self._detach_log()

    def _detach_log(self) -> None:
        _REQUEST_LOGGER.removeFilter(self._log_filter)
        self._log_filter.handler.close()
