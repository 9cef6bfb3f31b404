"""The embedded target's moto server: loopback, random port, quiet, clear when it cannot start."""

from __future__ import annotations

import socket
from pathlib import Path

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
    assert "POST / HTTP/1.1" in log.read_text()
    captured = capfd.readouterr()
    assert "HTTP/1.1" not in captured.out + captured.err
    assert not [record for record in caplog.records if record.name == "werkzeug"]


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
