"""Every Lambda function is observable, bounded in time and on a supported runtime."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness import Absent, AnyOf, Satisfies, Template

pytestmark = pytest.mark.template

# API Gateway HTTP APIs give up on an integration after 30 s; a function allowed to run
# longer keeps working (and billing) for a client that has already received a 503.
HTTP_API_INTEGRATION_LIMIT_S = 30
# Runtimes AWS has not announced a deprecation date for; older ones must not ship.
SUPPORTED_RUNTIMES = ("python3.12", "python3.13")


def test_every_function_has_active_tracing(transformed: Callable[..., Template]) -> None:
    transformed().functions().all_match({"Properties": {"TracingConfig": {"Mode": "Active"}}})


def test_every_function_times_out_below_the_http_api_integration_limit(
    transformed: Callable[..., Template],
) -> None:
    below_limit = Satisfies(
        lambda seconds: isinstance(seconds, int) and seconds < HTTP_API_INTEGRATION_LIMIT_S,
        f"a literal number of seconds below {HTTP_API_INTEGRATION_LIMIT_S}",
    )
    # An absent Timeout is Lambda's default of 3 s.
    transformed().functions().all_match({"Properties": {"Timeout": AnyOf(Absent(), below_limit)}})


def test_every_function_runs_on_a_supported_runtime(transformed: Callable[..., Template]) -> None:
    transformed().functions().all_match({"Properties": {"Runtime": AnyOf(*SUPPORTED_RUNTIMES)}})


def test_every_function_logs_to_a_group_with_retention(
    transformed: Callable[..., Template],
) -> None:
    template = transformed()
    retained = template.resources(
        "AWS::Logs::LogGroup", where={"Properties": {"RetentionInDays": Satisfies(bool, "set")}}
    )
    template.functions().all_match(
        {"Properties": {"LoggingConfig": {"LogGroup": AnyOf(*({"Ref": g} for g in retained.ids))}}}
    )
