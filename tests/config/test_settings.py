"""What the resolved options mean: errors naming option and source, parameters, the header."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.settings import DEFAULT_MAX_CONCURRENCY, SettingsError, resolve_settings


def test_region_falls_back_to_the_aws_variables_in_order() -> None:
    environ = {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-west-2"}
    settings = resolve_settings({}, environ, {})
    assert (settings.region, settings.source("region")) == ("eu-west-1", "environment AWS_REGION")


def test_an_invalid_choice_names_the_option_and_where_it_came_from() -> None:
    with pytest.raises(SettingsError, match=r"--target: 'lambda' from environment HARNESS_TARGET"):
        resolve_settings({}, {"HARNESS_TARGET": "lambda"}, {})


def test_defaults_that_are_derived_later_say_so() -> None:
    settings = resolve_settings({}, {}, {})
    assert settings.stack_name is None
    assert settings.source("stack_name").startswith("default: generated")
    assert settings.source("health_route").startswith("default: the template's first GET")


def test_embedded_lambda_settings_default_and_resolve_like_the_others() -> None:
    defaults = resolve_settings({}, {}, {})
    assert defaults.max_concurrency == DEFAULT_MAX_CONCURRENCY >= 16
    assert defaults.init_failures == "fail"
    chosen = resolve_settings({}, {"HARNESS_INIT_FAILURES": "report"}, {"max_concurrency": "4"})
    assert chosen.max_concurrency == 4
    assert chosen.sources["max_concurrency"] == "ini harness_max_concurrency"


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


def test_a_flag_that_is_not_true_or_false_is_named() -> None:
    with pytest.raises(SettingsError, match=r"--check-pack: 'sure' from environment"):
        resolve_settings({}, {"HARNESS_CHECK_PACK": "sure"}, {})


def test_paths_start_at_the_command_line_or_at_the_ini_file(tmp_path: Path) -> None:
    here, root = tmp_path / "here", tmp_path / "root"
    from_cli = resolve_settings({"app_template": "t.yaml"}, {}, {}, cli_dir=here, ini_dir=root)
    from_ini = resolve_settings({}, {}, {"app_template": "t.yaml"}, cli_dir=here, ini_dir=root)
    default = resolve_settings({}, {}, {}, cli_dir=here, ini_dir=root)
    assert from_cli.app_template == here / "t.yaml"
    assert from_ini.app_template == root / "t.yaml"
    assert default.app_template == root / "app" / "template.yaml"


def test_parameters_resolve_key_by_key_command_line_then_environment_then_ini() -> None:
    settings = resolve_settings(
        {"parameters": ["Memory=1024"]},
        {"HARNESS_PARAMETERS": "Memory=512\nTable=from-env"},
        {"parameters": ["Memory=256", "Table=from-ini", "Owner=team"]},
    )
    assert {key: (s.value, s.source) for key, s in settings.parameters.items()} == {
        "Memory": ("1024", "command line --parameter"),
        "Table": ("from-env", "environment HARNESS_PARAMETERS"),
        "Owner": ("team", "ini harness_parameters"),
    }


def test_the_environment_separates_entries_by_newlines_or_commas_before_a_key() -> None:
    environ = {"HARNESS_PARAMETERS": "Origins=https://a,https://b, Table=t\nEmpty="}
    parameters = resolve_settings({}, environ, {}).parameters
    assert {key: s.value for key, s in parameters.items()} == {
        "Origins": "https://a,https://b",
        "Table": "t",
        "Empty": "",
    }


def test_a_parameter_that_is_not_key_value_names_its_source() -> None:
    with pytest.raises(SettingsError, match=r"--parameter: \['Memory'\] from ini harness_param"):
        resolve_settings({}, {}, {"parameters": ["Memory"]})


def test_the_header_lists_every_option_with_value_and_source() -> None:
    settings = resolve_settings(
        {"stage": "prod", "parameters": ["Table=t"]}, {"HARNESS_STACK_NAME": "items-prod"}, {}
    )
    lines = settings.describe()
    assert lines[0].startswith("harness settings (command line > environment > ini > default)")
    assert "  stage = prod (command line --stage)" in lines
    assert "  stack_name = items-prod (environment HARNESS_STACK_NAME)" in lines
    assert "  target = embedded (default)" in lines
    assert "  parameters = Table=t (command line --parameter)" in lines
    assert "  parameters = - (none given)" in resolve_settings({}, {}, {}).describe()


def test_pytest_header_help_and_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeini("[pytest]\nharness_stage = staging\n")
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest("--target", "aws")
    result.stdout.fnmatch_lines(["  target = aws (command line --target)"])
    result.stdout.fnmatch_lines(["  stage = staging (ini harness_stage)"])
    monkeypatch.setenv("HARNESS_STAGE", "prod")
    shown = pytester.runpytest("--help")
    shown.stdout.fnmatch_lines(
        [
            "*--stack-name=STACK_NAME*",
            "*(env HARNESS_STACK_NAME, ini*",
            "harness settings (command line > environment > ini > default):",
            "  stage = prod (environment HARNESS_STAGE)",
        ]
    )
    monkeypatch.delenv("HARNESS_STAGE")
    bad = pytester.runpytest("--stage", "qa")
    bad.stderr.fnmatch_lines(["*--stage: 'qa' from command line --stage is not one of dev*"])
    assert bad.ret == pytest.ExitCode.USAGE_ERROR


def test_pytest_takes_parameters_from_all_three_places(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARNESS_PARAMETERS", "Owner=env")
    pytester.makeini("[pytest]\nharness_parameters =\n    Table=ini\n    Owner=ini\n")
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest("--parameter", "Table=cli", "--parameter", "Size=9")
    result.stdout.fnmatch_lines(
        ["  parameters = Table=cli (command line --parameter), Owner=env (environment*, Size=9*"]
    )
