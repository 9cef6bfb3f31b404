"""Synthetic data: ids tagged with the run, a registry that deletes them, a sweep of stale ones.

Every record the gate creates carries ``smoke-<run id>-<n>`` as its id, so a person reading
the table sees who made it, the sweep can find leftovers of crashed runs, and a run never
touches anything but its own records and other smoke runs' old ones.

What a record is, how it is deleted and how the API lists them is the app's business, not
the harness's: the repository says it with a :class:`SyntheticContract` (this repository's
is in ``suites/smoke/conftest.py``). The harness keeps the ids, the order and the rules.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from harness.smoke.client import ApiClient

PREFIX = "smoke-"
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_RUN_ID_LENGTH = 36


def run_id(environ: Mapping[str, str]) -> str:
    """The CodeBuild build's id (``project:uuid`` keeps the uuid), or a fresh uuid.

    The build id ties leftovers to the build log that made them; the result is letters,
    digits, ``-`` and ``_`` only, at most 36 of them, so it fits the id patterns APIs use.
    """
    build_id = environ.get("CODEBUILD_BUILD_ID", "")
    raw = build_id.rpartition(":")[2] or uuid.uuid4().hex
    return _UNSAFE.sub("-", raw)[:_RUN_ID_LENGTH]


@dataclass(frozen=True)
class SyntheticRecord:
    """One record as the API lists it: its id and when it was created."""

    id: str
    created_at: datetime


class SyntheticContract(Protocol):
    """How the app under test deletes and lists the records smoke tests create."""

    def delete(self, client: ApiClient, record_id: str) -> str | None:
        """Delete one record; ``None`` once it is gone (or never was), else the problem."""
        ...

    def listing(self, client: ApiClient) -> Iterable[SyntheticRecord]:
        """Every record the API lists, for the sweep (through the API: no table rights)."""
        ...


@dataclass
class SyntheticData:
    """Hands out ids of this run and remembers each one until it is deleted."""

    run: str
    created: list[str] = field(default_factory=list)
    _counter: itertools.count[int] = field(default_factory=itertools.count, repr=False)

    @property
    def prefix(self) -> str:
        return f"{PREFIX}{self.run}-"

    def new_id(self) -> str:
        """A fresh id of this run, recorded before any request carries it.

        Recorded first because a create that times out may still have stored the record.
        """
        record_id = f"{self.prefix}{next(self._counter)}"
        self.created.append(record_id)
        return record_id

    def delete_all(self, client: ApiClient, contract: SyntheticContract) -> list[str]:
        """Delete every recorded id through the contract; returns the problems."""
        problems = []
        while self.created:
            problem = contract.delete(client, self.created.pop())
            if problem:
                problems.append(problem)
        return problems


def sweep(
    client: ApiClient,
    contract: SyntheticContract,
    max_age: timedelta,
    now: datetime,
    keep_prefix: str,
) -> list[str]:
    """Delete smoke records older than ``max_age``, except this run's; returns the ids deleted."""
    cutoff = now.astimezone(UTC) - max_age
    stale = [
        record.id
        for record in contract.listing(client)
        if record.id.startswith(PREFIX)
        and not record.id.startswith(keep_prefix)
        and record.created_at < cutoff
    ]
    return [record_id for record_id in stale if contract.delete(client, record_id) is None]
