"""moto in server mode on a loopback port: the AWS account of the embedded target.

Server mode rather than ``mock_aws()`` because the Lambda workers are other processes:
they reach DynamoDB over HTTP through ``AWS_ENDPOINT_URL``, exactly as deployed code
reaches the real service. The server runs in a thread of this process, so its backends
are this process's moto backends.

A ``front`` may wrap moto's WSGI application: the embedded target's Lambda Invoke API
answers its own requests there and hands every other one to moto untouched, on the same
port, so clients keep one endpoint and pay no extra hop.

moto serves through cheroot (CherryPy's WSGI server), not werkzeug's development server
that ``moto.server`` uses: werkzeug's closes the connection after every response
(``Connection: close``, "keep-alive connections aren't handled well by Python's
http.server"), so each AWS call a handler or test made opened a TCP connection and a server
thread, then waited on a drain. Measured 2026-12-03, boto3 ``GetItem`` calls alternating
between the two servers: the CPU a call costs went from 5.5 to 4.1 ms, its latency from 5.1
to 4.7 ms in the server's process and from 4.1 to 3.6 ms from a python3.12 Lambda worker.
cheroot keeps connections open across requests, drains a body the application left unread,
and parks idle connections in a selector rather than a thread. Its pool does not grow, so
it is sized above the environments that may call at once (:data:`SERVER_THREADS`); a
request beyond it waits for a thread rather than failing.

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
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from traceback import format_exc
from typing import IO, TYPE_CHECKING, Any

import requests
from cheroot import wsgi
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from harness.settings import DEFAULT_MAX_CONCURRENCY

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

Front = Callable[["WSGIApplication"], "WSGIApplication"]
"""Wraps moto's WSGI application; whatever it does not answer itself it passes on."""

MOTO_CONFIG = {"lambda": {"use_docker": False}, "batch": {"use_docker": False}}

SERVER_THREADS = 2 * DEFAULT_MAX_CONCURRENCY
"""Requests moto serves at once: one function's environment cap twice over (tests, other
functions). Idle keep-alive connections hold no thread."""

LISTEN_BACKLOG = 128
"""Connections the kernel queues before accepting (cheroot's default of 5 stalls bursts)."""

_STOP_TIMEOUT_S = 1.0
"""How long ``stop()`` lets in-flight requests finish: the harness must stop within 2 s."""


class MotoServerError(RuntimeError):
    """moto could not listen; the message names the address it tried."""


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


class _RequestLog:
    """One access-log line per request, and the server's own errors, in one file.

    Never the terminal: cheroot writes its errors to stderr unless told otherwise.
    """

    def __init__(self, path: Path) -> None:
        self._file: IO[str] = path.open("a", encoding="utf-8", buffering=1)
        self._lock = threading.Lock()

    def wrap(self, app: WSGIApplication) -> WSGIApplication:
        def logged(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
            def start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
                self.request(environ, status)
                return start_response(status, headers, *exc_info)

            return app(environ, start)

        return logged

    def request(self, environ: WSGIEnvironment, status: str) -> None:
        target = environ.get("HTTP_X_AMZ_TARGET")
        path = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING")
        line = (
            f"{environ.get('REMOTE_ADDR', '-')} - - [{time.strftime('%d/%b/%Y %H:%M:%S')}] "
            f'"{environ.get("REQUEST_METHOD")} {path}{"?" + query if query else ""} '
            f'{environ.get("SERVER_PROTOCOL")}" {status.split(" ", 1)[0]}'
            f"{' ' + target if target else ''}"
        )
        self.write(line)

    def write(self, text: str) -> None:
        with self._lock:
            if not self._file.closed:
                self._file.write(text.rstrip("\n") + "\n")

    def close(self) -> None:
        with self._lock:
            self._file.close()


class _QuietServer(wsgi.Server):
    """cheroot's server with its error messages in the request log, not on stderr.

    Its selector loop sees a stop request only when its wait ends, every
    ``expiration_interval``: cheroot's 0.5 s made every target's teardown half a second.
    """

    request_log: _RequestLog
    expiration_interval = 0.05

    def error_log(self, msg: str = "", level: int = 20, traceback: bool = False) -> None:
        if traceback:
            msg = f"{msg}\n{format_exc()}"
        self.request_log.write(msg)


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
        self.request_log = request_log
        self._log = _RequestLog(request_log)
        app: WSGIApplication = _Dispatcher(create_backend_app)
        if front is not None:
            app = front(app)
        self._server = _QuietServer(
            (host, port),
            self._log.wrap(app),
            numthreads=SERVER_THREADS,
            server_name="moto",
            request_queue_size=LISTEN_BACKLOG,
            shutdown_timeout=_STOP_TIMEOUT_S,
        )
        self._server.request_log = self._log
        self._server.keep_alive_conn_limit = None  # idle connections cost a socket, no thread
        self._startup_error: OSError | None = None
        listening = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(listening,), name="moto-server", daemon=True
        )
        self._thread.start()
        listening.wait()
        if self._startup_error is not None:
            self._log.close()
            raise MotoServerError(
                f"moto server could not listen on {host}:{port}: {self._startup_error}"
            ) from self._startup_error
        self._lock = threading.Lock()
        self._running = True
        bound_host, bound_port = self._server.bind_addr[:2]
        self.endpoint_url = f"http://{bound_host}:{bound_port}"
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

    def _serve(self, listening: threading.Event) -> None:
        """Bind, then serve until stopped; on this daemon thread.

        cheroot's worker threads take their daemon flag from the thread that starts them:
        started from this one, a server nobody stopped (an interrupted session) cannot keep
        the interpreter from exiting.
        """
        try:
            self._server.prepare()
        except OSError as error:
            self._startup_error = error
            return
        finally:
            listening.set()
        self._server.serve()

    def stop(self) -> None:
        """Stop serving, close every connection and the request log; safe to call twice.

        Bounded: cheroot's own stop joins a worker still inside a request without a timeout.
        """
        with self._lock:
            if not self._running:
                return
            self._running = False
        stopping = threading.Thread(target=self._server.stop, name="moto-server-stop", daemon=True)
        stopping.start()
        stopping.join(2 * _STOP_TIMEOUT_S)
        self._thread.join(_STOP_TIMEOUT_S)
        self._log.close()
