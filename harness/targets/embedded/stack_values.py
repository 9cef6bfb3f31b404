"""Template fragments evaluated in a stack moto deployed, by moto's own intrinsic functions.

The SAM model keeps what it cannot resolve offline in CloudFormation's long form: an
authorizer's issuer ``!Sub "https://cognito-idp.${AWS::Region}.amazonaws.com/${Pool}"``,
an audience ``!ImportValue auth-client-id``. Once the stack exists, moto's CloudFormation
holds everything they name (parameters, physical ids, attributes, other stacks' exports),
so the fragment is evaluated there, with the same function moto resolves the template
with (``moto.cloudformation.parsing.clean_json``), rather than with a second evaluator
of ours. This reaches into moto's in-process backends, which the embedded target owns
(its moto server runs in this process).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from moto.cloudformation.models import cloudformation_backends
from moto.cloudformation.parsing import clean_json
from moto.core import DEFAULT_ACCOUNT_ID

Resolve = Callable[[Any], Any]


def stack_resolver(stack_name: str, region: str) -> Resolve:
    """Evaluate fragments in the live stack ``stack_name``; a KeyError if moto has none."""
    backend = cloudformation_backends[DEFAULT_ACCOUNT_ID][region]
    stack = next(
        (
            stack
            for stack in backend.stacks.values()
            if stack.name == stack_name and not stack.status.startswith("DELETE")
        ),
        None,
    )
    if stack is None:
        raise KeyError(f"moto holds no live stack {stack_name!r} in {region}")
    resource_map = stack.resource_map

    def resolve(fragment: Any) -> Any:
        return clean_json(copy.deepcopy(fragment), resource_map)

    return resolve
