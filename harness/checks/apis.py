"""Checks on API stages: access logs, throttling, tracing, as SAM generates the stages.

Read off the transformed stages (``AWS::ApiGatewayV2::Stage`` for HTTP APIs,
``AWS::ApiGateway::Stage`` for REST APIs), so an implicit API, which SAM creates without
any of these, is caught like an explicit one. X-Ray tracing is a REST API feature only
("Tracing user requests to REST APIs using X-Ray", API Gateway Developer Guide): HTTP
API stages have no such setting, so the tracing check covers REST stages.
"""

from __future__ import annotations

from collections.abc import Callable

from harness.checks.pack import CheckInput, Finding, Outcome, outcome, where
from harness.template.references import references_in
from harness.template.subjects import Resource

HTTP_STAGE = "AWS::ApiGatewayV2::Stage"
REST_STAGE = "AWS::ApiGateway::Stage"


def _stages(checked: CheckInput, *types: str) -> list[Resource]:
    return [stage for kind in types for stage in checked.transformed.resources(kind)]


def _check(
    checked: CheckInput, types: tuple[str, ...], problem: Callable[[Resource], str | None]
) -> Outcome:
    stages = _stages(checked, *types)
    findings = []
    for stage in stages:
        text = problem(stage)
        if text:
            findings.append(Finding(api_of(stage), text, where(stage)))
    return outcome((api_of(stage) for stage in stages), findings)


def api_of(stage: Resource) -> str:
    """The API a stage belongs to (``ServerlessHttpApi`` for SAM's implicit one)."""
    api = stage.properties.get("ApiId") or stage.properties.get("RestApiId")
    named = [reference.name for reference in references_in(api)]
    return named[0] if named else stage.logical_id


def access_logs(checked: CheckInput) -> Outcome:
    """Every API stage writes access logs to a destination."""

    def problem(stage: Resource) -> str | None:
        key = "AccessLogSettings" if stage.type == HTTP_STAGE else "AccessLogSetting"
        if (stage.properties.get(key) or {}).get("DestinationArn"):
            return None
        return f"stage writes no access logs: set {key}.DestinationArn on the API"

    return _check(checked, (HTTP_STAGE, REST_STAGE), problem)


def throttling(checked: CheckInput) -> Outcome:
    """Every API stage limits its request rate and burst, so one client cannot take it all."""

    def problem(stage: Resource) -> str | None:
        if stage.type == HTTP_STAGE:
            settings = [stage.properties.get("DefaultRouteSettings") or {}]
            where_to = "DefaultRouteSettings"
        else:
            settings = list(stage.properties.get("MethodSettings") or [])
            where_to = "MethodSettings"
        if any(
            s.get("ThrottlingBurstLimit") is not None and s.get("ThrottlingRateLimit") is not None
            for s in settings
        ):
            return None
        return f"no throttling: set ThrottlingBurstLimit and ThrottlingRateLimit in {where_to}"

    return _check(checked, (HTTP_STAGE, REST_STAGE), problem)


def rest_tracing(checked: CheckInput) -> Outcome:
    """Every REST API stage traces requests with X-Ray (``TracingEnabled: true``)."""

    def problem(stage: Resource) -> str | None:
        if stage.properties.get("TracingEnabled") is True:
            return None
        return "X-Ray tracing is off: set TracingEnabled: true on the API"

    return _check(checked, (REST_STAGE,), problem)
