"""The Lambda side of a deployed embedded stack: its versions, and what serves its traffic.

Shared by the first deploy (:mod:`target`) and every release after it (:mod:`releases`):
which published versions a template's ``AWS::Lambda::Version`` resources froze, which
version an alias routes a function's API traffic to, and what the Lambda Invoke API
serves for each function (every invocation journaled for failure reports).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from moto.awslambda.utils import get_backend as lambda_backend
from moto.cloudformation.models import cloudformation_backends

from harness.build.package import PackagedFunction
from harness.sam import SamModel
from harness.targets.base import Gap
from harness.targets.embedded.lambda_api import DeployedFunction
from harness.targets.embedded.versions import LATEST
from harness.targets.embedded.workers import ACCOUNT_ID, InvokeResult

if TYPE_CHECKING:
    from harness.targets.embedded.target import EmbeddedStack


def invokable_functions(
    stack: EmbeddedStack, packaged: Mapping[str, PackagedFunction], without_workers: list[Gap]
) -> list[DeployedFunction]:
    """What the Lambda Invoke API serves for a stack: each function by its physical name."""
    assert stack.versions is not None
    versions = stack.versions
    journal = stack.journal

    def invoke(logical_id: str) -> Callable[[Any, str | None], InvokeResult]:
        return lambda event, qualifier: journal.record(
            logical_id, versions.invoke(logical_id, event, qualifier=qualifier)
        )

    runnable = [
        DeployedFunction(
            name=stack.physical_ids[logical_id],
            region=stack.region,
            invoke=invoke(logical_id),
            check=functools.partial(versions.resolve, logical_id),
        )
        for logical_id in packaged
    ]
    unrunnable = [
        DeployedFunction(
            name=stack.physical_ids[gap.logical_id],
            region=stack.region,
            invoke=None,
            unavailable=gap.reason,
        )
        for gap in without_workers
        if gap.logical_id in stack.physical_ids
    ]
    return runnable + unrunnable


def api_qualifiers(model: SamModel) -> dict[str, str]:
    """The alias each function's API events invoke: SAM points them at ``AutoPublishAlias``."""
    return {
        logical_id: function.auto_publish_alias
        for logical_id, function in model.functions.items()
        if function.auto_publish_alias
    }


def function_timeouts(model: SamModel) -> dict[str, float]:
    """Each function's ``Timeout`` in seconds: the API front needs it to tell which strikes
    first, its integration timeout or the function's own."""
    return {logical_id: float(f.timeout_s) for logical_id, f in model.functions.items()}


def publish_versions(
    stack: EmbeddedStack, template: Mapping[str, Any], logical_ids: list[str]
) -> None:
    """Freeze a worker spec for each ``AWS::Lambda::Version`` among ``logical_ids``.

    Its physical id is the version's ARN (``...:function:name:3``) and its function the
    ``Ref`` of its ``FunctionName``; the spec is that function's ``$LATEST`` spec now, which
    is what Lambda snapshots when it publishes.
    """
    assert stack.versions is not None
    resources = template.get("Resources", {})
    for logical_id in logical_ids:
        resource = resources.get(logical_id) or {}
        function = (resource.get("Properties") or {}).get("FunctionName")
        number = stack.physical_ids.get(logical_id, "").rpartition(":")[2]
        if (
            resource.get("Type") == "AWS::Lambda::Version"
            and isinstance(function, dict)
            and function.get("Ref") in stack.versions.functions
            and number.isdigit()
        ):
            stack.versions.publish(function["Ref"], number)


def serving_version(stack: EmbeddedStack, logical_id: str) -> str:
    """The version a function's API traffic runs on now: its alias's, else ``$LATEST``."""
    assert stack.deployed is not None
    alias = stack.deployed.qualifiers.get(logical_id)
    if alias is None:
        return LATEST
    backend = lambda_backend(ACCOUNT_ID, stack.region)
    return str(backend.get_alias(alias, stack.physical_ids[logical_id]).function_version)


def moto_stack_id(stack_name: str, region: str) -> str:
    return cloudformation_backends[ACCOUNT_ID][region].get_stack(stack_name).stack_id
