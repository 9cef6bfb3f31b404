"""The check pack's vocabulary: a check, what it found, and the ignores that switch one off.

A check reads a SAM app the way it deploys: the SAM model (:mod:`harness.sam`) for what
the template declares and the transformed CloudFormation (:mod:`harness.template`) for
what SAM generates from it, roles and stages among them. It answers with the subjects it
looked at and a :class:`Finding` per problem, each naming the file and line to fix.
Check ids are stable (``HC101``...): a repository switches one off in its ini with
``harness_check_ignores`` and a reason, which is mandatory, so every exception says why.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from harness.sam import SamModel
from harness.template import Template
from harness.template.origin import display_path
from harness.template.subjects import Resource


@dataclass(frozen=True)
class CheckInput:
    """What every check reads: the SAM model and the transformed template."""

    model: SamModel
    transformed: Template

    def at(self, line: int) -> str:
        """``template.yaml:12``: a line of the SAM template the model was read from."""
        return f"{display_path(self.model.path)}:{line}"


@dataclass(frozen=True)
class Finding:
    """One problem: the subject at fault (a logical id), what is wrong, and where."""

    subject: str
    message: str
    where: str

    def describe(self) -> str:
        return f"{self.where}: {self.subject}: {self.message}"


@dataclass(frozen=True)
class Outcome:
    """The subjects a check looked at, and what it found wrong with them."""

    subjects: tuple[str, ...]
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class Check:
    """One best practice: a stable id, a slug, what it asks for and why, and the test."""

    id: str
    name: str
    asks: str
    why: str
    evaluate: Callable[[CheckInput], Outcome] = field(repr=False)

    @property
    def test_name(self) -> str:
        """The test's name, ``HC101-function-tracing``: stable, so ``-k`` and ignores hold."""
        return f"{self.id}-{self.name}"


def outcome(subjects: Iterable[str], findings: Iterable[Finding]) -> Outcome:
    return Outcome(tuple(dict.fromkeys(subjects)), tuple(findings))


def resource_subject(resource: Resource) -> str:
    """The logical id a person wrote: the SAM resource a generated one came from."""
    return resource.origin.source_id or resource.logical_id


def where(resource: Resource, *path: str | int) -> str:
    """``file:line`` of the deepest part of ``path`` written in the source, or the resource."""
    return resource.locate(path) or resource.origin.describe()


_IGNORE = re.compile(r"^(?P<id>HC\d{3})(?:\s+(?P<subject>[A-Za-z0-9]+))?\s*:\s*(?P<reason>.*)$")


@dataclass(frozen=True)
class Ignore:
    """A check switched off, for every subject or for one, and why."""

    check_id: str
    subject: str | None
    reason: str


def parse_ignores(lines: Iterable[str], known: Iterable[str]) -> list[Ignore]:
    """``HC103: why`` or ``HC103 MyFunction: why`` lines; ValueError naming a bad line."""
    known_ids = set(known)
    ignores = []
    for line in lines:
        found = _IGNORE.match(line.strip())
        if found is None or not found["reason"].strip():
            raise ValueError(
                f"{line.strip()!r} is not 'ID: reason' or 'ID LogicalId: reason' "
                "(the reason is mandatory)"
            )
        if found["id"] not in known_ids:
            ids = ", ".join(sorted(known_ids))
            raise ValueError(f"{line.strip()!r} names no check; the ids are {ids}")
        ignores.append(Ignore(found["id"], found["subject"], found["reason"].strip()))
    return ignores


def apply_ignores(
    check: Check, result: Outcome, ignores: Iterable[Ignore]
) -> tuple[list[Finding], list[str]]:
    """(findings left, one line per finding an ignore took away, with its reason)."""
    by_subject: Mapping[str, Ignore] = {
        i.subject: i for i in ignores if i.check_id == check.id and i.subject is not None
    }
    left = [f for f in result.findings if f.subject not in by_subject]
    ignored = [
        f"{f.subject} ignored ({by_subject[f.subject].reason})"
        for f in result.findings
        if f.subject in by_subject
    ]
    return left, ignored
