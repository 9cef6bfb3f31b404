"""CloudWatch Logs filter patterns, the subset ``harness logs --filter`` applies to log files.

On AWS the pattern goes to ``FilterLogEvents`` as it is and CloudWatch applies all of its
syntax. The embedded target's logs are files, so this module applies the subset below.
moto's ``logs`` could not do it for us: its ``filter_log_events`` knows a single term or
one quoted phrase and matches everything else. No maintained library parses the syntax.

Supported, as the CloudWatch Logs user guide ("Filter pattern syntax for metric filters,
subscription filters, filter log events and Live Tail") and the ``FilterLogEvents`` API
examples describe it:

* terms, every one required: ``ERROR Exception``; a term matches where it occurs in the
  event, case-sensitive;
* quoted phrases: ``"item created"``;
* exclusion: ``ERROR -Timeout``, ``-"health check"``;
* any of: ``?ERROR ?WARN`` (all terms then carry ``?``);
* JSON selectors on structured events: ``{ $.level = "ERROR" }``, with ``=`` and ``!=``
  on strings (``*`` a wildcard) and numbers, ``<``, ``<=``, ``>``, ``>=`` on numbers,
  ``&&``, ``||`` and parentheses; selectors ``$.a.b`` and ``$.a[0]``.

Not supported here (a clear :class:`UnsupportedFilterPattern`): regular expressions
(``%...%``), space-delimited patterns (``[ip, user, ...]``), ``IS TRUE``/``IS NULL``/
``NOT EXISTS``, and mixing ``?`` terms with required ones.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Matcher = Callable[[str], bool]


class UnsupportedFilterPattern(ValueError):
    """The pattern uses syntax this module does not apply; the message says which."""


@dataclass(frozen=True)
class FilterPattern:
    """A parsed pattern: ``matches(message)`` says whether an event's message passes."""

    text: str
    matches: Matcher

    @classmethod
    def parse(cls, text: str) -> FilterPattern:
        stripped = text.strip()
        if not stripped:
            return cls(text, lambda message: True)
        if stripped.startswith("{"):
            return cls(text, _JsonParser(stripped).parse())
        if stripped.startswith("["):
            raise _unsupported(text, "space-delimited patterns ([...])")
        if "%" in stripped:
            raise _unsupported(text, "regular expressions (%...%)")
        return cls(text, _terms(text, stripped))


def _unsupported(text: str, what: str) -> UnsupportedFilterPattern:
    return UnsupportedFilterPattern(
        f"filter pattern {text!r}: {what} are not supported on log files; supported: terms, "
        '"quoted phrases", -exclusions, ?any-of terms and JSON selectors like '
        '{ $.level = "ERROR" }'
    )


_TERM = re.compile(r'([-?]?)(?:"((?:[^"\\]|\\.)*)"|(\S+))')


def _terms(text: str, stripped: str) -> Matcher:
    required: list[str] = []
    excluded: list[str] = []
    optional: list[str] = []
    position = 0
    while position < len(stripped):
        if stripped[position].isspace():
            position += 1
            continue
        found = _TERM.match(stripped, position)
        if found is None or (found.group(3) is not None and '"' in found.group(3)):
            raise UnsupportedFilterPattern(f"filter pattern {text!r}: unbalanced quote")
        sign, quoted, bare = found.groups()
        term = bare if quoted is None else re.sub(r"\\(.)", r"\1", quoted)
        {"": required, "-": excluded, "?": optional}[sign].append(term)
        position = found.end()
    if optional and (required or excluded):
        raise _unsupported(text, "?terms mixed with required or -excluded terms")
    if optional:
        return lambda message: any(term in message for term in optional)
    return lambda message: (
        all(term in message for term in required) and not any(term in message for term in excluded)
    )


_JSON_TOKEN = re.compile(
    r'\s*(?:(?P<op>&&|\|\||!=|<=|>=|=|<|>|\(|\)|\{|\})|"(?P<string>(?:[^"\\]|\\.)*)"'
    r"|(?P<word>[^\s&|!=<>(){}\"]+))"
)
_SELECTOR = re.compile(r"\$((?:\.[A-Za-z_@][\w@-]*|\[\d+\])+)")
_STEP = re.compile(r"\.([A-Za-z_@][\w@-]*)|\[(\d+)\]")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_MISSING = object()


class _JsonParser:
    """A recursive descent over ``{ SELECTOR OP VALUE (&& | || ...) }``."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._tokens: list[tuple[str, str]] = []
        position = 0
        while position < len(text):
            if text[position:].strip() == "":
                break
            found = _JSON_TOKEN.match(text, position)
            if found is None:
                raise UnsupportedFilterPattern(
                    f"filter pattern {text!r}: cannot read it at {text[position:]!r}"
                )
            kind = found.lastgroup or "op"
            self._tokens.append((kind, found.group(kind)))
            position = found.end()
        self._at = 0

    def parse(self) -> Matcher:
        self._expect("{")
        condition = self._or()
        self._expect("}")
        if self._at != len(self._tokens):
            raise self._error("text after the closing }")

        def matches(message: str) -> bool:
            try:
                event = json.loads(message)
            except ValueError:
                return False
            return isinstance(event, dict) and condition(event)

        return matches

    def _or(self) -> Callable[[Any], bool]:
        parts = [self._and()]
        while self._peek() == ("op", "||"):
            self._at += 1
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else lambda event: any(part(event) for part in parts)

    def _and(self) -> Callable[[Any], bool]:
        parts = [self._comparison()]
        while self._peek() == ("op", "&&"):
            self._at += 1
            parts.append(self._comparison())
        return parts[0] if len(parts) == 1 else lambda event: all(part(event) for part in parts)

    def _comparison(self) -> Callable[[Any], bool]:
        if self._peek() == ("op", "("):
            self._at += 1
            inner = self._or()
            self._expect(")")
            return inner
        kind, selector = self._next()
        path = _SELECTOR.fullmatch(selector) if kind == "word" else None
        if path is None:
            raise self._error(f"expected a selector like $.level, found {selector!r}")
        steps = [
            name if index is None else int(index)
            for name, index in ((m.group(1), m.group(2)) for m in _STEP.finditer(path.group(1)))
        ]
        kind, operator = self._next()
        if kind == "word" and operator.upper() in ("IS", "NOT"):
            raise _unsupported(self._text, "IS TRUE/FALSE/NULL and NOT EXISTS selectors")
        if kind != "op" or operator not in ("=", "!=", "<", "<=", ">", ">="):
            raise self._error(f"expected =, !=, <, <=, > or >= after {selector}")
        kind, value = self._next()
        if kind not in ("string", "word"):
            raise self._error(f"expected a value after {selector} {operator}")
        try:
            return _compare(steps, operator, value, quoted=kind == "string")
        except UnsupportedFilterPattern as error:
            raise self._error(str(error)) from None

    def _peek(self) -> tuple[str, str] | None:
        return self._tokens[self._at] if self._at < len(self._tokens) else None

    def _next(self) -> tuple[str, str]:
        token = self._peek()
        if token is None:
            raise self._error("it ends too early")
        self._at += 1
        return token

    def _expect(self, operator: str) -> None:
        if self._next() != ("op", operator):
            raise self._error(f"expected {operator!r}")

    def _error(self, why: str) -> UnsupportedFilterPattern:
        return UnsupportedFilterPattern(f"filter pattern {self._text!r}: {why}")


def _compare(
    steps: list[str | int], operator: str, value: str, *, quoted: bool
) -> Callable[[Any], bool]:
    number = None if quoted or not _NUMBER.fullmatch(value) else float(value)
    if number is None and operator not in ("=", "!="):
        raise UnsupportedFilterPattern(f"{operator} compares numbers; {value!r} is not one")

    wildcard = re.compile(".*".join(re.escape(part) for part in value.split("*")), re.DOTALL)

    def check(event: Any) -> bool:
        found = _select(event, steps)
        if found is _MISSING:
            return False
        if number is not None:
            if isinstance(found, bool) or not isinstance(found, int | float):
                return False
            return {
                "=": found == number,
                "!=": found != number,
                "<": found < number,
                "<=": found <= number,
                ">": found > number,
                ">=": found >= number,
            }[operator]
        text = found if isinstance(found, str) else json.dumps(found)
        equal = wildcard.fullmatch(text) is not None
        return equal if operator == "=" else not equal

    return check


def _select(event: Any, steps: list[str | int]) -> Any:
    for step in steps:
        if isinstance(step, int):
            if not isinstance(event, list) or step >= len(event):
                return _MISSING
        elif not isinstance(event, dict) or step not in event:
            return _MISSING
        event = event[step]
    return event
