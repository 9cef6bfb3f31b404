"""The ``aws`` target: a stack that the pipeline already deployed, found by name.

Nothing is deployed from here: in CodePipeline the deploy action owns the stack, and a
test run that could create or replace it would be a second, unaudited deploy path.
Credentials come from boto3's normal chain (the CodeBuild role, a profile, an assumed
role), so the harness never handles a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

from harness.targets.base import (
    Capability,
    ClientFactory,
    Endpoint,
    Stack,
    StackNotReady,
    Target,
    make_client,
)

# Only these mean "the last operation finished and left the stack as the template says".
# ROLLBACK_COMPLETE and UPDATE_ROLLBACK_COMPLETE end in _COMPLETE too, but the first is a
# stack whose creation failed (it holds nothing) and the second runs the previous
# template, not the one the pipeline meant to test.
HEALTHY_STATUSES = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"})


class AwsTarget(Target):
    """Discovers stacks in a real AWS account; never creates, changes or deletes one."""

    name = "aws"
    capabilities: ClassVar[frozenset[str]] = frozenset(
        {
            Capability.HTTP_API,
            Capability.LAMBDA_ALIAS,
            Capability.CODEDEPLOY,
            Capability.ALARMS,
            Capability.LOGS,
        }
    )

    def __init__(self, region: str, client_factory: ClientFactory = make_client) -> None:
        self.endpoint = Endpoint(region=region)
        self._client_factory = client_factory

    def deploy(self, template_path: Path, stack_name: str, parameters: Mapping[str, str]) -> Stack:
        raise NotImplementedError(
            f"the aws target never deploys (asked to deploy {template_path} as {stack_name!r}): "
            "deploy through the pipeline, then run with --stack-name"
        )

    def stack(self, stack_name: str) -> Stack:
        stack = Stack(
            name=stack_name,
            endpoint=self.endpoint,
            outputs={},
            physical_ids={},
            client_factory=self._client_factory,
        )
        return discover_stack(stack)

    def teardown(self) -> None:
        """Nothing to release: the stack belongs to the pipeline."""


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
    stack.physical_ids = {
        summary["LogicalResourceId"]: summary.get("PhysicalResourceId", "")
        for page in cloudformation.get_paginator("list_stack_resources").paginate(
            StackName=stack.name
        )
        for summary in page["StackResourceSummaries"]
    }
    return stack
