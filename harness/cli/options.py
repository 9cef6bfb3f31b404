"""A command's options, from the same declarations and the same ini file as pytest's.

``python -m harness up --help`` lists each option the command takes with its flag,
environment variable, ini key and default, and the value it has right now with where that
came from; the values resolve command line > environment > ini > default exactly as in a
pytest session in the same directory (:mod:`harness.config.inifile` finds the ini file).
A command's own arguments, the ones that are not settings (what to do this once: approve,
resume; what to show: ``harness logs FUNCTION --since 1h``), are added by the command
(``arguments``) and come back parsed beside the settings, in :attr:`CommandLine.arguments`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.config.inifile import IniFile, find_ini
from harness.config.option import Option
from harness.config.resolve import Sources, resolve_option
from harness.settings import HarnessSettings, SettingsError, options_for, resolve_settings


@dataclass(frozen=True)
class CommandLine:
    """A command's resolved settings and the ini file they were read with."""

    settings: HarnessSettings
    ini: IniFile
    arguments: argparse.Namespace = field(default_factory=argparse.Namespace)
    """The command's own arguments (``arguments=`` of :func:`parse_command_line`)."""


def parse_command_line(
    command: str,
    argv: Sequence[str],
    description: str,
    *,
    environ: Mapping[str, str] = os.environ,
    cwd: Path | None = None,
    arguments: Callable[[argparse.ArgumentParser], None] | None = None,
) -> CommandLine:
    """Parse ``argv`` for ``command``; a bad value exits with status 2 naming its source.

    ``arguments`` adds the command's own (non-setting) arguments to the parser.
    """
    here = (cwd or Path.cwd()).resolve()
    ini = find_ini(here)
    options = options_for(command)
    ini_values = {option.name: ini.values.get(option.ini_key) for option in options}
    sources = Sources({}, environ, ini_values, here, ini.root)
    parser = argparse.ArgumentParser(
        prog=f"python -m harness {command}",
        description=description,
        epilog=f"Precedence: command line > environment > ini > default. "
        f"Ini file: {ini.path or 'none found'}.",
    )
    for option in options:
        parser.add_argument(
            option.flag, *option.aliases, help=_help(option, sources), **option.flag_arguments()
        )
    if arguments is not None:
        arguments(parser)
    parsed = parser.parse_args(argv)
    try:
        settings = resolve_settings(
            {option.name: getattr(parsed, option.dest) for option in options},
            environ,
            ini_values,
            cli_dir=here,
            ini_dir=ini.root,
            options=options,
        )
    except SettingsError as error:
        parser.error(str(error))
    dests = {option.dest for option in options}
    own = {key: value for key, value in vars(parsed).items() if key not in dests}
    return CommandLine(settings, ini, argparse.Namespace(**own))


def _help(option: Option, sources: Sources) -> str:
    """The option's help, where else it can be given, and its value now (without flags)."""
    try:
        setting = resolve_option(option, sources)
        now = f"{option.kind.describe(setting.value)} ({setting.source})"
    except SettingsError as error:
        now = f"invalid: {error}"
    return f"{option.help} ({option.where()}) [now: {now}]".replace("%", "%%")
