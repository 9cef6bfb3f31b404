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
from typing import Any

_API_TYPES = {
    "AWS::ApiGateway::RestApi": "AWS::ApiGateway::Stage",
    "AWS::ApiGatewayV2::Api": "AWS::ApiGatewayV2::Stage",
}


def api_base_urls(resources: Iterable[Mapping[str, Any]], region: str) -> dict[str, str]:
    """Each API's base URL by logical id, from ``list_stack_resources`` summaries."""
    summaries = list(resources)
    urls = {}
    for api in summaries:
        stage_type = _API_TYPES.get(api.get("ResourceType", ""))
        api_id = api.get("PhysicalResourceId")
        if stage_type is None or not api_id:
            continue
        logical_id = api["LogicalResourceId"]
        stages = [
            summary.get("PhysicalResourceId", "")
            for summary in summaries
            if summary.get("ResourceType") == stage_type
            and summary["LogicalResourceId"].startswith(logical_id)
            and summary["LogicalResourceId"].endswith("Stage")
        ]
        stage = next((name for name in stages if name), "$default")
        path = "" if stage == "$default" else f"{stage}/"
        urls[logical_id] = f"https://{api_id}.execute-api.{region}.amazonaws.com/{path}"
    return urls
