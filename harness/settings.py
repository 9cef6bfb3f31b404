"""Every option of the harness, declared once, for pytest, the smoke gate and the command line.

Each :class:`~harness.config.option.Option` below is a flag (``--stack-name``), an
environment variable (``HARNESS_STACK_NAME``, what a CodeBuild action sets) and an ini key
(``harness_stack_name`` in ``pytest.ini``, ``tox.ini`` or ``pyproject.toml``), resolved
command line > environment > ini > default, with the source shown in the pytest header and
in ``--help`` (:mod:`harness.config.resolve`). To add an option, add one declaration here:
pytest registers it (:mod:`harness.plugin.options`), the commands that list it in
``commands`` take it (:mod:`harness.cli.options`), the header shows it, and the precedence
test (``tests/config/test_precedence.py``) covers it. Read it as ``settings.<name>``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from harness.config.option import (
    INIT,
    LOGS,
    PYTEST,
    REHEARSE,
    UP,
    Choice,
    Flag,
    Integer,
    Lines,
    Number,
    Option,
    Pairs,
    PathKind,
    Raw,
    Setting,
    SettingsError,
)
from harness.config.resolve import HarnessSettings, Sources, resolve
from harness.targets.registry import TARGET_NAMES

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

_DEPLOY = frozenset({PYTEST, UP})
_TEMPLATE = frozenset({PYTEST, UP, INIT})
"""Options that decide how the template is read: init transforms it too."""
_LOCATE = frozenset({LOGS})
"""Options that say where a deployed stack is: ``harness logs`` reads its logs there."""

OPTIONS: tuple[Option, ...] = (
    # Where the stack under test runs, and which one it is.
    Option(
        "target",
        "where the stack under test runs",
        Choice(TARGET_NAMES),
        default="embedded",
        commands=_DEPLOY | _LOCATE,
    ),
    Option(
        "stack_name",
        "CloudFormation stack to deploy (embedded) or discover (aws, localstack)",
        default_note="generated: harness-<stage>-<run id> (harness up: local-<stage>; harness "
        "logs: the running harness up's app stack)",
        commands=_DEPLOY | _LOCATE,
    ),
    Option(
        "region",
        "AWS region of the stack and of offline transforms",
        default="us-east-1",
        env=("AWS_REGION", "AWS_DEFAULT_REGION"),
        commands=_TEMPLATE | _LOCATE | {REHEARSE},
    ),
    Option(
        "stage",
        "deployment stage of the stack under test",
        Choice(STAGES),
        default="dev",
        commands=_TEMPLATE,
    ),
    # The app's own contract: what the harness must be told, or derives from the template.
    Option(
        "app_template",
        "SAM template of the application under test",
        PathKind(),
        default="app/template.yaml",
        commands=_TEMPLATE,
        aliases=("--template",),
    ),
    Option(
        "stage_parameter",
        "template parameter that receives the stage, when the template declares it",
        default="Stage",
        commands=_TEMPLATE,
    ),
    Option(
        "api",
        "logical id of the API that stack.api_url means when the stack has several",
        default_note="the ApiUrl output's API, else the stack's only API",
        commands=_DEPLOY,
    ),
    Option(
        "parameters",
        "stack parameter KEY=VALUE, repeatable (environment: entries separated by newlines, "
        "or by commas before the next KEY=; ini: one a line)",
        Pairs(),
        flag="--parameter",
        commands=_TEMPLATE,
    ),
    Option(
        "stage_output",
        "stack output that names the deployed stage (prod safety trusts it as well as --stage)",
        default_note="the output whose value is a Ref to the stage parameter",
    ),
    Option(
        "health_route",
        "path the smoke gate polls for a 200 before it measures anything",
        default_note="the template's first GET route that needs no input",
    ),
    Option(
        "suites_dir",
        "folder whose subfolders unit, template, integration and smoke are the layers",
        PathKind(),
        default="suites",
        commands=frozenset({PYTEST, INIT}),
    ),
    Option(
        "pipeline_template",
        "CloudFormation template of the release pipeline",
        PathKind(),
        default="pipeline/pipeline.yaml",
        commands=frozenset({PYTEST, REHEARSE}),
        aliases=("--template",),
    ),
    Option(
        "pipeline_parameters",
        "pipeline template parameter KEY=VALUE the rehearsal deploys it with, repeatable "
        "(environment: entries separated by newlines, or by commas before the next KEY=; "
        "ini: one a line)",
        Pairs(),
        flag="--pipeline-parameter",
        aliases=("--parameter",),
        default_note="the template's defaults; rehearsal values for required ones",
        commands=frozenset({REHEARSE}),
    ),
    Option(
        "stage_bootstrap_template",
        "CloudFormation template deployed in each stage's account",
        PathKind(),
        default="pipeline/stage-bootstrap.yaml",
    ),
    Option(
        "prerequisite_stacks",
        "stacks deployed before the app's, in order, so its Fn::ImportValue resolves: one "
        "STACK_NAME=TEMPLATE_PATH a line (paths relative to the rootdir)",
        Lines(),
        commands=_DEPLOY,
        examples=("auth=infra/auth.yaml", "shared=infra/shared.yaml", "net=net.yaml"),
    ),
    Option(
        "shard",
        "run only shard K of N (K/N) of the collected tests, balanced by the durations in "
        "harness_test_durations (harness.pipeline.sharding)",
        commands=frozenset({PYTEST}),
        examples=("1/2", "2/2", "1/3"),
    ),
    Option(
        "test_durations",
        "JSON file of test id to seconds that --shard balances by",
        PathKind(),
        default="test-durations.json",
        commands=frozenset({PYTEST}),
    ),
    # The check pack (template layer).
    Option(
        "check_pack",
        "run the harness's best-practice template checks in the template layer",
        Flag(),
        default="false",
    ),
    Option(
        "check_ignores",
        "checks switched off, one 'ID: reason' or 'ID LogicalId: reason' a line",
        Lines(),
        examples=("HC101: traced elsewhere", "HC102 Fn: central logs", "HC111: a cache"),
    ),
    # The embedded target's Lambda emulation.
    Option(
        "max_concurrency",
        "embedded target: execution environments per function before Lambda throttles "
        "(a function's ReservedConcurrentExecutions lowers it)",
        Integer(),
        default=str(DEFAULT_MAX_CONCURRENCY),
        commands=_DEPLOY,
    ),
    Option(
        "init_failures",
        "embedded target: a handler that fails INIT (import, syntax) fails the deploy (fail) "
        "or answers every invocation with its error (report)",
        Choice(INIT_FAILURE_MODES),
        default="fail",
        commands=_DEPLOY,
    ),
    Option(
        "release_time_scale",
        "embedded target: how many times faster than AWS releases run (CodeDeploy intervals, "
        "alarm periods); 60 makes a minute a second",
        Number(),
        default="60",
        commands=_DEPLOY | {REHEARSE},
    ),
    # The smoke gate.
    Option(
        "smoke_latency_budget_ms",
        "p95 latency budget of readonly requests, in ms",
        Number(),
        "1000",
    ),
    Option(
        "smoke_latency_samples",
        "number of readonly requests the latency p95 is taken over",
        Integer(),
        "20",
    ),
    Option(
        "smoke_latency_paths",
        "paths the latency requests cycle through (GET, readonly), one a line",
        Lines(),
        default_note="the health route",
    ),
    Option(
        "smoke_ready_timeout_s", "how long warm-up polls the health route for a 200", Number(), "60"
    ),
    Option(
        "smoke_sweep_max_age_minutes",
        "synthetic data older than this is swept at start",
        Number(),
        "60",
    ),
    Option(
        "smoke_session_timeout_s",
        "session timeout (pytest-timeout); below CodeBuild's 15 min",
        Number(),
        "480",
    ),
    Option("smoke_test_timeout_s", "per-test timeout, deploy and warm-up included", Number(), "90"),
    Option(
        "smoke_sigv4",
        "sign API requests with SigV4 (execute-api), for APIs behind IAM authorization",
        Flag(),
        "false",
    ),
    Option(
        "watch",
        "harness up: release the running stack again when the template or a function's code "
        "changes (like sam sync --watch)",
        Flag(),
        "false",
        commands=frozenset({UP}),
    ),
    Option(
        "smoke_allow_mutating_on_prod",
        "run mutating smoke tests on prod too; logged and recorded in the report",
        Flag(),
        "false",
    ),
)

OPTIONS_BY_NAME = {option.name: option for option in OPTIONS}


def options_for(command: str) -> tuple[Option, ...]:
    """The options a command line (``pytest``, ``up``, ``init``, ``rehearse``, ``logs``) takes."""
    return tuple(option for option in OPTIONS if command in option.commands)


def resolve_settings(
    cli: Mapping[str, Raw],
    environ: Mapping[str, str],
    ini: Mapping[str, Raw],
    *,
    cli_dir: Path | None = None,
    ini_dir: Path | None = None,
    options: Sequence[Option] = OPTIONS,
) -> HarnessSettings:
    """Resolve ``options`` from raw values keyed by option name; paths start at the dirs."""
    here = Path.cwd()
    sources = Sources(cli, environ, ini, cli_dir or here, ini_dir or cli_dir or here)
    return resolve(options, sources)


__all__ = [
    "DEFAULT_MAX_CONCURRENCY",
    "INIT_FAILURE_MODES",
    "OPTIONS",
    "OPTIONS_BY_NAME",
    "STAGES",
    "HarnessSettings",
    "Option",
    "Setting",
    "SettingsError",
    "options_for",
    "resolve_settings",
]
