"""The ``aws`` target: a stack that the pipeline already deployed, found by name.

Nothing is deployed from here: in CodePipeline the deploy action owns the stack, and a
test run that could create or replace it would be a second, unaudited deploy path.
Credentials come from boto3's normal chain (the CodeBuild role, a profile, an assumed
role), so the harness never handles a secret.

The endpoint is boto3's too, so ``AWS_ENDPOINT_URL`` points the target at an emulator. When
it names a running ``harness up`` (its state file says so), the target keeps only the
capabilities that endpoint has and reports its emulation gaps: the release checks that need
aliases, CodeDeploy or alarms skip there instead of failing. Without credentials or with an
unreachable endpoint, discovery raises :class:`TargetUnreachable` naming region and
endpoint, so the session fails once instead of every test on its own.

Each API's base URL comes from the stack's resources (:mod:`harness.targets.api_urls`), so
``stack.api_url`` works without an ``ApiUrl`` output; a ``harness up`` it attaches to
publishes the local URLs of its APIs instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from harness.targets.base import (
    ClientFactory,
    Endpoint,
    Stack,
    Target,
    TargetUnreachable,
    make_client,
)
from harness.targets.discovery import discover_stack
from harness.targets.registry import CAPABILITIES, capabilities_for

if TYPE_CHECKING:
    from harness.targets.embedded.up_state import UpState


class AwsTarget(Target):
    """Discovers stacks in a real AWS account; never creates, changes or deletes one."""

    name = "aws"
    capabilities: frozenset[str] = CAPABILITIES["aws"]

    def __init__(
        self,
        region: str,
        client_factory: ClientFactory = make_client,
        *,
        running_up: UpState | None = None,
    ) -> None:
        """``running_up``: the ``harness up`` that boto3's endpoint turned out to be."""
        self.endpoint = Endpoint(region=region)
        self._client_factory = client_factory
        self._running_up = running_up
        if running_up is not None:
            self.capabilities = capabilities_for("aws", running_up)

    def deploy(self, template_path: Path, stack_name: str, parameters: Mapping[str, str]) -> Stack:
        raise NotImplementedError(
            f"the aws target never deploys (asked to deploy {template_path} as {stack_name!r}): "
            "deploy through the pipeline, then run with --stack-name"
        )

    def stack(self, stack_name: str) -> Stack:
        from botocore.exceptions import (
            ConnectionClosedError,
            ConnectTimeoutError,
            EndpointConnectionError,
            NoCredentialsError,
        )

        stack = self._new_stack(stack_name)
        endpoint_url = stack.client("cloudformation").meta.endpoint_url
        where = f"region {self.endpoint.region}, endpoint {endpoint_url}"
        try:
            discover_stack(stack)
        except NoCredentialsError:
            raise TargetUnreachable(
                f"no AWS credentials found ({where}): boto3 looked in the environment, the "
                "shared config and credentials files, and the container and instance roles"
            ) from None
        except (EndpointConnectionError, ConnectTimeoutError, ConnectionClosedError) as error:
            raise TargetUnreachable(f"endpoint unreachable ({where}): {error}") from None
        if self._running_up is not None and stack_name in self._running_up.stacks:
            running = self._running_up.stacks[stack_name]
            stack.emulation_gaps = list(running.emulation_gaps)
            stack.api_urls = dict(running.api_urls)
        return stack

    def _new_stack(self, stack_name: str) -> Stack:
        """The stack before discovery; one a running ``harness up`` serves knows its logs."""
        running = None if self._running_up is None else self._running_up.stacks.get(stack_name)
        if running is None:
            return Stack(
                name=stack_name,
                endpoint=self.endpoint,
                outputs={},
                physical_ids={},
                client_factory=self._client_factory,
            )
        from harness.targets.embedded.attached import RunningUpStack

        assert self._running_up is not None
        return RunningUpStack(
            name=stack_name,
            endpoint=self.endpoint,
            outputs={},
            physical_ids={},
            client_factory=self._client_factory,
            log_dir=Path(self._running_up.log_dir),
            functions=dict(running.functions),
        )

    def teardown(self, *, keep_logs: bool = False) -> None:
        """Nothing to release: the stack belongs to the pipeline."""


def resolved_endpoint_url(region: str) -> str:
    """The endpoint boto3 uses for CloudFormation here (``AWS_ENDPOINT_URL`` or AWS's own)."""
    return make_client("cloudformation", Endpoint(region=region)).meta.endpoint_url
