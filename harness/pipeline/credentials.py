"""The container-credentials endpoint a CodeBuild build gets its service role's keys from.

CodeBuild gives a build its project role through ECS's container-credentials protocol
(``AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`` on ``169.254.170.2``); botocore's container
provider, and with it a profile's ``credential_source = EcsContainer``, reads it. The
rehearsal serves the same JSON on a loopback port and hands builds
``AWS_CONTAINER_CREDENTIALS_FULL_URI`` (botocore accepts a full URI on loopback), one path
per project role, so the buildspecs' assume-role profiles work unchanged against the
embedded endpoint (whose STS accepts any key). Why not stdlib-only inline: it is.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote

from harness.targets.embedded.target import DUMMY_CREDENTIALS


class CredentialsEndpoint:
    """Serves credentials for any role ARN at ``/role/<quoted ARN>``; start and close it."""

    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def uri_for(self, role_arn: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/role/{quote(role_arn, safe='')}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if not self.path.startswith("/role/"):
            self.send_error(404)
            return
        role_arn = unquote(self.path.removeprefix("/role/"))
        expiration = datetime.now(UTC) + timedelta(hours=1)
        body = json.dumps(
            {
                "AccessKeyId": DUMMY_CREDENTIALS["aws_access_key_id"],
                "SecretAccessKey": DUMMY_CREDENTIALS["aws_secret_access_key"],
                "Token": DUMMY_CREDENTIALS["aws_session_token"],
                "Expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "RoleArn": role_arn,
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a build asks once per session; nothing to log."""
