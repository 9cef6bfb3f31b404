"""The ``localstack`` target: the stack created by LocalStack in a container.

Needs a Docker engine (LocalStack runs in one, and runs each Lambda in another through
the mounted Docker socket) and ``LOCALSTACK_AUTH_TOKEN`` (HTTP APIs are a paid LocalStack
feature; the image is the Pro one). LocalStack runs the SAM transform itself, so the
template goes to ``create_stack`` as written, once its code is packaged to LocalStack's S3;
our own transform runs only to check the outputs' references first.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from harness.targets.base import (
    Endpoint,
    Stack,
    Target,
    TargetUnavailable,
)
from harness.targets.discovery import discover_stack
from harness.targets.registry import CAPABILITIES

if TYPE_CHECKING:
    from testcontainers.community.localstack import LocalStackContainer

# Pinned: `latest` changes under a pipeline without a commit. Override to try another.
PINNED_IMAGE = "localstack/localstack-pro:4.4.0"
IMAGE_VARIABLE = "HARNESS_LOCALSTACK_IMAGE"
AUTH_TOKEN_VARIABLE = "LOCALSTACK_AUTH_TOKEN"
SERVICES = (
    "cloudformation",
    "s3",
    "lambda",
    "dynamodb",
    "apigateway",
    "iam",
    "logs",
    "sns",
    "cloudwatch",
    "sts",
)

DOCKER_SOCKET = "/var/run/docker.sock"
CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}


@dataclass(frozen=True)
class LocalStackConfig:
    """Everything the container is started with, decided without touching Docker."""

    image: str
    region: str
    environment: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_environ(cls, region: str, environ: Mapping[str, str]) -> LocalStackConfig:
        """Pass the auth token through; refuse early, in one line, when it is missing."""
        token = environ.get(AUTH_TOKEN_VARIABLE)
        if not token:
            raise TargetUnavailable(
                f"localstack target needs {AUTH_TOKEN_VARIABLE}: the app's HTTP API is a "
                "LocalStack Pro feature"
            )
        return cls(
            image=environ.get(IMAGE_VARIABLE) or PINNED_IMAGE,
            region=region,
            environment={
                AUTH_TOKEN_VARIABLE: token,
                "SERVICES": ",".join(SERVICES),
                "LAMBDA_DOCKER_FLAGS": "--add-host=host.docker.internal:host-gateway",
            },
        )

    def container(self) -> LocalStackContainer:
        """The testcontainers object; constructing it already needs a Docker engine."""
        from testcontainers.community.localstack import LocalStackContainer

        container = LocalStackContainer(image=self.image, region_name=self.region)
        for name, value in self.environment.items():
            container.with_env(name, value)
        return container.with_volume_mapping(DOCKER_SOCKET, DOCKER_SOCKET, "rw")


def probe_docker() -> None:
    """Fail in three seconds with one line, not with a stack trace per test."""
    try:
        import docker

        docker.from_env(timeout=3).ping()
    except Exception as error:
        raise TargetUnavailable(f"localstack target needs a Docker engine: {error}") from error


class LocalStackTarget(Target):
    """A LocalStack container for the session, removed again on teardown."""

    name = "localstack"
    capabilities: frozenset[str] = CAPABILITIES["localstack"]

    def __init__(
        self, region: str, cache_dir: Path, environ: Mapping[str, str] = os.environ
    ) -> None:
        probe_docker()
        self.config = LocalStackConfig.from_environ(region, environ)
        self._cache_dir = cache_dir.resolve()
        self._container = self.config.container().start()
        url = self._container.get_url()
        self.endpoint = Endpoint(region=region, url=url, credentials=CREDENTIALS)

    def deploy(self, template_path: Path, stack_name: str, parameters: Mapping[str, str]) -> Stack:
        from harness.build.package import create_bucket, package_template, s3_uploader
        from harness.sam import read_sam_model
        from harness.template.references import check_output_references
        from harness.template.transform import transform

        model = read_sam_model(template_path, parameters)
        check_output_references(
            model.document,
            transform(model.document, parameters, self.endpoint.region, source=template_path),
            template_path,
        )
        stack = Stack(name=stack_name, endpoint=self.endpoint, outputs={}, physical_ids={})
        bucket = f"harness-artifacts-{stack_name.lower()}"
        create_bucket(stack.client("s3"), bucket, self.endpoint.region)
        packaged = package_template(model, s3_uploader(stack.client("s3"), bucket), self._cache_dir)
        cloudformation = stack.client("cloudformation")
        cloudformation.create_stack(
            StackName=stack_name,
            TemplateBody=json.dumps(packaged.document),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
        cloudformation.get_waiter("stack_create_complete").wait(StackName=stack_name)
        return self._with_local_api_url(discover_stack(stack))

    def stack(self, stack_name: str) -> Stack:
        stack = Stack(name=stack_name, endpoint=self.endpoint, outputs={}, physical_ids={})
        return self._with_local_api_url(discover_stack(stack))

    def teardown(self, *, keep_logs: bool = False) -> None:
        del keep_logs  # its logs live in the container, which goes with it
        self._container.stop()

    def _with_local_api_url(self, stack: Stack) -> Stack:
        """Point ``ApiUrl`` and the APIs' URLs at LocalStack: they name the AWS host."""
        endpoint = str(self.endpoint.url)
        if "ApiUrl" in stack.outputs:
            stack.outputs["ApiUrl"] = local_api_url(stack.outputs["ApiUrl"], endpoint)
        stack.api_urls = {
            name: local_api_url(url, endpoint) for name, url in stack.api_urls.items()
        }
        return stack


def local_api_url(aws_api_url: str, endpoint_url: str) -> str:
    """``https://abc123.execute-api.us-east-1.amazonaws.com/`` → LocalStack's URL for abc123.

    Uses LocalStack's ``<api-id>.execute-api.localhost.localstack.cloud`` host form, whose
    public DNS record resolves to 127.0.0.1, on the container's mapped edge port; the path
    (a REST API's stage) is kept.
    """
    parts = urllib.parse.urlsplit(aws_api_url)
    api_id = parts.hostname.split(".")[0]  # type: ignore[union-attr]
    port = urllib.parse.urlsplit(endpoint_url).port
    return f"http://{api_id}.execute-api.localhost.localstack.cloud:{port}{parts.path or '/'}"
