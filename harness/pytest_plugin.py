"""The harness's pytest plugin: options, markers, the header line, offline isolation.

Deliberately thin: every fixture that builds something heavy lives in a module of
:mod:`harness.fixtures` around an engine of its own, listed in ``pytest_plugins`` below.
A repository adopting the harness loads it from its root ``conftest.py`` with
``pytest_plugins = ["harness.pytest_plugin"]``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.isolation import (
    LOOPBACK_HOSTS,
    OFFLINE_AWS_ENV,
    OFFLINE_AWS_UNSET,
    loopback_only_resolution,
)
from harness.settings import (
    OPTIONS,
    PARAMETERS_FLAG,
    PARAMETERS_HELP,
    PARAMETERS_INI,
    HarnessSettings,
    SettingsError,
    resolve_settings,
)

pytest_plugins = (
    "harness.fixtures.unit",
    "harness.fixtures.template",
    "harness.fixtures.targets",
    "harness.fixtures.smoke",
)

LAYERS = ("unit", "template", "integration", "smoke")
OFFLINE_LAYERS = frozenset({"unit", "template"})
MARKERS = {
    "unit": "unit layer: handlers and data layer against moto, in-process",
    "template": "template layer: SAM source, transformed CloudFormation, pipeline, cfn-lint",
    "integration": "integration layer: a deployed stack on the selected target",
    "smoke": "smoke layer: the post-deploy gate",
    "readonly": "sends no request that changes state; safe on prod",
    "mutating": "creates or deletes data; never run against prod unless overridden",
}
SETTINGS_KEY = pytest.StashKey[HarnessSettings]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("harness", "serverless verification harness")
    for spec in OPTIONS:
        env_names = " or ".join(spec.env_vars)
        group.addoption(
            spec.flag,
            dest=f"harness_{spec.name}",
            default=None,
            help=f"{spec.help} (env {env_names}, ini {spec.ini_key}; default {spec.default})",
        )
        parser.addini(spec.ini_key, f"{spec.help} (see {spec.flag})", default=None)
    group.addoption(
        PARAMETERS_FLAG,
        dest="harness_parameters",
        action="append",
        default=[],
        help=PARAMETERS_HELP,
    )
    parser.addini(PARAMETERS_INI, f"stack parameters (see {PARAMETERS_FLAG})", type="linelist")
    parser.addini(
        "harness_app_template",
        "SAM template of the application under test, relative to the rootdir",
        default="app/template.yaml",
    )
    parser.addini(
        "harness_pipeline_template",
        "CloudFormation template of the release pipeline, relative to the rootdir",
        default="pipeline/pipeline.yaml",
    )
    parser.addini(
        "harness_test_durations",
        "JSON file of test id to seconds that --shard balances by, relative to the rootdir",
        default="test-durations.json",
    )
    parser.addini(
        "harness_stage_bootstrap_template",
        "CloudFormation template deployed in each stage's account, relative to the rootdir",
        default="pipeline/stage-bootstrap.yaml",
    )


def settings_of(config: pytest.Config) -> HarnessSettings:
    """The session's resolved settings, resolved on first use.

    Lazily, because other plugins' ``pytest_configure`` hooks (the smoke gate's picks its
    report path from the stage) may run before this plugin's.
    """
    if SETTINGS_KEY not in config.stash:
        try:
            config.stash[SETTINGS_KEY] = resolve_settings(
                cli_values={s.name: config.getoption(f"harness_{s.name}") for s in OPTIONS},
                environ=os.environ,
                ini_values={s.name: config.getini(s.ini_key) or None for s in OPTIONS},
                cli_parameters=config.getoption("harness_parameters"),
                ini_parameters=config.getini(PARAMETERS_INI),
            )
        except SettingsError as error:
            raise pytest.UsageError(str(error)) from error
    return config.stash[SETTINGS_KEY]


def pytest_configure(config: pytest.Config) -> None:
    for name, description in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {description}")
    settings_of(config)


def pytest_report_header(config: pytest.Config) -> str:
    return settings_of(config).describe()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test of ``suites/<layer>/`` with its layer, and fence the offline layers.

    The layer marker comes from the folder so a test can never be filed under one layer
    and selected as another. Offline layers get pytest-socket's ``allow_hosts`` marker.
    """
    suites = config.rootpath / "suites"
    for item in items:
        if item.path.is_relative_to(suites):
            layer = item.path.relative_to(suites).parts[0]
            if layer in LAYERS:
                item.add_marker(layer)
        if any(item.get_closest_marker(layer) for layer in OFFLINE_LAYERS):
            item.add_marker(pytest.mark.allow_hosts(list(LOOPBACK_HOSTS)))
    shard = settings_of(config).shard
    if shard:
        _keep_shard(config, items, shard)


def _keep_shard(config: pytest.Config, items: list[pytest.Item], shard: str) -> None:
    """Deselect every test not in this shard (see :mod:`harness.sharding`)."""
    from harness.sharding import ShardError, assign, parse_shard, read_durations

    try:
        index, count = parse_shard(shard)
        durations = read_durations(config.rootpath / config.getini("harness_test_durations"))
    except ShardError as error:
        raise pytest.UsageError(str(error)) from error
    kept = set(assign((item.nodeid for item in items), durations, count)[index - 1])
    deselected = [item for item in items if item.nodeid not in kept]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item.nodeid in kept]


@pytest.fixture(scope="session")
def harness_settings(pytestconfig: pytest.Config) -> HarnessSettings:
    """The resolved ``--target``, ``--stack-name``, ``--region`` and ``--stage``."""
    return settings_of(pytestconfig)


@pytest.fixture(scope="session")
def app_template_path(pytestconfig: pytest.Config) -> Path:
    """The SAM template of the application under test (ini ``harness_app_template``)."""
    return pytestconfig.rootpath / pytestconfig.getini("harness_app_template")


@pytest.fixture(scope="session")
def app_parameters(app_template_path: Path, harness_settings: HarnessSettings) -> dict[str, str]:
    """The app's stack parameters: ``--parameter`` values and the stage, checked.

    Every layer (unit, template, deploy) uses these. A parameter the template needs and
    nobody gave fails here, before anything deploys, naming it and how to set it.
    """
    from harness.stack_parameters import stack_parameters

    try:
        return stack_parameters(app_template_path, harness_settings)
    except SettingsError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(autouse=True)
def _offline_layer_isolation(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Fake credentials and loopback-only name resolution for unit and template tests."""
    if not any(request.node.get_closest_marker(layer) for layer in OFFLINE_LAYERS):
        yield
        return
    for name in OFFLINE_AWS_UNSET:
        monkeypatch.delenv(name, raising=False)
    for name, value in OFFLINE_AWS_ENV.items():
        monkeypatch.setenv(name, value)
    with loopback_only_resolution():
        yield
