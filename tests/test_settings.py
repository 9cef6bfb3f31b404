"""Option precedence (command line > environment > ini > default) and its error messages."""

from __future__ import annotations

import pytest

from harness.settings import (
    DEFAULT_MAX_CONCURRENCY,
    OPTIONS,
    SettingsError,
    resolve_option,
    resolve_parameters,
    resolve_settings,
)

TARGET = next(spec for spec in OPTIONS if spec.name == "target")
REGION = next(spec for spec in OPTIONS if spec.name == "region")


def test_command_line_beats_environment_and_ini() -> None:
    setting = resolve_option(TARGET, "aws", {"HARNESS_TARGET": "localstack"}, "embedded")
    assert (setting.value, setting.source) == ("aws", "command line --target")


def test_environment_beats_ini() -> None:
    setting = resolve_option(TARGET, None, {"HARNESS_TARGET": "localstack"}, "aws")
    assert (setting.value, setting.source) == ("localstack", "environment HARNESS_TARGET")


def test_ini_beats_default() -> None:
    setting = resolve_option(TARGET, None, {}, "aws")
    assert (setting.value, setting.source) == ("aws", "ini harness_target")


def test_default_when_nothing_is_set() -> None:
    assert resolve_option(TARGET, None, {}, None).source == "default"


def test_region_falls_back_to_the_aws_variables_in_order() -> None:
    environ = {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-west-2"}
    assert resolve_option(REGION, None, environ, None).value == "eu-west-1"


def test_an_invalid_choice_names_the_option_and_where_it_came_from() -> None:
    with pytest.raises(SettingsError, match=r"--target: 'lambda' from environment HARNESS_TARGET"):
        resolve_option(TARGET, None, {"HARNESS_TARGET": "lambda"}, None)


def test_resolved_settings_describe_every_source() -> None:
    settings = resolve_settings({"stage": "prod"}, {"HARNESS_STACK_NAME": "items-prod"}, {})
    line = settings.describe()
    assert "stage=prod (command line --stage)" in line
    assert "stack_name=items-prod (environment HARNESS_STACK_NAME)" in line
    assert "target=embedded (default)" in line


def test_pytest_header_and_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nharness_stage = staging\n")
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest("-p", "harness.pytest_plugin", "--target", "aws")
    result.stdout.fnmatch_lines(["harness: target=aws (command line --target)*stage=staging (ini*"])
    bad = pytester.runpytest("-p", "harness.pytest_plugin", "--stage", "qa")
    bad.stderr.fnmatch_lines(["*--stage: 'qa' from command line --stage is not one of dev*"])
    assert bad.ret == pytest.ExitCode.USAGE_ERROR


def test_embedded_lambda_settings_default_and_resolve_like_the_others() -> None:
    defaults = resolve_settings({}, {}, {})
    assert defaults.max_concurrency == DEFAULT_MAX_CONCURRENCY >= 16
    assert defaults.init_failures == "fail"
    chosen = resolve_settings({}, {"HARNESS_INIT_FAILURES": "report"}, {"max_concurrency": "4"})
    assert chosen.max_concurrency == 4
    assert chosen.sources["max_concurrency"] == "ini harness_max_concurrency"
    assert chosen.init_failures == "report"


def test_the_release_time_scale_defaults_to_sixty_and_takes_fractions() -> None:
    assert resolve_settings({}, {}, {}).release_time_scale == 60.0
    chosen = resolve_settings({}, {"HARNESS_RELEASE_TIME_SCALE": "600.5"}, {})
    assert chosen.release_time_scale == 600.5
    assert chosen.sources["release_time_scale"] == "environment HARNESS_RELEASE_TIME_SCALE"
    with pytest.raises(SettingsError, match="--release-time-scale: '0'"):
        resolve_settings({}, {}, {"release_time_scale": "0"})


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_a_max_concurrency_that_is_not_a_positive_integer_is_named(value: str) -> None:
    with pytest.raises(SettingsError, match=rf"--max-concurrency: '{value}' from ini "):
        resolve_settings({}, {}, {"max_concurrency": value})


def test_an_unknown_init_failure_mode_is_refused() -> None:
    with pytest.raises(SettingsError, match=r"--init-failures: 'ignore'.*fail, report"):
        resolve_settings({"init_failures": "ignore"}, {}, {})


def test_parameters_resolve_key_by_key_command_line_then_environment_then_ini() -> None:
    parameters = resolve_parameters(
        ["Memory=1024"],
        {"HARNESS_PARAMETERS": "Memory=512\nTable=from-env"},
        ["Memory=256", "Table=from-ini", "Owner=team"],
    )
    assert {key: (s.value, s.source) for key, s in parameters.items()} == {
        "Memory": ("1024", "command line --parameter"),
        "Table": ("from-env", "environment HARNESS_PARAMETERS"),
        "Owner": ("team", "ini harness_parameters"),
    }


def test_the_environment_separates_entries_by_newlines_or_commas_before_a_key() -> None:
    environ = {"HARNESS_PARAMETERS": "Origins=https://a,https://b, Table=t\nEmpty="}
    parameters = resolve_parameters([], environ, [])
    assert {key: s.value for key, s in parameters.items()} == {
        "Origins": "https://a,https://b",
        "Table": "t",
        "Empty": "",
    }


def test_a_parameter_that_is_not_key_value_names_its_source() -> None:
    with pytest.raises(SettingsError, match=r"--parameter: 'Memory' from ini harness_parameters"):
        resolve_parameters([], {}, ["Memory"])


def test_parameters_and_the_stage_parameter_show_in_the_header_line() -> None:
    settings = resolve_settings(
        {}, {"HARNESS_STAGE_PARAMETER": "Env"}, {}, cli_parameters=["Table=t"]
    )
    line = settings.describe()
    assert "stage_parameter=Env (environment HARNESS_STAGE_PARAMETER)" in line
    assert "parameters=Table=t (command line --parameter)" in line
    assert "parameters=- (none given)" in resolve_settings({}, {}, {}).describe()


def test_pytest_takes_parameters_from_all_three_places(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nharness_parameters =\n    Table=ini\n    Owner=ini\n")
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest(
        "-p", "harness.pytest_plugin", "--parameter", "Table=cli", "--parameter", "Size=9"
    )
    result.stdout.fnmatch_lines(
        ["harness: *parameters=Table=cli (command line --parameter), Owner=ini (ini*, Size=9*"]
    )
