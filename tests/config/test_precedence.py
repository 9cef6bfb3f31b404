"""Command line > environment > ini > default, for every declared option: generated, not listed.

Each option is resolved four times from the three sample values its kind offers: with all
three sources set, then without the command line, without the environment, without the
ini. A new declaration in ``harness.settings.OPTIONS`` is covered without touching this
file. Then the same through a real pytest session and a real command line, all options at
once, reading the values and sources they show.
"""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest

from harness.cli.options import parse_command_line
from harness.config.option import Option, Pairs, Raw
from harness.settings import OPTIONS, options_for, resolve_settings

BASE = Path("/work")


def _cli(option: Option, text: str) -> Raw:
    if option.kind.is_flag:
        return True
    return [text] if option.kind.repeatable else text


def _expected(option: Option, raw: Raw, source: str) -> Any:
    value = option.kind.parse(raw, BASE)
    if isinstance(option.kind, Pairs):
        return {key: (text, source) for key, text in value}
    return value


def _resolved(option: Option, cli: dict, environ: dict, ini: dict) -> tuple[Any, str]:
    settings = resolve_settings(cli, environ, ini, cli_dir=BASE, ini_dir=BASE, options=[option])
    setting = settings.setting(option.name)
    if isinstance(option.kind, Pairs):
        return {k: (s.value, s.source) for k, s in setting.value.items()}, setting.source
    return setting.value, setting.source


@pytest.mark.parametrize("option", OPTIONS, ids=[option.name for option in OPTIONS])
def test_each_source_beats_the_ones_after_it(option: Option) -> None:
    on_cli, in_env, in_ini = option.samples()
    cli = {option.name: _cli(option, on_cli)}
    environ = {option.env_vars[0]: in_env}
    ini = {option.name: [in_ini] if option.kind.ini_type == "linelist" else in_ini}
    cli_source = f"command line {option.flag}"
    env_source = f"environment {option.env_vars[0]}"
    ini_source = f"ini {option.ini_key}"
    pairs = isinstance(option.kind, Pairs)

    value, source = _resolved(option, cli, environ, ini)
    assert value == _expected(option, cli[option.name], cli_source)
    assert source == ("key by key" if pairs else cli_source)

    value, source = _resolved(option, {}, environ, ini)
    assert value == _expected(option, in_env, env_source)
    assert pairs or source == env_source

    value, source = _resolved(option, {}, {}, ini)
    assert value == _expected(option, ini[option.name], ini_source)
    assert pairs or source == ini_source

    value, source = _resolved(option, {}, {}, {})
    default = (
        option.kind.parse(option.default, BASE) if option.default is not None else option.kind.unset
    )
    assert value == ({} if pairs else default)
    assert pairs or source.startswith("default")


@pytest.mark.parametrize(
    "option", [o for o in OPTIONS if o.env], ids=[o.name for o in OPTIONS if o.env]
)
def test_further_environment_variables_are_read_in_their_order(option: Option) -> None:
    first, second, third = option.samples()
    names = option.env_vars
    environ = dict(zip(names, [first, second, third], strict=False))
    for name in names:
        value, source = _resolved(option, {}, environ, {})
        assert (value, source) == (option.kind.parse(environ[name], BASE), f"environment {name}")
        del environ[name]


def _every_option(level: int) -> tuple[list[str], dict[str, str], str]:
    """Command-line args, environment and ini text setting every option; sources >= level."""
    args: list[str] = []
    environ: dict[str, str] = {}
    ini = ["[pytest]"]
    for option in OPTIONS:
        on_cli, in_env, in_ini = option.samples()
        if level <= 0:
            args += [option.flag] if option.kind.is_flag else [option.flag, on_cli]
        if level <= 1:
            environ[option.env_vars[0]] = in_env
        ini.append(f"{option.ini_key} = {in_ini}")
    return args, environ, "\n".join(ini) + "\n"


@pytest.mark.parametrize(
    ("level", "source"),
    [(0, "command line {flag}"), (1, "environment {env}"), (2, "ini {ini}")],
    ids=["command-line", "environment", "ini"],
)
def test_the_pytest_header_shows_every_option_with_its_source(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, level: int, source: str
) -> None:
    args, environ, ini = _every_option(level)
    for name in {var for option in OPTIONS for var in option.env_vars}:
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    pytester.makeini(ini)
    # Three tests, so that whichever shard the samples name (1/2, 2/2, 1/3) keeps one.
    pytester.makepyfile("".join(f"def test_nothing_{n}():\n    pass\n" for n in range(3)))
    result = pytester.runpytest("-p", "no:cacheprovider", *args)
    assert result.ret == 0, result.stdout.str()
    header = result.stdout.lines
    for option in OPTIONS:
        where = source.format(flag=option.flag, env=option.env_vars[0], ini=option.ini_key)
        if isinstance(option.kind, Pairs):
            expected = f"  {option.name} = Key=*({where})"
        else:
            expected = f"  {option.name} = * ({where})"
        assert any(fnmatch(line, expected) for line in header), (expected, header[:40])


def test_a_command_line_reads_the_same_ini_and_environment_as_pytest(
    tmp_path: Path,
) -> None:
    options = options_for("up")
    ini = ["[pytest]"]
    environ: dict[str, str] = {}
    args: list[str] = []
    for option in options:
        on_cli, in_env, in_ini = option.samples()
        ini.append(f"{option.ini_key} = {in_ini}")
    (tmp_path / "tox.ini").write_text("\n".join(ini) + "\n")
    work = tmp_path / "deeper"
    work.mkdir()
    for position, option in enumerate(options):
        on_cli, in_env, in_ini = option.samples()
        if position % 3 == 0:
            args += [option.flag] if option.kind.is_flag else [option.flag, on_cli]
        elif position % 3 == 1:
            environ[option.env_vars[0]] = in_env
    settings = parse_command_line("up", args, "test", environ=environ, cwd=work).settings
    for position, option in enumerate(options):
        expected = ("command line", "environment", "ini")[position % 3]
        assert settings.source(option.name).startswith(expected) or (
            isinstance(option.kind, Pairs) and settings.setting(option.name).value
        ), option.name
    template = settings.app_template
    assert template.is_relative_to(tmp_path), "ini paths start at the ini file's directory"
