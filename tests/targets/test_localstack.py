"""The localstack target's configuration, checked without Docker (none exists here)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from harness.targets import localstack
from harness.targets.base import TargetUnavailable
from harness.targets.localstack import LocalStackConfig, local_api_url
from harness.template.errors import TemplateError

TOKEN = {"LOCALSTACK_AUTH_TOKEN": "ls-token-123"}


def test_the_image_is_pinned_and_the_token_passed_through() -> None:
    config = LocalStackConfig.from_environ("eu-west-1", TOKEN)
    assert config.image == localstack.PINNED_IMAGE
    assert not config.image.endswith(":latest")
    assert ":" in config.image
    assert config.environment["LOCALSTACK_AUTH_TOKEN"] == "ls-token-123"
    assert config.region == "eu-west-1"


def test_only_the_services_the_app_uses_are_started() -> None:
    services = LocalStackConfig.from_environ("us-east-1", TOKEN).environment["SERVICES"]
    assert {"cloudformation", "lambda", "dynamodb", "apigateway", "s3"} <= set(services.split(","))


def test_the_image_can_be_overridden_explicitly() -> None:
    environ = {**TOKEN, "HARNESS_LOCALSTACK_IMAGE": "localstack/localstack-pro:9.9.9"}
    assert LocalStackConfig.from_environ("us-east-1", environ).image.endswith(":9.9.9")


def test_without_a_token_the_target_is_unavailable_in_one_line() -> None:
    with pytest.raises(TargetUnavailable) as raised:
        LocalStackConfig.from_environ("us-east-1", {})
    assert "LOCALSTACK_AUTH_TOKEN" in str(raised.value)
    assert "\n" not in str(raised.value)


def test_the_container_carries_the_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    """Built against a stand-in Docker client: constructing one needs a live engine."""
    import testcontainers.core.container as container_module

    class NoDockerClient:
        def __init__(self, **kwargs: Any) -> None:
            del kwargs

    monkeypatch.setattr(container_module, "DockerClient", NoDockerClient)
    container = LocalStackConfig.from_environ("eu-west-1", TOKEN).container()
    assert container.image.endswith(localstack.PINNED_IMAGE)
    assert container.env["LOCALSTACK_AUTH_TOKEN"] == "ls-token-123"
    assert container.env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert container.volumes[localstack.DOCKER_SOCKET]["bind"] == localstack.DOCKER_SOCKET


def test_without_docker_the_probe_says_so_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(TargetUnavailable) as raised:
        localstack.probe_docker()
    message = str(raised.value)
    assert message.startswith("localstack target needs a Docker engine: ")
    assert "\n" not in message


def test_api_url_is_rewritten_to_localstacks_host_and_port() -> None:
    aws_url = "https://a1b2c3.execute-api.us-east-1.amazonaws.com/"
    assert local_api_url(aws_url, "http://localhost:49153") == (
        "http://a1b2c3.execute-api.localhost.localstack.cloud:49153/"
    )
    rest_url = "https://r3st.execute-api.us-east-1.amazonaws.com/Prod/"
    assert local_api_url(rest_url, "http://localhost:1") == (
        "http://r3st.execute-api.localhost.localstack.cloud:1/Prod/"
    )


def test_an_output_naming_a_missing_resource_fails_before_anything_is_sent(
    monkeypatch: pytest.MonkeyPatch, sample_app: Path, tmp_path: Path
) -> None:
    """Against a container stand-in whose URL nothing listens on: only the check can answer."""

    class Unreachable:
        def start(self) -> Unreachable:
            return self

        def get_url(self) -> str:
            return "http://127.0.0.1:9"

    monkeypatch.setattr(localstack, "probe_docker", lambda: None)
    monkeypatch.setattr(LocalStackConfig, "container", lambda _: Unreachable())
    app = shutil.copytree(sample_app.parent, tmp_path / "app")
    template = app / "template.yaml"
    template.write_text(template.read_text() + "  Broken:\n    Value: !Ref Nope\n")
    target = localstack.LocalStackTarget("us-east-1", tmp_path / "cache", environ=TOKEN)
    with pytest.raises(TemplateError, match=r"template.yaml:\d+: output Broken: !Ref Nope"):
        target.deploy(template, "broken-outputs", {"Stage": "dev"})
