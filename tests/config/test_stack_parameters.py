"""The parameters every layer deploys, transforms and unit-tests a template with."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from harness.config.stack_parameters import stack_parameters, template_parameters
from harness.settings import Setting, SettingsError, resolve_settings

APPS = Path(__file__).resolve().parents[2] / "fixtures" / "sam"


def given(**values: str) -> dict[str, Setting]:
    return {key: Setting(value, "command line --parameter") for key, value in values.items()}


def test_the_stage_goes_only_to_templates_that_declare_it() -> None:
    rest = template_parameters(
        APPS / "rest_auth" / "template.yaml", {}, stage="prod", stage_parameter="Stage"
    )
    assert rest == {"Stage": "prod"}
    hello = template_parameters(
        APPS / "hello_world" / "template.yaml", {}, stage="prod", stage_parameter="Stage"
    )
    assert hello == {}


def test_the_stage_parameter_can_be_renamed() -> None:
    settings = resolve_settings({"stage": "staging", "stage_parameter": "Greeting"}, {}, {})
    assert stack_parameters(APPS / "runtimes" / "template.yaml", settings) == {
        "Greeting": "staging"
    }


def test_a_required_parameter_without_a_value_names_it_and_the_three_ways() -> None:
    with pytest.raises(SettingsError) as caught:
        template_parameters(
            APPS / "parameters" / "template.yaml", {}, stage="dev", stage_parameter="Stage"
        )
    message = str(caught.value)
    assert "parameter TableName has no default and no value" in message
    for way in ("--parameter TableName=VALUE", "HARNESS_PARAMETERS", "harness_parameters"):
        assert way in message


def test_given_values_pass_and_unknown_names_are_refused() -> None:
    template = APPS / "parameters" / "template.yaml"
    assert template_parameters(
        template, given(TableName="orders"), stage="dev", stage_parameter="Stage"
    ) == {"TableName": "orders"}
    with pytest.raises(SettingsError, match=r"declares no parameter Tabel \(command line"):
        template_parameters(template, given(Tabel="x"), stage="dev", stage_parameter="Stage")


def test_the_stage_parameter_is_set_with_stage_not_as_a_parameter() -> None:
    with pytest.raises(SettingsError, match=re.escape("set it with --stage")):
        template_parameters(
            APPS / "rest_auth" / "template.yaml",
            given(Stage="prod"),
            stage="dev",
            stage_parameter="Stage",
        )


def test_a_session_without_a_required_parameter_fails_before_deploying(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini(f"[pytest]\nharness_app_template = {APPS / 'parameters' / 'template.yaml'}\n")
    pytester.makepyfile(
        textwrap.dedent(
            """\
            def test_deploys(stack):
                raise AssertionError("never reached")

            def test_parameters(app_parameters):
                assert app_parameters == {"TableName": "t"}
            """
        )
    )
    failed = pytester.runpytest("-p", "harness.plugin", "-k", "deploys")
    failed.stdout.fnmatch_lines(["*parameter TableName has no default and no value*"])
    failed.assert_outcomes(errors=1)
    assert "never reached" not in failed.stdout.str()
    passed = pytester.runpytest(
        "-p", "harness.plugin", "-k", "parameters", "--parameter", "TableName=t"
    )
    passed.assert_outcomes(passed=1)
