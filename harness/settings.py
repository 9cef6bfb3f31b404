"""Where the harness's own settings come from, and which source won.

Every setting can be given on the command line, in the environment (what a CodeBuild
action sets), or in ``pytest.ini``; the first of those that is set wins. The source is
kept next to the value so the pytest header can say *why* a run targets what it does,
which is the first thing anyone asks when a pipeline gate behaves unexpectedly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

TARGETS = ("embedded", "localstack", "aws")
STAGES = ("dev", "staging", "prod")


@dataclass(frozen=True)
class OptionSpec:
    """One harness option: its command-line flag, environment variables and ini key."""

    name: str
    flag: str
    env_vars: tuple[str, ...]
    ini_key: str
    default: str | None
    choices: tuple[str, ...] | None
    help: str


OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec(
        "target",
        "--target",
        ("HARNESS_TARGET",),
        "harness_target",
        "embedded",
        TARGETS,
        "where the stack under test runs",
    ),
    OptionSpec(
        "stack_name",
        "--stack-name",
        ("HARNESS_STACK_NAME",),
        "harness_stack_name",
        None,
        None,
        "CloudFormation stack to deploy (embedded) or discover (aws, localstack)",
    ),
    OptionSpec(
        "region",
        "--region",
        ("HARNESS_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"),
        "harness_region",
        "us-east-1",
        None,
        "AWS region of the stack and of offline transforms",
    ),
    OptionSpec(
        "stage",
        "--stage",
        ("HARNESS_STAGE",),
        "harness_stage",
        "dev",
        STAGES,
        "deployment stage of the stack under test",
    ),
)


class SettingsError(ValueError):
    """A harness option has a value it cannot take; the message names option and source."""


@dataclass(frozen=True)
class Setting:
    """A resolved value and a human-readable note of where it came from."""

    value: str | None
    source: str


@dataclass(frozen=True)
class HarnessSettings:
    """The resolved options of one pytest session."""

    target: str
    stack_name: str | None
    region: str
    stage: str
    sources: Mapping[str, str]

    def describe(self) -> str:
        """One line for the pytest header, e.g. ``target=embedded (default)``."""
        parts = []
        for spec in OPTIONS:
            value = getattr(self, spec.name)
            parts.append(f"{spec.name}={value or '-'} ({self.sources[spec.name]})")
        return "harness: " + ", ".join(parts)


def resolve_option(
    spec: OptionSpec,
    cli_value: str | None,
    environ: Mapping[str, str],
    ini_value: str | None,
) -> Setting:
    """Pick the value of one option: command line, then environment, then ini, then default."""
    candidates: list[Setting] = [Setting(cli_value, f"command line {spec.flag}")]
    candidates += [Setting(environ.get(var), f"environment {var}") for var in spec.env_vars]
    candidates.append(Setting(ini_value, f"ini {spec.ini_key}"))
    chosen = next((c for c in candidates if c.value), Setting(spec.default, "default"))
    if spec.choices and chosen.value not in spec.choices:
        raise SettingsError(
            f"{spec.flag}: {chosen.value!r} from {chosen.source} is not one of "
            f"{', '.join(spec.choices)}"
        )
    return chosen


def resolve_settings(
    cli_values: Mapping[str, str | None],
    environ: Mapping[str, str],
    ini_values: Mapping[str, str | None],
) -> HarnessSettings:
    """Resolve every option; values are keyed by :attr:`OptionSpec.name`."""
    resolved = {
        spec.name: resolve_option(
            spec, cli_values.get(spec.name), environ, ini_values.get(spec.name)
        )
        for spec in OPTIONS
    }
    return HarnessSettings(
        target=str(resolved["target"].value),
        stack_name=resolved["stack_name"].value,
        region=str(resolved["region"].value),
        stage=str(resolved["stage"].value),
        sources={name: setting.source for name, setting in resolved.items()},
    )
