"""moto in server mode on a loopback port: the AWS account of the embedded target.

Server mode rather than ``mock_aws()`` because the Lambda workers are other processes:
they reach DynamoDB over HTTP through ``AWS_ENDPOINT_URL``, exactly as deployed code
reaches the real service. The server runs in a thread of this process, so its backends
are this process's moto backends.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from moto.server import ThreadedMotoServer

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


class _StartupReportingServer(ThreadedMotoServer):
    """ThreadedMotoServer whose ``start()`` returns when binding fails instead of hanging.

    Upstream sets its ready event only after the socket is bound, so a bind error kills
    the server thread and leaves ``start()`` waiting forever.
    """

    startup_error: BaseException | None = None

    def _server_entry(self) -> None:
        try:
            super()._server_entry()
        except BaseException as error:
            self.startup_error = error
            self._server_ready_event.set()


class MotoServer:
    """One moto server for one target, its request log in a file, never on the terminal."""

    def __init__(self, request_log: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._log_filter = _DivertToFile(logging.FileHandler(request_log, encoding="utf-8"))
        self.request_log = request_log
        self._server = _StartupReportingServer(ip_address=host, port=port, verbose=False)
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
