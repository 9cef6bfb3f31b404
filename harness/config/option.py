"""One harness option, declared once: its name, what it takes, where it may be given.

From the declaration come the command-line flag (``--stack-name``), the environment
variable (``HARNESS_STACK_NAME``), the ini key (``harness_stack_name``), the pytest and
argparse registrations, the help text and the precedence test: adding an option is adding
one :class:`Option` to :data:`harness.settings.OPTIONS`, nothing else.

A :class:`Kind` says how raw text becomes a value. The raw text differs by source (a flag
may be given several times, an ini key may hold several lines, an environment variable is
one string), so each kind reads all three shapes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

Raw = str | bool | Sequence[str] | None
"""What a source holds: text, a flag's True, a repeated flag's or a linelist's entries."""

PYTEST = "pytest"
UP = "up"
INIT = "init"
REHEARSE = "rehearse"
LOGS = "logs"


class SettingsError(ValueError):
    """An option has a value it cannot take; the message names the option and its source."""


@dataclass(frozen=True)
class Setting:
    """A resolved value and a human-readable note of where it came from."""

    value: Any
    source: str


class Kind:
    """How one kind of option reads its raw text; subclasses override what differs."""

    ini_type: ClassVar[str] = "string"
    """The type pytest's ``addini`` registers (``string`` or ``linelist``)."""
    repeatable: ClassVar[bool] = False
    """Whether the flag may be given several times (argparse ``append``)."""
    is_flag: ClassVar[bool] = False
    """Whether the command-line flag takes no value (argparse ``store_true``)."""
    unset: ClassVar[Any] = None
    """The value when no source gives one and there is no default."""

    def parse(self, raw: Raw, base: Path) -> Any:
        """The value of ``raw``; ``base`` is where relative paths start. ValueError if bad."""
        return _text(raw)

    def samples(self) -> tuple[str, str, str]:
        """Three valid raw values, for the generated precedence tests."""
        return ("alpha", "beta", "gamma")

    def describe(self, value: Any) -> str:
        return "-" if value is None or value == () else str(value)


def _text(raw: Raw) -> str:
    if isinstance(raw, bool):
        raise ValueError("needs a value")
    if isinstance(raw, str):
        return raw.strip()
    return "\n".join(str(entry) for entry in raw or ()).strip()


@dataclass(frozen=True)
class Text(Kind):
    """Free text."""


@dataclass(frozen=True)
class Choice(Kind):
    """One of a fixed set of words."""

    choices: tuple[str, ...]

    def parse(self, raw: Raw, base: Path) -> str:
        text = _text(raw)
        if text not in self.choices:
            raise ValueError(f"is not one of {', '.join(self.choices)}")
        return text

    def samples(self) -> tuple[str, str, str]:
        first, second, *rest = self.choices
        return (first, second, rest[0] if rest else first)


@dataclass(frozen=True)
class Integer(Kind):
    """A whole number of at least ``minimum``."""

    minimum: int = 1

    def parse(self, raw: Raw, base: Path) -> int:
        try:
            number = int(_text(raw))
        except ValueError:
            raise ValueError("is not a whole number") from None
        if number < self.minimum:
            raise ValueError(f"is below {self.minimum}")
        return number

    def samples(self) -> tuple[str, str, str]:
        return tuple(str(self.minimum + n) for n in (3, 5, 7))  # type: ignore[return-value]


@dataclass(frozen=True)
class Number(Kind):
    """A number (seconds, milliseconds, minutes) above zero."""

    def parse(self, raw: Raw, base: Path) -> float:
        try:
            number = float(_text(raw))
        except ValueError:
            raise ValueError("is not a number") from None
        if number <= 0:
            raise ValueError("is not above 0")
        return number

    def samples(self) -> tuple[str, str, str]:
        return ("1.5", "25", "600")


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True)
class Flag(Kind):
    """On or off: a bare flag on the command line, ``true``/``false`` elsewhere."""

    is_flag: ClassVar[bool] = True

    def parse(self, raw: Raw, base: Path) -> bool:
        if isinstance(raw, bool):
            return raw
        text = _text(raw).lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
        raise ValueError("is not true or false (1/0, yes/no, on/off)")

    def samples(self) -> tuple[str, str, str]:
        return ("true", "false", "true")

    def describe(self, value: Any) -> str:
        return "true" if value else "false"


@dataclass(frozen=True)
class PathKind(Kind):
    """A file or folder; relative to the command's directory or, from the ini, to the ini's."""

    def parse(self, raw: Raw, base: Path) -> Path:
        text = _text(raw)
        if not text:
            raise ValueError("is empty")
        return base / text

    def samples(self) -> tuple[str, str, str]:
        return ("one/template.yaml", "two/template.yaml", "three/template.yaml")

    def describe(self, value: Any) -> str:
        """Relative to the working directory when below it, as people cite paths."""
        if value is None:
            return "-"
        try:
            return str(value.relative_to(Path.cwd()))
        except ValueError:
            return str(value)


@dataclass(frozen=True)
class Lines(Kind):
    """Several entries: a repeated flag, one a line in the ini and in the environment."""

    ini_type: ClassVar[str] = "linelist"
    repeatable: ClassVar[bool] = True
    unset: ClassVar[Any] = ()

    def parse(self, raw: Raw, base: Path) -> tuple[str, ...]:
        entries = raw.splitlines() if isinstance(raw, str) else raw
        if isinstance(entries, bool):
            raise ValueError("needs a value")
        return tuple(entry.strip() for entry in entries or () if entry.strip())

    def samples(self) -> tuple[str, str, str]:
        return ("first", "second", "third")

    def describe(self, value: Any) -> str:
        return "; ".join(value) if value else "-"


# In the environment a comma separates KEY=VALUE entries only where a new KEY= follows, so a
# CommaDelimitedList value (A=x,y,B=z: A is "x,y") passes as CloudFormation would take it.
_PAIR_SEPARATOR = re.compile(r"\n|,(?=\s*[A-Za-z0-9_.-]+=)")


@dataclass(frozen=True)
class Pairs(Kind):
    """``KEY=VALUE`` entries, resolved key by key: one run can override one ini entry.

    The value is a dict of key to :class:`Setting`, so every key keeps its own source.
    """

    ini_type: ClassVar[str] = "linelist"
    repeatable: ClassVar[bool] = True
    key_pattern: str = r"[A-Za-z0-9]+"
    key_help: str = "a parameter name is letters and digits"

    def parse(self, raw: Raw, base: Path) -> list[tuple[str, str]]:
        if isinstance(raw, bool):
            raise ValueError("needs a value")
        entries = _PAIR_SEPARATOR.split(raw) if isinstance(raw, str) else list(raw or ())
        pairs = []
        for entry in entries:
            if not entry.strip():
                continue
            key, equals, value = entry.strip().partition("=")
            if not equals or not re.fullmatch(self.key_pattern, key.strip()):
                raise ValueError(f"entry {entry.strip()!r} is not KEY=VALUE ({self.key_help})")
            pairs.append((key.strip(), value.strip()))
        return pairs

    def samples(self) -> tuple[str, str, str]:
        return ("Key=one", "Key=two", "Key=three")

    def describe(self, value: Any) -> str:
        if not value:
            return "- (none given)"
        return ", ".join(
            f"{key}={setting.value} ({setting.source})" for key, setting in value.items()
        )


@dataclass(frozen=True)
class Option:
    """One option of the harness, everywhere it can be given.

    ``name`` is the Python name (``stack_name``); the flag, the first environment variable
    and the ini key derive from it unless ``flag`` says otherwise. ``env`` lists further
    environment variables, read after ``HARNESS_<NAME>`` (``AWS_REGION`` for the region).
    ``commands`` are the command lines that take it besides pytest (``up``, ``init``...).
    ``default`` is raw text parsed like any other value; ``default_note`` describes a
    default computed later (from the template, say) when ``default`` is ``None``.
    """

    name: str
    help: str
    kind: Kind = field(default_factory=Text)
    default: str | None = None
    default_note: str | None = None
    env: tuple[str, ...] = ()
    commands: frozenset[str] = frozenset({PYTEST})
    flag: str = ""
    aliases: tuple[str, ...] = ()
    """Further flags meaning the same (``--template`` for ``--app-template``)."""
    examples: tuple[str, str, str] | None = None
    """Three valid values, where the kind's own samples are not (ignore lines, say)."""

    def __post_init__(self) -> None:
        if not self.flag:
            object.__setattr__(self, "flag", "--" + self.name.replace("_", "-"))

    def samples(self) -> tuple[str, str, str]:
        """Three valid raw values, for the generated precedence tests."""
        return self.examples or self.kind.samples()

    @property
    def ini_key(self) -> str:
        return f"harness_{self.name}"

    @property
    def env_vars(self) -> tuple[str, ...]:
        return (f"HARNESS_{self.name.upper()}", *self.env)

    @property
    def dest(self) -> str:
        """The attribute argparse stores the flag's value under (pytest and the CLI)."""
        return f"harness_{self.name}"

    def flag_arguments(self) -> dict[str, Any]:
        """``add_argument`` keywords, the same for pytest's parser and argparse's."""
        arguments: dict[str, Any] = {"dest": self.dest, "default": None}
        if self.kind.is_flag:
            arguments["action"] = "store_true"
        else:
            arguments["metavar"] = self.name.upper()
            if self.kind.repeatable:
                arguments["action"] = "append"
        return arguments

    def where(self) -> str:
        """``env HARNESS_X, ini harness_x; default D``: the help text's second half."""
        default = self.default_note or (self.default if self.default is not None else "none")
        return f"env {' or '.join(self.env_vars)}, ini {self.ini_key}; default {default}"
