"""The base URL of each API of a deployed stack, read from its resources, for any target.

A stack on AWS has no output naming its API's URL unless the template writes one, yet the
URL follows from what CloudFormation lists: an API's physical id is its API id, and API
Gateway serves it at ``https://{api-id}.execute-api.{region}.amazonaws.com/`` (developer
guide, "Invoking a REST API": the stage is the first path segment; HTTP APIs'
``$default`` stage has none). Which stage belongs to which API is read from the logical
ids SAM gives stages: ``{Api}{StageName}Stage`` or ``{Api}Stage`` for REST, and
``{Api}ApiGatewayDefaultStage`` or ``{Api}{StageName}Stage`` for HTTP APIs (the stage's
physical id is its name). An API without a stage of its own in the stack gets none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

_API_TYPES = {
    "AWS::ApiGateway::RestApi": "AWS::ApiGateway::Stage",
    "AWS::ApiGatewayV2::Api": "AWS::ApiGatewayV2::Stage",
}


@dataclass(frozen=True)
class ApiStage:
    """An API of a stack and the stage of its own it is served at."""

    logical_id: str
    api_id: str
    kind: str
    """``REST`` or ``HTTP``."""
    stage: str
    """The stage's name; ``$default`` for an HTTP API's default stage (or none found)."""


def api_stages(resources: Iterable[Mapping[str, Any]]) -> dict[str, ApiStage]:
    """Each API's stage by API logical id, from ``list_stack_resources`` summaries."""
    summaries = list(resources)
    stages = {}
    for api in summaries:
        stage_type = _API_TYPES.get(api.get("ResourceType", ""))
        api_id = api.get("PhysicalResourceId")
        if stage_type is None or not api_id:
            continue
        logical_id = api["LogicalResourceId"]
        names = [
            summary.get("PhysicalResourceId", "")
            for summary in summaries
            if summary.get("ResourceType") == stage_type
            and summary["LogicalResourceId"].startswith(logical_id)
            and summary["LogicalResourceId"].endswith("Stage")
        ]
        kind = "REST" if stage_type == "AWS::ApiGateway::Stage" else "HTTP"
        stage = next((name for name in names if name), "$default")
        stages[logical_id] = ApiStage(logical_id, api_id, kind, stage)
    return stages


def api_base_urls(resources: Iterable[Mapping[str, Any]], region: str) -> dict[str, str]:
    """Each API's base URL by logical id, from ``list_stack_resources`` summaries."""
    return {
        logical_id: f"https://{stage.api_id}.execute-api.{region}.amazonaws.com/"
        + ("" if stage.stage == "$default" else f"{stage.stage}/")
        for logical_id, stage in api_stages(resources).items()
    }
