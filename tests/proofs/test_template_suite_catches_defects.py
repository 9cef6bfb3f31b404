"""The template suite catches real defects: each mutation of the app's template makes the
suite test for that property fail, with a message naming the resource at fault.

Each proof runs the shipped suite test through the harness plugin on a broken copy of the
template (:mod:`mutation_kit`), so this proves the shipped checks, fed by the real fixtures,
would fail.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from mutation_kit import (
    Defect,
    Document,
    assert_caught,
    assert_copy_passes,
    drop,
)

Edit = Callable[[Document], None]


def app_defect(
    name: str,
    edit: Edit,
    module: str,
    test: str,
    names: tuple[str, ...],
    *,
    stage: str | None = None,
) -> Defect:
    """A defect of the app's template: ``edit`` changes its document."""
    return Defect(name, lambda copy: edit(copy["app"]), module, test, names, stage)


def resources(document: Document) -> Document:
    return document["Resources"]


def props(document: Document, logical_id: str) -> Document:
    return resources(document)[logical_id]["Properties"]


def add_write_policy(function: str, statement: Document) -> Callable[[Document], None]:
    def mutate(document: Document) -> None:
        props(document, function)["Policies"].append({"Statement": [statement]})

    return mutate


def set_prop(logical_id: str, name: str, value: Any) -> Callable[[Document], None]:
    def mutate(document: Document) -> None:
        props(document, logical_id)[name] = value

    return mutate


def add_unbacked_route(document: Document) -> None:
    props(document, "ItemsReadFunction")["Events"]["Reports"] = {
        "Type": "HttpApi",
        "Properties": {"ApiId": {"Ref": "ItemsApi"}, "Method": "GET", "Path": "/reports"},
    }


def prod_deploys_all_at_once(document: Document) -> None:
    document["Mappings"]["StageConfig"]["prod"]["DeploymentType"] = "AllAtOnce"


def drop_dashboard_rows(logical_id: str) -> Callable[[Document], None]:
    """Remove every dashboard row that names the resource (``${Id}`` in the Fn::Sub body)."""

    def mutate(document: Document) -> None:
        body = props(document, "ItemsDashboard")["DashboardBody"]
        decoded = json.loads(body["Fn::Sub"])
        for widget in decoded["widgets"]:
            rows = widget["properties"].get("metrics")
            if rows:
                widget["properties"]["metrics"] = [
                    row for row in rows if "${" + logical_id + "}" not in row
                ]
        body["Fn::Sub"] = json.dumps(decoded)

    return mutate


def key_statements(document: Document) -> list[Document]:
    return props(document, "AlarmKey")["KeyPolicy"]["Statement"]


def drop_cloudwatch_key_grant(document: Document) -> None:
    statements = key_statements(document)
    statements[:] = [item for item in statements if item["Sid"] != "CloudWatchAlarmsPublish"]


def latency_alarm_on_the_average(document: Document) -> None:
    alarm = props(document, "ApiLatencyP99Alarm")
    del alarm["ExtendedStatistic"]
    alarm["Statistic"] = "Average"


DEFECTS = [
    app_defect(
        "tracing dropped",
        set_prop("ItemsReadFunction", "Tracing", "PassThrough"),
        "test_template_functions",
        "test_every_function_has_active_tracing",
        ("ItemsReadFunction", "Properties.TracingConfig.Mode"),
    ),
    app_defect(
        "timeout above the API limit",
        set_prop("ItemsWriteFunction", "Timeout", 60),
        "test_template_functions",
        "test_every_function_times_out_below_the_http_api_integration_limit",
        ("ItemsWriteFunction", "Properties.Timeout"),
    ),
    app_defect(
        "deprecated runtime",
        set_prop("ItemsWriteFunction", "Runtime", "python3.8"),
        "test_template_functions",
        "test_every_function_runs_on_a_supported_runtime",
        ("ItemsWriteFunction", "'python3.8'"),
    ),
    app_defect(
        "log group without retention",
        drop(("Resources", "ItemsWriteLogGroup", "Properties", "RetentionInDays")),
        "test_template_functions",
        "test_every_function_logs_to_a_group_with_retention",
        ("ItemsWriteFunction", "Properties.LoggingConfig.LogGroup"),
    ),
    app_defect(
        "wildcard action",
        add_write_policy("ItemsWriteFunction", {"Effect": "Allow", "Action": "*", "Resource": "*"}),
        "test_template_iam",
        "test_no_statement_allows_every_action",
        ("ItemsWriteFunctionRole",),
    ),
    app_defect(
        "write on every resource",
        add_write_policy(
            "ItemsWriteFunction", {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}
        ),
        "test_template_iam",
        "test_no_statement_allows_writes_on_every_resource",
        ("ItemsWriteFunctionRole", "sqs:SendMessage"),
    ),
    app_defect(
        "AWS managed FullAccess policy",
        lambda d: props(d, "ItemsReadFunction")["Policies"].append("AmazonDynamoDBFullAccess"),
        "test_template_iam",
        "test_no_role_has_an_aws_managed_full_access_policy",
        ("ItemsReadFunctionRole",),
    ),
    app_defect(
        "DynamoDB access beyond the table",
        add_write_policy(
            "ItemsWriteFunction",
            {
                "Effect": "Allow",
                "Action": "dynamodb:PutItem",
                "Resource": "arn:aws:dynamodb:*:*:table/*",
            },
        ),
        "test_template_iam",
        "test_dynamodb_access_is_limited_to_the_table",
        ("ItemsWriteFunctionRole",),
    ),
    app_defect(
        "reader allowed to write",
        lambda d: props(d, "ItemsReadFunction")["Policies"].append(
            {"DynamoDBCrudPolicy": {"TableName": {"Ref": "ItemsTable"}}}
        ),
        "test_template_iam",
        "test_functions_that_only_serve_reads_cannot_write_the_table",
        ("ItemsReadFunctionRole", "dynamodb:PutItem"),
    ),
    app_defect(
        "point-in-time recovery off",
        drop(("Resources", "ItemsTable", "Properties", "PointInTimeRecoverySpecification")),
        "test_template_data",
        "test_table_has_point_in_time_recovery",
        ("ItemsTable", "Properties.PointInTimeRecoverySpecification"),
    ),
    app_defect(
        "table deleted with the stack",
        lambda d: resources(d)["ItemsTable"].update(DeletionPolicy="Delete"),
        "test_template_data",
        "test_table_is_retained_on_delete_and_replace",
        ("ItemsTable", "DeletionPolicy: expected 'Retain', found 'Delete'"),
    ),
    app_defect(
        "canary alarm removed",
        drop(("Resources", "ItemsWriteFunction", "Properties", "DeploymentPreference", "Alarms")),
        "test_template_release",
        "test_prod_deploys_by_canary_with_the_errors_alarm_wired",
        ("ItemsWriteFunctionDeploymentGroup", "from SAM ItemsWriteFunction"),
    ),
    app_defect(
        "prod without canary",
        prod_deploys_all_at_once,
        "test_template_release",
        "test_prod_deploys_by_canary_with_the_errors_alarm_wired",
        ("ItemsReadFunctionDeploymentGroup", "Properties.DeploymentConfigName"),
    ),
    app_defect(
        "no access logs",
        drop(("Resources", "ItemsApi", "Properties", "AccessLogSettings")),
        "test_template_api",
        "test_http_api_writes_access_logs",
        ("ItemsApiApiGatewayDefaultStage", "from SAM ItemsApi"),
    ),
    app_defect(
        "no throttling",
        drop(("Resources", "ItemsApi", "Properties", "DefaultRouteSettings")),
        "test_template_api",
        "test_http_api_is_throttled",
        ("ItemsApiApiGatewayDefaultStage", "DefaultRouteSettings"),
        stage="prod",
    ),
    app_defect(
        "public function URL",
        set_prop("ItemsReadFunction", "FunctionUrlConfig", {"AuthType": "NONE"}),
        "test_template_api",
        "test_no_function_url_without_auth",
        ("ItemsReadFunction",),
    ),
    app_defect(
        "route without code",
        add_unbacked_route,
        "test_template_api",
        "test_every_route_resolves_to_a_handler_in_the_code",
        ("ItemsReadFunction", "GET /reports"),
    ),
    app_defect(
        "ApiUrl output removed",
        drop(("Outputs", "ApiUrl")),
        "test_template_api",
        "test_stack_exports_api_url_and_table_name",
        ("ApiUrl",),
    ),
    app_defect(
        "function missing from the dashboard",
        drop_dashboard_rows("ItemsWriteFunction"),
        "test_template_monitoring",
        "test_every_function_api_and_table_is_on_the_dashboard",
        ("ItemsDashboard", "ItemsWriteFunction", "ConcurrentExecutions Maximum"),
    ),
    app_defect(
        "table missing from the dashboard",
        drop_dashboard_rows("ItemsTable"),
        "test_template_monitoring",
        "test_every_function_api_and_table_is_on_the_dashboard",
        ("ItemsTable", "ThrottledRequests Sum"),
    ),
    app_defect(
        "throttles alarm removed",
        drop(("Resources", "ItemsWriteThrottlesAlarm")),
        "test_template_monitoring",
        "test_alarms_guard_api_errors_and_latency_function_throttles_and_table_throttling",
        ("ItemsWriteFunction", "no alarm on its Throttles"),
    ),
    app_defect(
        "latency alarm on the average",
        latency_alarm_on_the_average,
        "test_template_monitoring",
        "test_alarms_guard_api_errors_and_latency_function_throttles_and_table_throttling",
        ("ItemsApi", "no alarm on its p99 Latency"),
    ),
    app_defect(
        "alarm threshold the same on every stage",
        set_prop("Api5xxRateAlarm", "Threshold", 5),
        "test_template_monitoring",
        "test_alarm_thresholds_are_set_for_every_stage",
        ("Api5xxRateAlarm", "Properties.Threshold"),
    ),
    app_defect(
        "stage without a threshold",
        drop(("Mappings", "StageConfig", "staging", "ApiLatencyP99Ms")),
        "test_template_monitoring",
        "test_alarm_thresholds_are_set_for_every_stage",
        ("ApiLatencyP99Alarm", "StageConfig.staging.ApiLatencyP99Ms is not set"),
    ),
    app_defect(
        "alarm notifies nobody",
        drop(("Resources", "ApiLatencyP99Alarm", "Properties", "AlarmActions")),
        "test_template_monitoring",
        "test_every_alarm_notifies_an_encrypted_topic_cloudwatch_can_publish_to",
        ("ApiLatencyP99Alarm", "Properties.AlarmActions"),
    ),
    app_defect(
        "alarm topic not encrypted",
        drop(("Resources", "AlarmTopic", "Properties", "KmsMasterKeyId")),
        "test_template_monitoring",
        "test_every_alarm_notifies_an_encrypted_topic_cloudwatch_can_publish_to",
        ("no topic CloudWatch alarms can publish to", "AlarmTopic"),
    ),
    app_defect(
        "alarm key closed to CloudWatch",
        drop_cloudwatch_key_grant,
        "test_template_monitoring",
        "test_every_alarm_notifies_an_encrypted_topic_cloudwatch_can_publish_to",
        ("no topic CloudWatch alarms can publish to", "AlarmTopic"),
    ),
    app_defect(
        "alarm subscription always created",
        lambda d: resources(d)["AlarmSubscription"].pop("Condition"),
        "test_template_monitoring",
        "test_alarm_subscriber_is_optional",
        ("expected 0 AWS::SNS::Subscription", "AlarmSubscription"),
    ),
    app_defect(
        "business metrics without a namespace",
        drop(("Globals", "Function", "Environment", "Variables", "POWERTOOLS_METRICS_NAMESPACE")),
        "test_template_monitoring",
        "test_business_metrics_are_named_and_on_the_dashboard",
        ("ItemsReadFunction", "POWERTOOLS_METRICS_NAMESPACE"),
    ),
    app_defect(
        "plain-text token in a variable",
        lambda d: props(d, "ItemsWriteFunction")["Environment"]["Variables"].update(
            API_TOKEN="q8Zr2VxKp4Lm9Tn6"
        ),
        "test_template_secrets",
        "test_nothing_secret_is_written_in_the_template",
        ("Resources.ItemsWriteFunction.Properties.Environment.Variables.API_TOKEN",),
    ),
    app_defect(
        "token written into the template",
        lambda d: props(d, "ApiTokenSecret").update(
            SecretString='{"token": "q8Zr2VxKp4Lm9Tn6"}', GenerateSecretString=None
        ),
        "test_template_secrets",
        "test_the_token_is_generated_per_stack_and_never_written",
        ("ApiTokenSecret", "SecretString"),
    ),
    app_defect(
        "reader may read the token",
        lambda d: props(d, "ItemsReadFunction")["Policies"].append(
            {"AWSSecretsManagerGetSecretValuePolicy": {"SecretArn": {"Ref": "ApiTokenSecret"}}}
        ),
        "test_template_secrets",
        "test_only_the_write_function_may_read_the_token_and_the_switch",
        ("ItemsReadFunctionRole",),
    ),
    app_defect(
        "writer may read every secret",
        lambda d: props(d, "ItemsWriteFunction")["Policies"].append(
            {"AWSSecretsManagerGetSecretValuePolicy": {"SecretArn": "*"}}
        ),
        "test_template_secrets",
        "test_only_the_write_function_may_read_the_token_and_the_switch",
        ("ItemsWriteFunctionRole", '{"secretArn": "*"}'),
    ),
    app_defect(
        "alarm key administered by the whole account",
        lambda d: key_statements(d)[0].pop("Condition"),
        "test_template_iam",
        "test_resource_policies_grant_only_named_principals",
        ("AlarmKey", "Properties.KeyPolicy.Statement[0].Principal"),
    ),
    app_defect(
        "alarm topic open to everyone",
        lambda d: props(d, "AlarmTopicPolicy")["PolicyDocument"]["Statement"][0].update(
            Principal="*"
        ),
        "test_template_iam",
        "test_resource_policies_grant_only_named_principals",
        ("AlarmTopicPolicy", "Properties.PolicyDocument.Statement[0].Principal"),
    ),
]


@pytest.mark.parametrize("defect", DEFECTS, ids=[defect.name for defect in DEFECTS])
def test_suite_fails_naming_the_resource(
    defect: Defect, sources: str, pytester: pytest.Pytester
) -> None:
    assert_caught(pytester, sources, defect)


def test_the_unmutated_template_passes_every_check_used_above(
    sources: str, pytester: pytest.Pytester
) -> None:
    assert_copy_passes(pytester, sources, DEFECTS)
