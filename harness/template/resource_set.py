"""A selection of resources (or IAM statements) and the quantifiers that assert on it.

Quantifiers are explicit because "the template has a matching resource" and "every
resource matches" are different claims that CDK's ``hasResourceProperties`` blurs.
Each raises ``AssertionError`` with a message built by :mod:`harness.template.report`,
and returns what matched so a test can keep going from there.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Generic, TypeVar

from harness.template.match import Matcher, MatchResult, Mismatch, as_matcher
from harness.template.report import failure_message
from harness.template.subjects import Subject

S = TypeVar("S", bound=Subject)


class ResourceSet(Generic[S]):
    """An ordered, immutable selection; ``description`` names it in failure messages."""

    def __init__(self, items: Sequence[S], description: str) -> None:
        self._items = tuple(items)
        self.description = description

    def __iter__(self) -> Iterator[S]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: int) -> S:
        return self._items[index]

    def __repr__(self) -> str:
        return f"<ResourceSet {self.description}: {', '.join(self.ids)}>"

    @property
    def ids(self) -> list[str]:
        return [item.logical_id for item in self._items]

    def where(self, condition: Any) -> ResourceSet[S]:
        """The items matching a pattern, or for which a callable (given the item) is true."""
        if callable(condition):
            kept = [item for item in self._items if condition(item)]
        else:
            matcher = as_matcher(condition)
            kept = [item for item in self._items if _check(matcher, item).ok]
        return ResourceSet(kept, f"{self.description} (filtered)")

    def only(self, *logical_ids: str) -> ResourceSet[S]:
        """The items with these logical ids (for statements: those of these resources)."""
        kept = [item for item in self._items if item.logical_id in logical_ids]
        return ResourceSet(kept, f"{self.description} of {', '.join(logical_ids)}")

    def all_match(self, pattern: Any, *, allow_empty: bool = False) -> ResourceSet[S]:
        """Every item matches. An empty set fails unless ``allow_empty``: a check that
        looked at nothing (a misspelt type, a renamed resource) must not pass quietly."""
        if not self._items and not allow_empty:
            raise AssertionError(f"all_match: there are no {self.description} to check")
        matched, failures = self._split(pattern)
        if failures:
            summary = f"all_match: {len(failures)} of {len(self)} {self.description} do not match"
            raise AssertionError(failure_message(summary, pattern, failures))
        return ResourceSet(matched, self.description)

    def any_match(self, pattern: Any) -> ResourceSet[S]:
        """At least one item matches; returns all that do."""
        matched, failures = self._split(pattern)
        if not matched:
            summary = f"any_match: none of the {len(self)} {self.description} match"
            raise AssertionError(failure_message(summary, pattern, failures))
        return ResourceSet(matched, self.description)

    def none_match(self, pattern: Any) -> None:
        """No item matches; a failure lists the offenders."""
        matched, _ = self._split(pattern)
        if matched:
            summary = (
                f"none_match: {len(matched)} of {len(self)} {self.description} match "
                "a pattern none may match"
            )
            raise AssertionError(failure_message(summary, pattern, offenders=matched))

    def count(self, expected: int, pattern: Any = None) -> ResourceSet[S]:
        """Exactly ``expected`` items (matching ``pattern`` when given); returns them."""
        if pattern is None:
            matched, failures = list(self._items), []
        else:
            matched, failures = self._split(pattern)
        if len(matched) != expected:
            noun = "matching" if pattern is not None else "in total"
            summary = (
                f"count: expected {expected} {self.description} {noun}, found {len(matched)}"
                + (f": {', '.join(item.logical_id for item in matched)}" if matched else "")
            )
            shown = failures if len(matched) < expected else []
            raise AssertionError(failure_message(summary, pattern, shown))
        return ResourceSet(matched, self.description)

    def one(self, pattern: Any = None) -> S:
        """The single item (matching ``pattern`` when given); anything else fails."""
        return self.count(1, pattern)[0]

    def _split(self, pattern: Any) -> tuple[list[S], list[tuple[S, list[Mismatch]]]]:
        """Items that match (their captures recorded) and items that do not, with why."""
        matcher = as_matcher(pattern)
        matched: list[S] = []
        failures: list[tuple[S, list[Mismatch]]] = []
        for item in self._items:
            result = _check(matcher, item)
            if result.ok:
                result.commit()
                matched.append(item)
            else:
                failures.append((item, result.mismatches))
        return matched, failures


def _check(matcher: Matcher, item: Subject) -> MatchResult:
    result = MatchResult()
    matcher.check(item.body, (), result)
    return result
