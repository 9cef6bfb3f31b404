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
from typing import TYPE_CHECKING, Any

from harness.targets.api_urls import api_base_urls
from harness.targets.base import (
    ClientFactory,
    Endpoint,
    Stack,
    StackNotReady,
    Target,
    TargetUnreachable,
    make_client,
)
from harness.targets.registry import CAPABILITIES, capabilities_for

if TYPE_CHECKING:
    from botocore.client import BaseClient

    from harness.targets.embedded.up_state import UpState

# Only these mean "the last operation finished and left the stack as the template says".
# ROLLBACK_COMPLETE ends in _COMPLETE too, but it is a stack whose creation failed: it holds
# nothing to test.
HEALTHY_STATUSES = frozenset(
    {"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"}
)
"""Stable states a stack serves from. UPDATE_ROLLBACK_COMPLETE is "successful return of one or
more stacks to a previous working state after a failed stack update" (CloudFormation user
guide, stack status codes): after a release rolled back by its alarm the stack still serves
the old version, and the smoke gate's release checks are what must say so, naming the alias
and the deployment."""


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

        stack = Stack(
            name=stack_name,
            endpoint=self.endpoint,
            outputs={},
            physical_ids={},
            client_factory=self._client_factory,
        )
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

    def teardown(self, *, keep_logs: bool = False) -> None:
        """Nothing to release: the stack belongs to the pipeline."""


def resolved_endpoint_url(region: str) -> str:
    """The endpoint boto3 uses for CloudFormation here (``AWS_ENDPOINT_URL`` or AWS's own)."""
    return make_client("cloudformation", Endpoint(region=region)).meta.endpoint_url


def discover_stack(stack: Stack) -> Stack:
    """Fill a :class:`Stack`'s outputs and physical ids the way every target does.

    Shared by all targets so the suites read the same thing wherever the stack runs:
    outputs from ``describe_stacks``, physical ids from ``list_stack_resources``.
    """
    from botocore.exceptions import ClientError

    cloudformation = stack.client("cloudformation")
    try:
        described = cloudformation.describe_stacks(StackName=stack.name)["Stacks"][0]
    except ClientError as error:
        if "does not exist" in str(error):
            raise StackNotReady(stack.name, stack.region, "does not exist") from error
        raise StackNotReady(stack.name, stack.region, f"cannot be described: {error}") from error
    status = described["StackStatus"]
    if status not in HEALTHY_STATUSES:
        reason = described.get("StackStatusReason")
        raise StackNotReady(
            stack.name,
            stack.region,
            f"is {status}, expected one of {', '.join(sorted(HEALTHY_STATUSES))}"
            + (f" ({reason})" if reason else ""),
        )
    stack.outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    summaries = stack_resources(cloudformation, stack.name)
    stack.physical_ids = {
        summary["LogicalResourceId"]: summary.get("PhysicalResourceId", "") for summary in summaries
    }
    stack.api_urls = api_base_urls(summaries, stack.region)
    return stack


def stack_resources(cloudformation: BaseClient, stack_name: str) -> list[dict[str, Any]]:
    """Every ``list_stack_resources`` summary of ``stack_name``, all pages."""
    return [
        summary
        for page in cloudformation.get_paginator("list_stack_resources").paginate(
            StackName=stack_name
        )
        for summary in page["StackResourceSummaries"]
    ]
