"""Every harness option in pytest: registered from the declarations, resolved once, shown.

The declarations are :data:`harness.settings.OPTIONS`; this module only hands them to
pytest (a flag and an ini key each), resolves them for the session (command line >
environment > ini > default) and shows the result with its sources in the header and at
the end of ``pytest --help``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.settings import OPTIONS, HarnessSettings, SettingsError, resolve_settings

SETTINGS_KEY = pytest.StashKey[HarnessSettings]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("harness", "serverless verification harness")
    for option in OPTIONS:
        group.addoption(
            option.flag, help=f"{option.help} ({option.where()})", **option.flag_arguments()
        )
        parser.addini(option.ini_key, f"{option.help} (see {option.flag})", option.kind.ini_type)


def settings_of(config: pytest.Config) -> HarnessSettings:
    """The session's resolved settings, resolved on first use.

    Lazily, because other plugins' ``pytest_configure`` hooks (the smoke gate's picks its
    report path from the stage) may run before this plugin's.
    """
    if SETTINGS_KEY not in config.stash:
        try:
            config.stash[SETTINGS_KEY] = resolve_settings(
                cli={option.name: config.getoption(option.dest) for option in OPTIONS},
                environ=os.environ,
                ini={option.name: config.getini(option.ini_key) for option in OPTIONS},
                cli_dir=config.invocation_params.dir,
                ini_dir=config.rootpath,
            )
        except SettingsError as error:
            raise pytest.UsageError(str(error)) from error
    return config.stash[SETTINGS_KEY]


def pytest_configure(config: pytest.Config) -> None:
    if not config.option.help:
        settings_of(config)


def pytest_report_header(config: pytest.Config) -> list[str]:
    return settings_of(config).describe()


@pytest.hookimpl(wrapper=True)
def pytest_cmdline_main(config: pytest.Config) -> Iterator[None]:
    """After ``pytest --help``: each harness option's value here, and where it came from.

    pytest does not parse the other flags of a ``--help`` run, so the values shown are the
    environment's, the ini's and the defaults.
    """
    status = yield
    if config.option.help:
        writer = config.get_terminal_writer()
        try:
            lines = settings_of(config).describe()
        except pytest.UsageError as error:
            lines = [f"harness settings: {error}"]
        writer.line()
        for line in lines:
            writer.line(line)
    return status


@pytest.fixture(scope="session")
def harness_settings(pytestconfig: pytest.Config) -> HarnessSettings:
    """Every resolved harness option: ``harness_settings.target``, ``.stage``, ``.region``..."""
    return settings_of(pytestconfig)


@pytest.fixture(scope="session")
def app_template_path(harness_settings: HarnessSettings) -> Path:
    """The SAM template of the application under test (``harness_app_template``)."""
    return harness_settings.app_template


@pytest.fixture(scope="session")
def app_parameters(app_template_path: Path, harness_settings: HarnessSettings) -> dict[str, str]:
    """The app's stack parameters: ``--parameter`` values and the stage, checked.

    Every layer (unit, template, deploy) uses these. A parameter the template needs and
    nobody gave fails here, before anything deploys, naming it and how to set it.
    """
    from harness.config.stack_parameters import stack_parameters

    try:
        return stack_parameters(app_template_path, harness_settings)
    except SettingsError as error:
        pytest.fail(str(error), pytrace=False)
