"""Metrics read from dashboards and alarms: rows, the "." shorthand, statistics, dimensions."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.template import Template
from harness.template.metrics import MetricRef, alarm_metrics, dashboard_metrics

ROOT = Path(__file__).parents[2]
MONITORED = ROOT / "fixtures" / "templates" / "monitored_sam.yaml"


@pytest.fixture(scope="module")
def template() -> Template:
    return Template.from_file(MONITORED)


def test_dashboard_rows_expand_the_dot_shorthand_and_inherit_the_widget_stat(
    template: Template,
) -> None:
    function = (("FunctionName", "${OrdersFunction}"),)
    assert dashboard_metrics(template.resource("Dashboard")) == [
        MetricRef("AWS/Lambda", "Invocations", function, "Sum"),
        MetricRef("AWS/Lambda", "Errors", function, "Sum"),
        MetricRef("AWS/Lambda", "Duration", function, "p99"),
        # No stat on the row or the widget: CloudWatch graphs the average.
        MetricRef(
            "AWS/DynamoDB", "ConsumedReadCapacityUnits", (("TableName", "${Orders}"),), "Average"
        ),
    ]


def test_alarm_metrics_of_math_and_single_metric_alarms_read_as_sub_text(
    template: Template,
) -> None:
    api = (("ApiId", "${Api}"), ("Stage", "$default"))
    assert alarm_metrics(template.resource("ErrorRate")) == [
        MetricRef("AWS/ApiGateway", "5xx", api, "Sum")
    ]
    alias = (("FunctionName", "${OrdersFunction}"), ("Resource", "${OrdersFunction}:live"))
    assert alarm_metrics(template.resource("Throttles")) == [
        MetricRef("AWS/Lambda", "Throttles", alias, "p99")
    ]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"Fn::Join": ["", ["{", "}"]]}, "must be a JSON string or a Fn::Sub of one"),
        ("{not json", "DashboardBody is not JSON"),
        ("[]", "must be a JSON object"),
    ],
)
def test_a_dashboard_body_that_cannot_be_read_fails_naming_the_dashboard(
    body: object, problem: str
) -> None:
    document = {
        "Resources": {
            "Board": {"Type": "AWS::CloudWatch::Dashboard", "Properties": {"DashboardBody": body}}
        }
    }
    with pytest.raises(AssertionError, match=problem) as caught:
        dashboard_metrics(Template(document).resource("Board"))
    assert "Board (AWS::CloudWatch::Dashboard" in str(caught.value)
