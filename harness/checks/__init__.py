"""The check pack: best-practice checks every SAM app gets as template-layer tests.

Switched on with ``harness_check_pack = true``, each check below is one pytest test named
by its stable id (``HC101-function-tracing``) in the template layer; a failure lists every
subject at fault with the ``file:line`` to fix. ``harness_check_ignores`` switches a check
off, for the whole app (``HC103: logs go to a central account``) or for one resource
(``HC109 ReportFunction: runs behind an async API``), always with a reason.
"""

from __future__ import annotations

from harness.checks import access, apis, functions, tables
from harness.checks.pack import Check, CheckInput, Finding, Ignore, Outcome, parse_ignores

CHECKS: tuple[Check, ...] = (
    Check(
        "HC101",
        "function-tracing",
        "every Lambda function traces with X-Ray",
        "a request crossing API Gateway, Lambda and DynamoDB can be followed and timed",
        functions.tracing,
    ),
    Check(
        "HC102",
        "log-retention",
        "every function logs to a declared log group with a retention",
        "Lambda's own /aws/lambda/<name> group keeps logs forever and belongs to no stack",
        functions.log_retention,
    ),
    Check(
        "HC103",
        "least-privilege",
        "no role allows * or service:*, and none has an admin or FullAccess managed policy",
        "a compromised or buggy function can do only what it needs",
        access.least_privilege,
    ),
    Check(
        "HC104",
        "no-plain-text-secrets",
        "no key, password, token or credential URL is written in the template, and "
        "secret-looking parameters are NoEcho",
        "template, console and describe-stacks would show them to anyone who can read them",
        functions.plain_text_secrets,
    ),
    Check(
        "HC105",
        "alias-alarms",
        "every published alias shifts through CodeDeploy with rollback alarms",
        "a bad version is rolled back by an alarm instead of taking all traffic",
        functions.alias_alarms,
    ),
    Check(
        "HC106",
        "api-throttling",
        "every API stage sets a rate and burst limit",
        "one client cannot use up the account's Lambda concurrency",
        apis.throttling,
    ),
    Check(
        "HC107",
        "api-access-logs",
        "every API stage writes access logs",
        "who called what, and what API Gateway answered, before any function ran",
        apis.access_logs,
    ),
    Check(
        "HC108",
        "api-tracing",
        "every REST API stage traces with X-Ray",
        "the API's own time shows in the trace (HTTP APIs have no X-Ray)",
        apis.rest_tracing,
    ),
    Check(
        "HC109",
        "api-timeout",
        "functions behind an API time out below API Gateway's limit (29 s REST, 30 s HTTP)",
        "otherwise clients get a 5xx while the function still runs and is billed",
        functions.api_timeout,
    ),
    Check(
        "HC110",
        "failure-destinations",
        "asynchronous and stream events that fail go to a DLQ or an OnFailure destination",
        "Lambda drops an asynchronous event after two retries; nothing says it failed",
        functions.failure_destinations,
    ),
    Check(
        "HC111",
        "table-point-in-time-recovery",
        "every DynamoDB table has point-in-time recovery",
        "a bad write or delete can be undone to the second",
        tables.point_in_time_recovery,
    ),
    Check(
        "HC112",
        "table-retention",
        "every DynamoDB table is retained on stack deletion and replacement",
        "deleting or replacing the stack must never delete the data",
        tables.retention,
    ),
    Check(
        "HC113",
        "own-secrets-only",
        "each function may read exactly the secrets and parameters its environment names",
        "a compromised or buggy function cannot read another's credentials",
        access.own_secrets,
    ),
)

CHECKS_BY_ID = {check.id: check for check in CHECKS}

__all__ = [
    "CHECKS",
    "CHECKS_BY_ID",
    "Check",
    "CheckInput",
    "Finding",
    "Ignore",
    "Outcome",
    "parse_ignores",
]
