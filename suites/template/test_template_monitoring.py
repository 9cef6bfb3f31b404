"""Monitoring: the dashboard shows every function, API and table; alarms guard the API's errors
and latency, every function's throttles and the table's throttling, with thresholds set per
stage; every alarm notifies a topic encrypted with a key CloudWatch may use.

Metric names, statistics and dimensions are the ones AWS publishes (HTTP APIs: ``AWS/ApiGateway``
by ``ApiId`` and ``Stage``; functions: ``AWS/Lambda`` by ``FunctionName`` and, for an alias,
``Resource``; tables: ``AWS/DynamoDB`` by ``TableName``), so a dashboard row with a misspelt
dimension, which CloudWatch graphs as an empty line, fails here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import pytest

from harness import (
    AnyOf,
    Capture,
    Contains,
    MetricRef,
    Present,
    Resource,
    Template,
    alarm_metrics,
    dashboard_metrics,
    placeholder,
)

pytestmark = pytest.mark.template

ALARM = "AWS::CloudWatch::Alarm"
CLOUDWATCH = "cloudwatch.amazonaws.com"
STAGE_PARAMETER = "Stage"
# What each kind of resource must show on the dashboard: (metric, statistic).
FUNCTION_PANELS = {
    ("Invocations", "Sum"),
    ("Errors", "Sum"),
    ("Throttles", "Sum"),
    ("Duration", "p50"),
    ("Duration", "p99"),
    ("ConcurrentExecutions", "Maximum"),
}
HTTP_API_PANELS = {("Count", "Sum"), ("4xx", "Sum"), ("5xx", "Sum"), ("Latency", "p99")}
TABLE_PANELS = {
    ("ThrottledRequests", "Sum"),
    ("ConsumedReadCapacityUnits", "Sum"),
    ("ConsumedWriteCapacityUnits", "Sum"),
}
NAMESPACE_VARIABLE = "POWERTOOLS_METRICS_NAMESPACE"
SUBSCRIBER_PARAMETER = "AlarmSubscriptionEndpoint"


def function_dimensions(template: Template, function: Resource) -> dict[str, str]:
    """``FunctionName``, and ``Resource`` of the alias that serves traffic when there is one."""
    dimensions = {"FunctionName": placeholder(function.logical_id)}
    for alias in template.resources("AWS::Lambda::Alias"):
        if alias.properties.get("FunctionName") == {"Ref": function.logical_id}:
            dimensions["Resource"] = (
                f"{placeholder(function.logical_id)}:{alias.properties['Name']}"
            )
    return dimensions


def http_api_dimensions(template: Template, api: Resource) -> dict[str, str]:
    stages = template.resources(
        "AWS::ApiGatewayV2::Stage", where={"Properties": {"ApiId": {"Ref": api.logical_id}}}
    )
    stage = stages[0].properties.get("StageName", "$default") if stages else "$default"
    return {"ApiId": placeholder(api.logical_id), "Stage": str(stage)}


def watched_resources(
    template: Template,
) -> Iterable[tuple[Resource, str, dict[str, str], set[tuple[str, str]]]]:
    """Each resource the dashboard must show: (resource, namespace, dimensions, panels)."""
    for function in template.resources("AWS::Lambda::Function"):
        yield function, "AWS/Lambda", function_dimensions(template, function), FUNCTION_PANELS
    for api in template.resources("AWS::ApiGatewayV2::Api"):
        yield api, "AWS/ApiGateway", http_api_dimensions(template, api), HTTP_API_PANELS
    for table in template.resources("AWS::DynamoDB::Table"):
        yield table, "AWS/DynamoDB", {"TableName": placeholder(table.logical_id)}, TABLE_PANELS


def shown(
    metrics: Iterable[MetricRef], namespace: str, dimensions: Mapping[str, str]
) -> set[tuple[str, str]]:
    """(metric, statistic) of the rows about this resource (extra dimensions such as a
    table's ``Operation`` allowed)."""
    return {
        (metric.name, metric.stat)
        for metric in metrics
        if metric.namespace == namespace and dimensions.items() <= metric.dimension_map.items()
    }


def test_every_function_api_and_table_is_on_the_dashboard(
    transformed: Callable[..., Template],
) -> None:
    template = transformed("prod")
    dashboard = template.resources("AWS::CloudWatch::Dashboard").one()
    metrics = dashboard_metrics(dashboard)
    missing = []
    for resource, namespace, dimensions, panels in watched_resources(template):
        absent = panels - shown(metrics, namespace, dimensions)
        if absent:
            wanted = ", ".join(f"{name} {stat}" for name, stat in sorted(absent))
            missing.append(f"  {resource.heading()}: no {namespace} {wanted} by {dimensions}")
    assert not missing, f"{dashboard.heading()} does not show:\n" + "\n".join(missing)


def watching(
    template: Template,
    namespace: str,
    names: set[str],
    dimensions: Mapping[str, str],
    stat: str | None = None,
) -> list[str]:
    """The alarms watching one of these metrics of a resource (with this statistic, if given)."""
    return [
        alarm.logical_id
        for alarm in template.resources(ALARM)
        for metric in alarm_metrics(alarm)
        if metric.namespace == namespace
        and metric.name in names
        and dimensions.items() <= metric.dimension_map.items()
        and (stat is None or metric.stat == stat)
    ]


def test_alarms_guard_api_errors_and_latency_function_throttles_and_table_throttling(
    transformed: Callable[..., Template],
) -> None:
    template = transformed("prod")
    unguarded = []
    for api in template.resources("AWS::ApiGatewayV2::Api"):
        dimensions = http_api_dimensions(template, api)
        if not watching(template, "AWS/ApiGateway", {"5xx"}, dimensions):
            unguarded.append(f"  {api.heading()}: no alarm on its 5xx answers")
        if not watching(template, "AWS/ApiGateway", {"Latency"}, dimensions, "p99"):
            unguarded.append(f"  {api.heading()}: no alarm on its p99 Latency")
    for function in template.resources("AWS::Lambda::Function"):
        if not watching(
            template, "AWS/Lambda", {"Throttles"}, function_dimensions(template, function)
        ):
            unguarded.append(f"  {function.heading()}: no alarm on its Throttles")
    for table in template.resources("AWS::DynamoDB::Table"):
        throttling = {"ReadThrottleEvents", "WriteThrottleEvents", "ThrottledRequests"}
        if not watching(
            template, "AWS/DynamoDB", throttling, {"TableName": placeholder(table.logical_id)}
        ):
            unguarded.append(f"  {table.heading()}: no alarm on its throttled requests")
    assert not unguarded, f"{template.label}:\n" + "\n".join(unguarded)


def test_alarm_thresholds_are_set_for_every_stage(sam_source: Template) -> None:
    """Every alarm but the deployment guards (any error rolls a canary back, on every stage)
    reads its threshold from a mapping keyed by the stage, and the mapping has a value for
    every stage the template accepts."""
    guards = {
        alarm.get("Ref")
        for function in sam_source.functions()
        for alarm in (function.properties.get("DeploymentPreference") or {}).get("Alarms") or []
        if isinstance(alarm, Mapping)
    }
    alarms = sam_source.resources(ALARM).where(lambda alarm: alarm.logical_id not in guards)
    mapping, key = Capture(), Capture()
    alarms.all_match(
        {"Properties": {"Threshold": {"Fn::FindInMap": [mapping, {"Ref": STAGE_PARAMETER}, key]}}}
    )
    stages = sam_source.parameters[STAGE_PARAMETER]["AllowedValues"]
    unset = [
        f"  {alarm.heading()}: {name}.{stage}.{threshold} is not set"
        for alarm, name, threshold in zip(alarms, mapping.values, key.values, strict=True)
        for stage in stages
        if threshold not in (sam_source.mappings.get(name) or {}).get(stage, {})
    ]
    assert not unset, f"{sam_source.label}: alarm thresholds missing for a stage:\n" + "\n".join(
        unset
    )


def topics_cloudwatch_can_publish_to(template: Template) -> list[str]:
    """Topics encrypted with a key of this stack whose policy lets CloudWatch alarms use it
    (``kms:Decrypt`` and ``kms:GenerateDataKey``; the AWS managed ``alias/aws/sns`` does not)."""
    cloudwatch_use = {
        "Effect": "Allow",
        "Principal": {"Service": AnyOf(CLOUDWATCH, Contains([CLOUDWATCH]))},
        "Action": Contains(["kms:Decrypt", AnyOf("kms:GenerateDataKey", "kms:GenerateDataKey*")]),
    }
    usable = []
    for topic in template.resources("AWS::SNS::Topic"):
        keys = template.referred_to(topic.properties.get("KmsMasterKeyId"), "AWS::KMS::Key")
        if keys and len(template.policy_statements().only(*keys.ids).where(cloudwatch_use)):
            usable.append(topic.logical_id)
    return usable


def test_every_alarm_notifies_an_encrypted_topic_cloudwatch_can_publish_to(
    transformed: Callable[..., Template],
) -> None:
    template = transformed("prod")
    usable = topics_cloudwatch_can_publish_to(template)
    if not usable:
        topics = ", ".join(template.resources("AWS::SNS::Topic").ids) or "none"
        raise AssertionError(
            f"{template.label}: no topic CloudWatch alarms can publish to; topics ({topics}) are "
            f"not encrypted with a key of this stack that lets {CLOUDWATCH} use kms:Decrypt and "
            "kms:GenerateDataKey"
        )
    template.resources(ALARM).all_match(
        {"Properties": {"AlarmActions": Contains([{"Ref": AnyOf(*usable)}])}}
    )


def test_alarm_subscriber_is_optional(sam_source: Template) -> None:
    """No subscription by default (the topic is subscribed to by hand); one, with the given
    endpoint, on the alarm topic when the parameter is set."""
    sam_source.with_parameters().resources("AWS::SNS::Subscription").count(0)
    with_subscriber = sam_source.with_parameters(**{SUBSCRIBER_PARAMETER: "oncall@example.com"})
    usable = topics_cloudwatch_can_publish_to(with_subscriber)
    with_subscriber.resources("AWS::SNS::Subscription").one(
        {
            "Properties": {
                "Endpoint": {"Ref": SUBSCRIBER_PARAMETER},
                "TopicArn": {"Ref": AnyOf(*usable)},
            }
        }
    )


def test_business_metrics_are_named_and_on_the_dashboard(
    transformed: Callable[..., Template],
) -> None:
    """Powertools Metrics fails every flush without a namespace: each function has one, and
    the dashboard graphs metrics in it."""
    template = transformed("prod")
    namespace = Capture(Present())
    template.functions().all_match(
        {"Properties": {"Environment": {"Variables": {NAMESPACE_VARIABLE: namespace}}}}
    )
    dashboard = template.resources("AWS::CloudWatch::Dashboard").one()
    graphed = {metric.namespace for metric in dashboard_metrics(dashboard)}
    absent = sorted(set(namespace.values) - graphed)
    assert not absent, f"{dashboard.heading()}: graphs nothing in the business namespace {absent}"
