"""What the embedded front serves differently from API Gateway, as emulation gaps.

Reported per API and route, never silently dropped: an authorizer kind no verifier
enforces (JWT, Cognito, IAM unless one is registered; a Lambda authorizer whose function
is not the template's), a route whose integration is not a Lambda proxy of one of the
template's functions, stage throttling (API Gateway's own 429s), and custom domains.
"""

from __future__ import annotations

import hashlib

from harness.apigateway import AuthorizerRegistry
from harness.sam import SamModel
from harness.targets.base import Gap

_THROTTLING = {
    "REST": ("MethodSettings",),
    "HTTP": ("DefaultRouteSettings", "RouteSettings"),
}


def front_gaps(model: SamModel, authorizers: AuthorizerRegistry) -> list[Gap]:
    """The gaps of every API of ``model`` served with ``authorizers``."""
    gaps = []
    for api in model.apis.values():
        api_type = f"AWS::Serverless::{'Api' if api.kind == 'REST' else 'HttpApi'}"
        for route_key, reason in authorizers.unenforced(api):
            gaps.append(
                Gap(
                    f"{api.logical_id} {route_key}",
                    api_type,
                    f"{reason}: not enforced, requests reach the function unverified",
                )
            )
        for route in api.routes:
            if route.function_id is None:
                gaps.append(
                    Gap(
                        f"{api.logical_id} {route.key}",
                        api_type,
                        "its integration is not a Lambda proxy of one of the template's "
                        "functions: answered with API Gateway's integration failure",
                    )
                )
        declared = [name for name in _THROTTLING[api.kind] if name in api.properties]
        if declared:
            gaps.append(
                Gap(
                    api.logical_id,
                    api_type,
                    f"{', '.join(declared)}: stage throttling is not applied (no 429s)",
                )
            )
        if "Domain" in api.properties:
            gaps.append(Gap(api.logical_id, api_type, "Domain: custom domains are not served"))
    return gaps


def local_api_id(stack_name: str, logical_id: str) -> str:
    """A stable id shaped like API Gateway's (10 lower-case characters) for a local API."""
    digest = hashlib.sha1(f"{stack_name}/{logical_id}".encode()).hexdigest()
    return "".join(chr(ord("a") + int(c, 16) % 26) if c.isdigit() else c for c in digest[:10])
