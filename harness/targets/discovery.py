"""Stack discovery, the same on every target: what the suites read of a deployed stack.

Outputs from ``describe_stacks``, physical ids from ``list_stack_resources``, each API's
base URL from those resources (:mod:`harness.targets.api_urls`): the embedded, localstack
and aws targets all fill their :class:`~harness.targets.base.Stack` here, so a suite reads
the same thing wherever the stack runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.targets.api_urls import api_base_urls
from harness.targets.base import Stack, StackNotReady

if TYPE_CHECKING:
    from botocore.client import BaseClient

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
    summaries = resource_summaries(cloudformation, stack.name)
    stack.physical_ids = physical_ids(summaries)
    stack.api_urls = api_base_urls(summaries, stack.region)
    return stack


def resource_summaries(cloudformation: BaseClient, stack_name: str) -> list[dict[str, Any]]:
    """Every ``list_stack_resources`` summary of ``stack_name``, all pages."""
    return [
        summary
        for page in cloudformation.get_paginator("list_stack_resources").paginate(
            StackName=stack_name
        )
        for summary in page["StackResourceSummaries"]
    ]


def physical_ids(summaries: list[dict[str, Any]]) -> dict[str, str]:
    """Physical id by logical id (empty while a resource is being created)."""
    return {
        summary["LogicalResourceId"]: summary.get("PhysicalResourceId", "") for summary in summaries
    }


__all__ = ["HEALTHY_STATUSES", "discover_stack", "physical_ids", "resource_summaries"]
