"""The CloudWatch metrics a dashboard graphs and an alarm watches, read from a template.

"Every function is on the dashboard" and "an alarm watches the API's 5xx" are claims about
metric identities: namespace, name and dimensions (and the statistic). Dashboards hold them in
a JSON body, as rows ``[namespace, name, dim1, value1, ..., {options}]`` where ``"."`` repeats
the value at the same position of the row above (CloudWatch "Dashboard body structure and
syntax"); alarms hold one metric (``Namespace``, ``MetricName``, ``Dimensions``) or a metric
math list (``Metrics`` with ``MetricStat``). Both read into :class:`MetricRef`.

Dimension values are compared as ``Fn::Sub`` text, whichever way they were written: a
dashboard body's ``"${ItemsFunction}:live"`` and an alarm's ``!Sub "${ItemsFunction}:live"``
read the same, and ``!Ref ItemsApi`` reads ``"${ItemsApi}"`` (:mod:`harness.template.sub`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from harness.template.match import render
from harness.template.sub import sub_text
from harness.template.subjects import Resource

# What CloudWatch graphs when neither the row nor the widget names a statistic.
DEFAULT_STAT = "Average"


@dataclass(frozen=True)
class MetricRef:
    """One metric as graphed or watched; ``dimensions`` are (name, value) pairs, sorted."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str

    @property
    def dimension_map(self) -> dict[str, str]:
        return dict(self.dimensions)

    def __str__(self) -> str:
        dims = ", ".join(f"{name}={value}" for name, value in self.dimensions)
        return f"{self.namespace} {self.name} ({dims}) {self.stat}"


def _dimensions(pairs: Iterator[tuple[Any, Any]]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(name), sub_text(value)) for name, value in pairs))


def dashboard_metrics(dashboard: Resource) -> list[MetricRef]:
    """Every metric row of an ``AWS::CloudWatch::Dashboard``'s metric widgets."""
    metrics: list[MetricRef] = []
    for widget in _dashboard_body(dashboard).get("widgets") or []:
        properties = widget.get("properties") or {}
        if widget.get("type") != "metric":
            continue
        widget_stat = properties.get("stat", DEFAULT_STAT)
        previous: list[Any] = []
        for row in properties.get("metrics") or []:
            options = row[-1] if row and isinstance(row[-1], Mapping) else {}
            fields = row[:-1] if options else row
            if not fields:  # a math expression row: {"expression": ...}
                continue
            expanded = [
                previous[index] if value == "." and index < len(previous) else value
                for index, value in enumerate(fields)
            ]
            previous = expanded
            pairs = zip(expanded[2::2], expanded[3::2], strict=False)
            metrics.append(
                MetricRef(
                    str(expanded[0]),
                    str(expanded[1]),
                    _dimensions(pairs),
                    str(options.get("stat", widget_stat)),
                )
            )
    return metrics


def _dashboard_body(dashboard: Resource) -> Mapping[str, Any]:
    body = dashboard.properties.get("DashboardBody")
    if isinstance(body, Mapping) and "Fn::Sub" in body:
        body = body["Fn::Sub"][0] if isinstance(body["Fn::Sub"], list) else body["Fn::Sub"]
    if not isinstance(body, str):
        raise AssertionError(
            f"{dashboard.heading()}: DashboardBody must be a JSON string or a Fn::Sub of one, "
            f"found {render(body)}"
        )
    try:
        decoded = json.loads(body)
    except json.JSONDecodeError as error:
        raise AssertionError(f"{dashboard.heading()}: DashboardBody is not JSON: {error}") from None
    if not isinstance(decoded, Mapping):
        raise AssertionError(f"{dashboard.heading()}: DashboardBody must be a JSON object")
    return decoded


def alarm_metrics(alarm: Resource) -> list[MetricRef]:
    """The metrics an ``AWS::CloudWatch::Alarm`` watches, itself or through metric math."""
    properties = alarm.properties
    if "MetricName" in properties:
        stat = properties.get("ExtendedStatistic", properties.get("Statistic", DEFAULT_STAT))
        return [_metric(properties, str(stat))]
    return list(_math_metrics(properties.get("Metrics") or []))


def _math_metrics(queries: list[Any]) -> Iterator[MetricRef]:
    for query in queries:
        stat = query.get("MetricStat") if isinstance(query, Mapping) else None
        if isinstance(stat, Mapping):
            yield _metric(stat.get("Metric") or {}, str(stat.get("Stat")))


def _metric(properties: Mapping[str, Any], stat: str) -> MetricRef:
    pairs = (
        (dimension.get("Name"), dimension.get("Value"))
        for dimension in properties.get("Dimensions") or []
    )
    return MetricRef(
        str(properties.get("Namespace")),
        str(properties.get("MetricName")),
        _dimensions(pairs),
        stat,
    )
