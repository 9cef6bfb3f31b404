"""Matchers: patterns that say what a template value must look like, and report why not.

The vocabulary is AWS CDK's (``objectLike``, ``exact``, ``absent``, ``Capture`` ...) with
the fixes its users keep asking for: an unordered :class:`Contains`, an :class:`Each`,
and every mismatch reported at once with the path where it happened, not only the first.

A pattern is either a :class:`Matcher` or a plain value, read as:

* a ``dict`` - "object like": each listed key must match, other keys are allowed;
* a ``list`` - that exact sequence, item by item;
* anything else - equal to that value (``True`` never equals ``1``).

Matching never raises on a wrong shape; it collects :class:`Mismatch` records. The
quantifiers of :class:`~harness.template.model.ResourceSet` turn them into one
readable ``AssertionError``.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

Path = tuple[str | int, ...]


class _Missing:
    """The value of a key that is not there (distinct from ``None``, which YAML can hold)."""

    def __repr__(self) -> str:
        return "<absent>"


MISSING: Final = _Missing()


def render(value: Any, limit: int = 120) -> str:
    """A compact one-line rendering of a template value for failure messages."""
    if value is MISSING:
        return "nothing (absent)"
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=repr)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def path_text(path: Path) -> str:
    """``("Properties", "Policies", 0, "Statement")`` -> ``Properties.Policies[0].Statement``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(the whole value)"


@dataclass(frozen=True)
class Mismatch:
    """One place where a value differs from its pattern."""

    path: Path
    expected: str
    found: Any

    def __str__(self) -> str:
        return f"{path_text(self.path)}: expected {self.expected}, found {render(self.found)}"


@dataclass
class MatchResult:
    """The mismatches of one value, and what its captures would record if it matched."""

    mismatches: list[Mismatch] = field(default_factory=list)
    captures: list[tuple[Capture, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def fail(self, path: Path, expected: str, found: Any) -> None:
        self.mismatches.append(Mismatch(path, expected, found))

    def absorb(self, other: MatchResult) -> None:
        self.mismatches += other.mismatches
        self.captures += other.captures

    def commit(self) -> None:
        """Record the captured values; only called for a value that matched as a whole."""
        for capture, value in self.captures:
            capture.values.append(value)


class Matcher(ABC):
    """A pattern that knows how to compare itself with a value."""

    @abstractmethod
    def check(self, actual: Any, path: Path, result: MatchResult) -> None:
        """Add to ``result`` every mismatch of ``actual`` (found at ``path``)."""

    @abstractmethod
    def describe(self) -> str:
        """What a matching value looks like, for "expected ..." in messages."""

    def __repr__(self) -> str:
        return self.describe()


def as_matcher(pattern: Any, *, exact: bool = False) -> Matcher:
    """Turn a plain pattern into a matcher; ``exact`` makes plain dicts allow no other keys."""
    if isinstance(pattern, Matcher):
        return pattern
    if isinstance(pattern, Mapping):
        return _ObjectLike(
            {key: as_matcher(value, exact=exact) for key, value in pattern.items()}, exact
        )
    if isinstance(pattern, list | tuple):
        return _Sequence([as_matcher(item, exact=exact) for item in pattern])
    return _Equals(pattern)


def match(pattern: Any, actual: Any) -> MatchResult:
    """Compare ``actual`` with ``pattern``; captures are recorded only on a full match."""
    result = MatchResult()
    as_matcher(pattern).check(actual, (), result)
    if result.ok:
        result.commit()
    return result


def _trial(matcher: Matcher, actual: Any, path: Path) -> MatchResult:
    """Match into a scratch result, for matchers that must look before they leap."""
    result = MatchResult()
    matcher.check(actual, path, result)
    return result


class _Equals(Matcher):
    def __init__(self, expected: Any) -> None:
        self.expected = expected

    def check(self, actual: Any, path: Path, result: MatchResult) -> None:
        if type(actual) is bool or type(self.expected) is bool:
            equal = actual is self.expected
        else:
            equal = actual == self.expected
        if not equal:
            result.fail(path, self.describe(), actual)

    def describe(self) -> str:
        return render(self.expected)


class _ObjectLike(Matcher):
    def __init__(self, fields: dict[str, Matcher], exact: bool) -> None:
        self.fields = fields
        self.exact = exact

    def check(self, actual: Any, path: Path, result: MatchResult) -> None:
        if not isinstance(actual, Mapping):
            result.fail(path, self.describe(), actual)
            return
        for key, matcher in self.fields.items():
            matcher.check(actual.get(key, MISSING), (*path, key), result)
        if self.exact:
            for key in sorted(actual.keys() - self.fields.keys(), key=str):
                result.fail((*path, key), "absent (not in the exact pattern)", actual[key])

    def describe(self) -> str:
        inner = ", ".join(f"{key!r}: {m.describe()}" for key, m in self.fields.items())
        return f"{'exactly ' if self.exact else ''}an object like {{{inner}}}"


class _Sequence(Matcher):
    def __init__(self, items: list[Matcher]) -> None:
        self.items = items

    def check(self, actual: Any, path: Path, result: MatchResult) -> None:
        if not isinstance(actual, list):
            result.fail(path, self.describe(), actual)
            return
        for index, matcher in enumerate(self.items):
            found = actual[index] if index < len(actual) else MISSING
            matcher.check(found, (*path, index), result)
        for index in range(len(self.items), len(actual)):
            result.fail((*path, index), f"no item (a list of {len(self.items)})", actual[index])

    def describe(self) -> str:
        return f"the list [{', '.join(m.describe() for m in self.items)}]"


def Exactly(pattern: Any) -> Matcher:  # noqa: N802 - reads as a matcher name, like the others
    """``pattern`` with every plain dict in it closed: no keys beyond the listed ones."""
    return as_matcher(pattern, exact=True)


class Absent(Matcher):
    """The key must not be there at all."""

    def check(self, actual: Any, path: Path, result: MatchResult) -> None:
        if actual is not MISSING:
            result.fail(path, "absent", actual)

    def describe(self) -> str:
        return "absent"


class Present(Matcher):
    """The key must be there, with any value (``None`` included)."""

    def check(self, actual: Any, path: Path, result: MatchResult) -> None:
        if actual is MISSING:
            result.fail(path, "present", actual)

    def describe(self) -> str:
        return "present"


class Not(Matcher):
    """Anything the inner pattern rejects. An absent key is "not X" for any present X."""

    def __init__(self, pattern: Any) -> None:
        self.inner = as_matcher(pattern)

    def check(self, actual: Any, path: Path, result: MatchResult) -> None:
        if _trial(self.inner, actual, path).ok:
            result.fail(path, self.describe(), actual)

    def describe(self) -> str:
        return f"not {self.inner.describe()}"


class AnyOf(Matcher):
    """At least one of the patterns; the first that matches supplies the captures.

    With no patterns it matches nothing, as an empty "or" is false: ``AnyOf(*refs)`` over
    an empty list of candidates must fail, not pass.
    """

    def __init__(self, *patterns: Any) -> None:
        self.options = [as_matcher(pattern) for pattern in patterns]

    def check(self, actual: Any, path: Path, result: MatchResult) -> None:
        for option in self.options:
            trial = _trial(option, actual, path)
            if trial.ok:
                result.absorb(trial)
                return
        result.fail(path, self.describe(), actual)

    def describe(self) -> str:
        if not self.options:
            return "any of (no options)"
        return "any of " + " | ".join(option.describe() for option in self.options)


class Regex(Matcher):
    """A string in which the regular expression is found (``re.search``; anchor it if needed)."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = re.compile(pattern, flags)

    def check(self, actual: Any, path: Path, result: MatchResult) -> None:
        if not (isinstance(actual, str) and self.pattern.search(actual)):
            result.fail(path, self.describe(), actual)

    def describe(self) -> str:
        return f"a string matching /{self.pattern.pattern}/"


class Contains(Matcher):
    """A list holding, in any order, a distinct item matching each of the patterns.

    Items are paired by maximum bipartite matching, so ``Contains([Present(), "a"])``
    accepts ``["a", "b"]`` even though ``Present()`` would also take the ``"a"``.
    """

    def __init__(self, patterns: Iterable[Any]) -> None:
        self.items = [as_matcher(pattern) for pattern in patterns]

    def check(self, actual: Any, path: Path, result: MatchResult) -> None:
        if not isinstance(actual, list):
            result.fail(path, self.describe(), actual)
            return
        trials = [_matching_items(matcher, actual, path) for matcher in self.items]
        owner: dict[int, int] = {}  # actual index -> pattern index
        for pattern_index in range(len(self.items)):
            if not _assign(pattern_index, trials, owner, set()):
                missing = self.items[pattern_index].describe()
                result.fail(path, f"a list containing {missing}", actual)
        if result.ok:
            for actual_index, pattern_index in owner.items():
                result.absorb(trials[pattern_index][actual_index])

    def describe(self) -> str:
        return f"a list containing [{', '.join(m.describe() for m in self.items)}]"


def _matching_items(matcher: Matcher, items: list[Any], path: Path) -> dict[int, MatchResult]:
    """The items ``matcher`` accepts, by index, with the captures each would record."""
    trials = {index: _trial(matcher, item, (*path, index)) for index, item in enumerate(items)}
    return {index: trial for index, trial in trials.items() if trial.ok}


def _assign(
    pattern_index: int,
    trials: list[dict[int, MatchResult]],
    owner: dict[int, int],
    visited: set[int],
) -> bool:
    """Kuhn's augmenting path: give ``pattern_index`` an item, moving others if needed."""
    for actual_index in trials[pattern_index]:
        if actual_index in visited:
            continue
        visited.add(actual_index)
        holder = owner.get(actual_index)
        if holder is None or _assign(holder, trials, owner, visited):
            owner[actual_index] = pattern_index
            return True
    return False


class Each(Matcher):
    """A list whose every item matches; an empty list passes (there is nothing wrong in it)."""

    def __init__(self, pattern: Any) -> None:
        self.inner = as_matcher(pattern)

    def check(self, actual: Any, path: Path, result: MatchResult) -> None:
        if not isinstance(actual, list):
            result.fail(path, self.describe(), actual)
            return
        for index, item in enumerate(actual):
            self.inner.check(item, (*path, index), result)

    def describe(self) -> str:
        return f"a list of which every item is {self.inner.describe()}"


class JsonString(Matcher):
    """A string holding JSON whose decoded value matches the pattern (e.g. a log format)."""

    def __init__(self, pattern: Any) -> None:
        self.inner = as_matcher(pattern)

    def check(self, actual: Any, path: Path, result: MatchResult) -> None:
        try:
            decoded = json.loads(actual) if isinstance(actual, str) else MISSING
        except json.JSONDecodeError:
            decoded = MISSING
        if decoded is MISSING:
            result.fail(path, self.describe(), actual)
            return
        self.inner.check(decoded, path, result)

    def describe(self) -> str:
        return f"a JSON string of {self.inner.describe()}"


class Satisfies(Matcher):
    """A value for which ``predicate`` is true; ``description`` says what that means."""

    def __init__(self, predicate: Callable[[Any], bool], description: str) -> None:
        self.predicate = predicate
        self.description = description

    def check(self, actual: Any, path: Path, result: MatchResult) -> None:
        if actual is MISSING or not self.predicate(actual):
            result.fail(path, self.description, actual)

    def describe(self) -> str:
        return self.description


class RefersTo(Matcher):
    """A value that references a resource somewhere inside it.

    Counts ``Ref``, ``Fn::GetAtt`` and ``${Id}`` / ``${Id.Attribute}`` in ``Fn::Sub``
    strings, which are the three ways CloudFormation (and SAM's policy templates) name
    a resource. Useful to say "this Resource entry is about the table".
    """

    def __init__(self, logical_id: str) -> None:
        self.logical_id = logical_id
        self._in_sub = re.compile(r"\$\{" + re.escape(logical_id) + r"(\.[^}]*)?\}")

    def check(self, actual: Any, path: Path, result: MatchResult) -> None:
        if not self._refers(actual):
            result.fail(path, self.describe(), actual)

    def _refers(self, value: Any) -> bool:
        if isinstance(value, list):
            return any(self._refers(item) for item in value)
        if not isinstance(value, Mapping):
            return False
        if value.get("Ref") == self.logical_id:
            return True
        get_att = value.get("Fn::GetAtt")
        if isinstance(get_att, list) and get_att[:1] == [self.logical_id]:
            return True
        sub = value.get("Fn::Sub")
        text = sub[0] if isinstance(sub, list) and sub else sub
        if isinstance(text, str) and self._in_sub.search(text):
            return True
        return any(self._refers(item) for item in value.values())

    def describe(self) -> str:
        return f"a reference to {self.logical_id}"


class Capture(Matcher):
    """Matches like ``pattern`` (default: any present value) and records what it matched.

    Values are recorded only when the whole item matched, in the order items were checked,
    so after ``functions.all_match({"Properties": {"Role": capture}})`` ``capture.values``
    holds one role per function.
    """

    def __init__(self, pattern: Any = None) -> None:
        self.inner: Matcher = Present() if pattern is None else as_matcher(pattern)
        self.values: list[Any] = []

    def check(self, actual: Any, path: Path, result: MatchResult) -> None:
        before = len(result.mismatches)
        self.inner.check(actual, path, result)
        if len(result.mismatches) == before:
            result.captures.append((self, actual))

    @property
    def value(self) -> Any:
        """The first captured value."""
        if not self.values:
            raise AssertionError(f"Capture({self.inner.describe()}) captured nothing")
        return self.values[0]

    def describe(self) -> str:
        return self.inner.describe()


__all__ = (
    "MISSING",
    "Absent",
    "AnyOf",
    "Capture",
    "Contains",
    "Each",
    "Exactly",
    "JsonString",
    "MatchResult",
    "Matcher",
    "Mismatch",
    "Not",
    "Present",
    "RefersTo",
    "Regex",
    "Satisfies",
    "as_matcher",
    "match",
    "path_text",
    "render",
)
