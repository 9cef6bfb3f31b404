"""The embedded target's moto server: loopback, random port, quiet, clear when it cannot start."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import backends as moto_backends

from harness.targets.embedded.moto_server import MotoServer, MotoServerError


def _dynamodb(endpoint_url: str):
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_serves_aws_apis_on_a_random_loopback_port(tmp_path: Path) -> None:
    server = MotoServer(request_log=tmp_path / "requests.log")
    try:
        assert server.endpoint_url.startswith("http://127.0.0.1:")
        assert not server.endpoint_url.endswith(":0")
        dynamodb = _dynamodb(server.endpoint_url)
        dynamodb.create_table(
            TableName="moto-server-probe",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        )
        assert "moto-server-probe" in dynamodb.list_tables()["TableNames"]
    finally:
        server.stop()


def test_request_log_goes_to_its_file_and_not_to_the_terminal(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    log = tmp_path / "requests.log"
    server = MotoServer(request_log=log)
    try:
        _dynamodb(server.endpoint_url).list_tables()
    finally:
        server.stop()
    assert '"POST / HTTP/1.1" 200 DynamoDB_20120810.ListTables' in log.read_text()
    captured = capfd.readouterr()
    assert "HTTP/1.1" not in captured.out + captured.err
    assert not caplog.records


def test_an_occupied_port_is_a_clear_error_naming_the_address(tmp_path: Path) -> None:
    with socket.socket() as occupied:
        occupied.bind(("127.0.0.1", 0))
        occupied.listen()
        port = occupied.getsockname()[1]
        with pytest.raises(MotoServerError, match=f"127.0.0.1:{port}"):
            MotoServer(request_log=tmp_path / "requests.log", port=port)


def test_stop_releases_the_port_and_is_idempotent(tmp_path: Path) -> None:
    server = MotoServer(request_log=tmp_path / "requests.log")
    port = int(server.endpoint_url.rsplit(":", 1)[1])
    server.stop()
    server.stop()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))


def test_moto_lists_its_services_once_per_host_not_once_per_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto's dispatcher lists its package directory to tell a service from a host; every
    AWS call of every handler passes here, so the answer is remembered per host."""
    listings: list[None] = []
    listing = moto_backends.list_of_moto_modules

    def counted() -> object:
        listings.append(None)
        return listing()

    monkeypatch.setattr(moto_backends, "list_of_moto_modules", counted)
    server = MotoServer(request_log=tmp_path / "requests.log")
    try:
        dynamodb = _dynamodb(server.endpoint_url)
        for _ in range(5):
            assert isinstance(dynamodb.list_tables()["TableNames"], list)
    finally:
        server.stop()
    assert len(listings) == 1


LIST_TABLES = {
    "X-Amz-Target": "DynamoDB_20120810.ListTables",
    "Content-Type": "application/x-amz-json-1.0",
    "Authorization": (
        "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=0"
    ),
}


def _connection(server: MotoServer) -> http.client.HTTPConnection:
    host, port = server.endpoint_url.removeprefix("http://").split(":")
    return http.client.HTTPConnection(host, int(port), timeout=10)


def test_one_connection_serves_request_after_request(tmp_path: Path) -> None:
    """Every AWS call a handler makes passes here: a new TCP connection and server thread per
    call (werkzeug's development server closes each one) cost a quarter of moto's CPU."""
    server = MotoServer(request_log=tmp_path / "requests.log")
    connection = _connection(server)
    try:
        sockets = []
        for _ in range(3):
            connection.request("POST", "/", body=b"{}", headers=LIST_TABLES)
            response = connection.getresponse()
            assert response.status == 200
            assert response.getheader("Connection", "").lower() != "close"
            assert b"TableNames" in response.read()
            sockets.append(connection.sock)
        assert sockets[0] is not None
        assert sockets == [sockets[0]] * 3
    finally:
        connection.close()
        server.stop()


def _answer_without_reading(app: Any) -> Any:
    """A front that answers ``/unread`` itself and never reads the request body."""

    def front(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ["PATH_INFO"] != "/unread":
            return app(environ, start_response)
        start_response("202 Accepted", [("Content-Length", "0")])
        return [b""]

    return front


def test_a_body_the_application_left_unread_does_not_reach_the_next_request(
    tmp_path: Path,
) -> None:
    server = MotoServer(request_log=tmp_path / "requests.log", front=_answer_without_reading)
    connection = _connection(server)
    try:
        connection.request("POST", "/unread", body=b"GET /smuggled HTTP/1.1\r\n\r\n" * 100)
        first = connection.getresponse()
        first.read()
        assert first.status == 202
        connection.request("POST", "/", body=b"{}", headers=LIST_TABLES)
        second = connection.getresponse()
        assert second.status == 200
        assert b"TableNames" in second.read()
    finally:
        connection.close()
        server.stop()
    assert "/smuggled" not in (tmp_path / "requests.log").read_text()


def _fail(app: Any) -> Any:
    """A front whose ``/fail`` raises."""

    def front(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ["PATH_INFO"] == "/fail":
            raise RuntimeError("front broke")
        return app(environ, start_response)

    return front


def test_a_failing_application_answers_500_and_logs_to_the_file_only(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "requests.log"
    server = MotoServer(request_log=log, front=_fail)
    connection = _connection(server)
    try:
        connection.request("POST", "/fail", body=b"{}")
        assert connection.getresponse().status == 500
    finally:
        connection.close()
        server.stop()
    assert "RuntimeError: front broke" in log.read_text()
    captured = capfd.readouterr()
    assert "front broke" not in captured.out + captured.err


def test_a_server_nobody_stopped_does_not_keep_its_process_alive(tmp_path: Path) -> None:
    """An interrupted session may never reach ``stop()``; its process must still exit."""
    script = (
        "import sys; from pathlib import Path; "
        "from harness.targets.embedded.moto_server import MotoServer; "
        "print(MotoServer(request_log=Path(sys.argv[1])).endpoint_url, flush=True)"
    )
    finished = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "requests.log")],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.startswith("http://127.0.0.1:")
