"""Where the harness's own settings come from, and which source won.

Every setting can be given on the command line, in the environment (what a CodeBuild
action sets), or in ``pytest.ini``; the first of those that is set wins. The source is
kept next to the value so the pytest header can say *why* a run targets what it does,
which is the first thing anyone asks when a pipeline gate behaves unexpectedly.

Stack parameters are the one option with many values, ``KEY=VALUE`` each: ``--parameter``
(repeatable), ``HARNESS_PARAMETERS`` and ini ``harness_parameters`` (one a line). The same
precedence holds key by key, so the ini can hold a repository's values and one run can
override one of them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

TARGETS = ("embedded", "localstack", "aws")
STAGES = ("dev", "staging", "prod")
INIT_FAILURE_MODES = ("fail", "report")

DEFAULT_MAX_CONCURRENCY = max(32, 8 * (os.cpu_count() or 1))
"""Execution environments one function may run at once on the embedded target.

It stands for the account's concurrency limit (1,000 on AWS): past it an invocation is
throttled as Lambda throttles. Here each environment is a process (25 to 60 MB, 0.1 to
0.3 s to start, started only when every other one is busy), so the cap protects the
machine while staying above what test clients use: the issue's probes ran 16 and 20
concurrent clients, xdist runs one client per core. Handlers mostly wait on moto, so
environments beyond the core count still add throughput: 8 per core, at least 32.
"""


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
    OptionSpec(
        "max_concurrency",
        "--max-concurrency",
        ("HARNESS_MAX_CONCURRENCY",),
        "harness_max_concurrency",
        str(DEFAULT_MAX_CONCURRENCY),
        None,
        "embedded target: execution environments per function before Lambda throttles "
        "(a function's ReservedConcurrentExecutions lowers it)",
    ),
    OptionSpec(
        "init_failures",
        "--init-failures",
        ("HARNESS_INIT_FAILURES",),
        "harness_init_failures",
        "fail",
        INIT_FAILURE_MODES,
        "embedded target: a handler that fails INIT (import, syntax) fails the deploy (fail) "
        "or answers every invocation with its error (report)",
    ),
    OptionSpec(
        "release_time_scale",
        "--release-time-scale",
        ("HARNESS_RELEASE_TIME_SCALE",),
        "harness_release_time_scale",
        "60",
        None,
        "embedded target: how many times faster than AWS releases run (CodeDeploy intervals, "
        "alarm periods); 60 makes a minute a second",
    ),
    OptionSpec(
        "stage_parameter",
        "--stage-parameter",
        ("HARNESS_STAGE_PARAMETER",),
        "harness_stage_parameter",
        "Stage",
        None,
        "template parameter that receives the stage, when the template declares it",
    ),
)

PARAMETERS_FLAG = "--parameter"
PARAMETERS_ENV = "HARNESS_PARAMETERS"
PARAMETERS_INI = "harness_parameters"
PARAMETERS_HELP = (
    f"stack parameter KEY=VALUE, repeatable (env {PARAMETERS_ENV}: KEY=VALUE entries separated "
    f"by newlines or commas; ini {PARAMETERS_INI}: one KEY=VALUE a line)"
)
# In the environment variable a comma separates entries only where a new KEY= follows, so a
# CommaDelimitedList value (A=x,y,B=z: A is "x,y") passes as CloudFormation would take it.
_ENV_SEPARATOR = re.compile(r"\n|,(?=\s*[A-Za-z0-9]+=)")


OPTIONS_BY_NAME = {spec.name: spec for spec in OPTIONS}


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
    max_concurrency: int
    init_failures: str
    sources: Mapping[str, str]
    stage_parameter: str = "Stage"
    release_time_scale: float = 60.0
    parameters: Mapping[str, Setting] = field(default_factory=dict)

    def describe(self) -> str:
        """One line for the pytest header, e.g. ``target=embedded (default)``."""
        parts = []
        for spec in OPTIONS:
            value = getattr(self, spec.name)
            parts.append(f"{spec.name}={value or '-'} ({self.sources[spec.name]})")
        given = [
            f"{key}={setting.value} ({setting.source})" for key, setting in self.parameters.items()
        ]
        parts.append(f"parameters={', '.join(given) if given else '- (none given)'}")
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


def resolve_parameters(
    cli_values: Sequence[str], environ: Mapping[str, str], ini_lines: Sequence[str]
) -> dict[str, Setting]:
    """Stack parameters key by key: command line, then environment, then ini."""
    parameters: dict[str, Setting] = {}
    sources = [
        (ini_lines, f"ini {PARAMETERS_INI}"),
        (_ENV_SEPARATOR.split(environ.get(PARAMETERS_ENV, "")), f"environment {PARAMETERS_ENV}"),
        (cli_values, f"command line {PARAMETERS_FLAG}"),
    ]
    for entries, source in sources:  # lowest precedence first: later sources overwrite
        for entry in entries:
            if not entry.strip():
                continue
            key, equals, value = entry.strip().partition("=")
            if not equals or not re.fullmatch(r"[A-Za-z0-9]+", key.strip()):
                raise SettingsError(
                    f"{PARAMETERS_FLAG}: {entry.strip()!r} from {source} is not KEY=VALUE "
                    "(a parameter name is letters and digits)"
                )
            parameters[key.strip()] = Setting(value.strip(), source)
    return parameters


def resolve_settings(
    cli_values: Mapping[str, str | None],
    environ: Mapping[str, str],
    ini_values: Mapping[str, str | None],
    *,
    cli_parameters: Sequence[str] = (),
    ini_parameters: Sequence[str] = (),
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
        max_concurrency=_positive_int(OPTIONS_BY_NAME["max_concurrency"], resolved),
        init_failures=str(resolved["init_failures"].value),
        release_time_scale=_positive_number(OPTIONS_BY_NAME["release_time_scale"], resolved),
        sources={name: setting.source for name, setting in resolved.items()},
        stage_parameter=str(resolved["stage_parameter"].value),
        parameters=resolve_parameters(cli_parameters, environ, ini_parameters),
    )


def _positive_number(spec: OptionSpec, resolved: Mapping[str, Setting]) -> float:
    return _positive(spec, resolved, float, "number")


def _positive_int(spec: OptionSpec, resolved: Mapping[str, Setting]) -> int:
    return int(_positive(spec, resolved, int, "integer"))


def _positive(
    spec: OptionSpec, resolved: Mapping[str, Setting], kind: type[float], noun: str
) -> float:
    setting = resolved[spec.name]
    try:
        number = kind(str(setting.value))
    except ValueError:
        number = 0
    if not number > 0:
        raise SettingsError(
            f"{spec.flag}: {setting.value!r} from {setting.source} is not a positive {noun}"
        )
    return number
