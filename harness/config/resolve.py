"""Which value each option takes: command line, then environment, then ini, then default.

The source is kept next to the value so the pytest header, ``--help`` and the command
line can say *why* a run targets what it does, which is the first thing anyone asks when
a pipeline gate behaves unexpectedly. :class:`Pairs` options (stack parameters) resolve
key by key, so the ini can hold a repository's values and one run override one of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.config.option import Option, Pairs, Raw, Setting, SettingsError


@dataclass(frozen=True)
class Sources:
    """The raw values of every source, keyed by option name, and where paths start.

    ``cli_dir`` is the directory the command runs in (pytest's invocation dir): relative
    paths given on the command line or in the environment start there. ``ini_dir`` is the
    ini file's directory (pytest's rootdir), where ini values and defaults start.
    """

    cli: Mapping[str, Raw]
    environ: Mapping[str, str]
    ini: Mapping[str, Raw]
    cli_dir: Path
    ini_dir: Path


def _given(raw: Raw) -> bool:
    return raw is not None and raw not in ("", [], ())


def resolve_option(option: Option, sources: Sources) -> Setting:
    """The value of one option and its source; a SettingsError names option and source."""
    candidates: list[tuple[Raw, str, Path]] = [
        (sources.cli.get(option.name), f"command line {option.flag}", sources.cli_dir)
    ]
    candidates += [
        (sources.environ.get(var), f"environment {var}", sources.cli_dir) for var in option.env_vars
    ]
    candidates.append((sources.ini.get(option.name), f"ini {option.ini_key}", sources.ini_dir))
    if isinstance(option.kind, Pairs):
        return Setting(_merge_pairs(option, candidates), "key by key")
    for raw, source, base in candidates:
        if _given(raw):
            return Setting(_parse(option, raw, source, base), source)
    if option.default is None:
        note = f"default: {option.default_note}" if option.default_note else "default"
        return Setting(option.kind.unset, note)
    return Setting(_parse(option, option.default, "default", sources.ini_dir), "default")


def _parse(option: Option, raw: Raw, source: str, base: Path) -> Any:
    try:
        return option.kind.parse(raw, base)
    except ValueError as error:
        shown = raw if isinstance(raw, str | bool) else list(raw or ())
        raise SettingsError(f"{option.flag}: {shown!r} from {source} {error}") from None


def _merge_pairs(option: Option, candidates: list[tuple[Raw, str, Path]]) -> dict[str, Setting]:
    merged: dict[str, Setting] = {}
    for raw, source, base in reversed(candidates):  # lowest precedence first: later overwrite
        if _given(raw):
            for key, value in _parse(option, raw, source, base):
                merged[key] = Setting(value, source)
    return merged


class HarnessSettings:
    """The resolved options of one run: ``settings.stage``, ``settings.source("stage")``.

    Attribute access gives the parsed value of any declared option, so a new option needs
    no field here.
    """

    def __init__(self, options: Sequence[Option], resolved: Mapping[str, Setting]) -> None:
        self._options = tuple(options)
        self._resolved = dict(resolved)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["_resolved"][name].value
        except KeyError:
            raise AttributeError(f"no harness option {name!r}") from None

    def setting(self, name: str) -> Setting:
        return self._resolved[name]

    def source(self, name: str) -> str:
        return self._resolved[name].source

    @property
    def sources(self) -> dict[str, str]:
        return {name: setting.source for name, setting in self._resolved.items()}

    def replace(self, **values: Any) -> HarnessSettings:
        """A copy with some values set in code (``source`` says so), for tests and tools."""
        resolved = dict(self._resolved)
        resolved.update({name: Setting(value, "set in code") for name, value in values.items()})
        return HarnessSettings(self._options, resolved)

    def lines(self) -> list[str]:
        """One ``name = value (source)`` line per option, in declaration order."""
        lines = []
        for option in self._options:
            setting = self._resolved[option.name]
            shown = option.kind.describe(setting.value)
            if isinstance(option.kind, Pairs):
                lines.append(f"{option.name} = {shown}")
            else:
                lines.append(f"{option.name} = {shown} ({setting.source})")
        return lines

    def describe(self) -> list[str]:
        """The pytest header's lines: each option with its value and where it came from."""
        return ["harness settings (command line > environment > ini > default):"] + [
            f"  {line}" for line in self.lines()
        ]


def resolve(options: Iterable[Option], sources: Sources) -> HarnessSettings:
    """Resolve every option; the first bad value raises a SettingsError naming it."""
    options = tuple(options)
    return HarnessSettings(options, {o.name: resolve_option(o, sources) for o in options})
