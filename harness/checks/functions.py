"""Checks on Lambda functions: tracing, log retention, secrets, timeouts, aliases, failures.

Where AWS sets a limit the check cites it: API Gateway waits at most 29 s for a REST API
integration (Regional and private REST APIs may raise it by a quota increase) and 30 s for
an HTTP API integration, which cannot be raised (API Gateway Developer Guide, "Quotas for
configuring and running a REST API" and "... an HTTP API"); a function that may run longer
answers a client that has already been given a 504 or 503.
"""

from __future__ import annotations

import re
from typing import Any

from harness.checks.pack import CheckInput, Finding, Outcome, outcome, resource_subject, where
from harness.checks.secrets import find_plain_text_secrets
from harness.template.loader import load_document
from harness.template.references import references_in

LAMBDA_FUNCTION = "AWS::Lambda::Function"
LOG_GROUP = "AWS::Logs::LogGroup"
INTEGRATION_LIMIT_S = {"REST": 29, "HTTP": 30}
# Event sources Lambda invokes asynchronously (its "Invoking functions asynchronously" list of
# services) and the stream sources whose failed batches need an on-failure destination.
ASYNC_SOURCES = frozenset(
    {
        "S3",
        "SNS",
        "CloudWatchEvent",
        "EventBridgeRule",
        "Schedule",
        "ScheduleV2",
        "CloudWatchLogs",
        "IoTRule",
    }
)
STREAM_SOURCES = frozenset({"Kinesis", "DynamoDB"})
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL", re.I)


def tracing(checked: CheckInput) -> Outcome:
    """Every function traces with X-Ray (``Tracing: Active``)."""
    functions = list(checked.transformed.resources(LAMBDA_FUNCTION))
    findings = [
        Finding(
            resource_subject(fn),
            "X-Ray tracing is off: set Tracing: Active (on the function or in Globals)",
            where(fn, "Properties", "TracingConfig"),
        )
        for fn in functions
        if (fn.properties.get("TracingConfig") or {}).get("Mode") != "Active"
    ]
    return outcome((resource_subject(fn) for fn in functions), findings)


def log_retention(checked: CheckInput) -> Outcome:
    """Every function logs to a log group the template declares with a retention.

    Without one, Lambda creates ``/aws/lambda/<name>`` on first use and keeps it forever.
    The group is either the function's ``LoggingConfig.LogGroup`` or one whose
    ``LogGroupName`` refers to the function (``!Sub /aws/lambda/${Fn}``).
    """
    template = checked.transformed
    groups = list(template.resources(LOG_GROUP))
    findings = []
    functions = list(template.resources(LAMBDA_FUNCTION))
    for fn in functions:
        configured = (fn.properties.get("LoggingConfig") or {}).get("LogGroup")
        mine = [
            group
            for group in groups
            if fn.logical_id in _names(group.properties.get("LogGroupName"))
            or (configured is not None and group.logical_id in _names(configured))
        ]
        if not mine:
            findings.append(
                Finding(
                    resource_subject(fn),
                    "no AWS::Logs::LogGroup for its logs: Lambda creates /aws/lambda/<name> "
                    "with no expiry; declare one with RetentionInDays",
                    where(fn),
                )
            )
        findings += [
            Finding(
                resource_subject(fn), f"log group {g.logical_id} has no RetentionInDays", where(g)
            )
            for g in mine
            if g.properties.get("RetentionInDays") is None
        ]
    return outcome((resource_subject(fn) for fn in functions), findings)


def _names(value: Any) -> set[str]:
    return {reference.name.split(".")[0] for reference in references_in(value)}


def plain_text_secrets(checked: CheckInput) -> Outcome:
    """No secret is written in the template, and secret-looking parameters are ``NoEcho``.

    The whole SAM source is scanned (:mod:`harness.checks.secrets`: access keys, private keys,
    URLs with passwords, and secret-named values held as literals, in any property, variable
    or parameter default): a secret belongs in Secrets Manager or SSM, reached by a resource
    or a ``{{resolve:...}}`` dynamic reference. A parameter whose name says secret must be
    ``NoEcho``, or its value shows in the console and in describe-stacks.
    """
    model = checked.model
    findings = [
        Finding(
            leak.subject,
            f"{leak.describe()}: keep it in Secrets Manager or SSM and refer to it (a resource, "
            "or a {{resolve:...}} dynamic reference)",
            checked.at(_subject_line(model, leak.subject) or leak.line),
        )
        for leak in find_plain_text_secrets(load_document(model.path))
    ]
    for parameter in model.parameters.values():
        if SECRET_NAME.search(parameter.name) and not parameter.no_echo:
            findings.append(
                Finding(
                    parameter.name,
                    "secret-looking parameter without NoEcho: its value shows in the console "
                    "and in describe-stacks",
                    checked.at(parameter.line),
                )
            )
    subjects = [*model.functions, *model.parameters]
    return outcome(subjects, findings)


def _subject_line(model: Any, subject: str) -> int:
    """The line a function or parameter of the model starts on, 0 for anything else."""
    for declared in (model.functions.get(subject), model.parameters.get(subject)):
        if declared is not None:
            return int(declared.line)
    return 0


def api_timeout(checked: CheckInput) -> Outcome:
    """A function behind an API returns before API Gateway gives up on it (29 s REST, 30 s HTTP)."""
    model = checked.model
    findings = []
    subjects = []
    for route in model.routes:
        function = model.functions.get(route.function_id or "")
        if function is None or function.logical_id in subjects:
            continue
        subjects.append(function.logical_id)
        kind = model.apis[route.api_id].kind
        limit = INTEGRATION_LIMIT_S[kind]
        if function.timeout_s > limit:
            findings.append(
                Finding(
                    function.logical_id,
                    f"Timeout {function.timeout_s} s is above the {limit} s a {kind} API waits "
                    f"for its integration ({route.method} {route.path}): clients get a 5xx "
                    "while the function still runs",
                    checked.at(function.line),
                )
            )
    return outcome(subjects, findings)


def alias_alarms(checked: CheckInput) -> Outcome:
    """Every published alias is shifted by CodeDeploy with alarms that can roll it back."""
    findings = []
    subjects = []
    for function in checked.model.functions.values():
        if not function.auto_publish_alias:
            continue
        subjects.append(function.logical_id)
        preference = function.deployment_preference or {}
        if not preference:
            problem = "has no DeploymentPreference: a bad version takes all traffic at once"
        elif not preference.get("Alarms"):
            problem = "DeploymentPreference has no Alarms: nothing can roll a bad version back"
        else:
            continue
        findings.append(
            Finding(
                function.logical_id,
                f"alias {function.auto_publish_alias} {problem}",
                checked.at(function.line),
            )
        )
    return outcome(subjects, findings)


def failure_destinations(checked: CheckInput) -> Outcome:
    """Asynchronous and stream events that fail end up somewhere: a DLQ or OnFailure.

    Lambda retries an asynchronous event twice and then drops it, unless the function has a
    ``DeadLetterQueue`` or an ``EventInvokeConfig`` ``OnFailure`` destination; a stream
    source's failed batch needs its event's ``DestinationConfig.OnFailure``.
    """
    findings = []
    subjects = []
    for function in checked.model.functions.values():
        events = function.properties.get("Events") or {}
        asynchronous = [n for n, e in events.items() if _event_type(e) in ASYNC_SOURCES]
        streams = [n for n, e in events.items() if _event_type(e) in STREAM_SOURCES]
        if asynchronous or streams:
            subjects.append(function.logical_id)
        if asynchronous and not _has_async_destination(function.properties):
            findings.append(
                Finding(
                    function.logical_id,
                    f"asynchronous events {', '.join(asynchronous)} have nowhere to go when "
                    "they fail: add DeadLetterQueue or EventInvokeConfig DestinationConfig "
                    "OnFailure",
                    checked.at(function.line),
                )
            )
        findings += [
            Finding(
                function.logical_id,
                f"stream event {name} has no DestinationConfig OnFailure for failed batches",
                checked.at(function.line),
            )
            for name in streams
            if not ((events[name].get("Properties") or {}).get("DestinationConfig") or {}).get(
                "OnFailure"
            )
        ]
    return outcome(subjects, findings)


def _event_type(event: Any) -> str | None:
    return event.get("Type") if isinstance(event, dict) else None


def _has_async_destination(properties: Any) -> bool:
    if properties.get("DeadLetterQueue"):
        return True
    config = properties.get("EventInvokeConfig") or {}
    return bool((config.get("DestinationConfig") or {}).get("OnFailure"))
