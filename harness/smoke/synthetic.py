"""Synthetic data: ids tagged with the run, a registry that deletes them, a sweep of stale ones.

Every item the gate creates carries ``smoke-<run id>-<n>`` as its id, so a person reading
the table sees who made it, the sweep can find leftovers of crashed runs, and a run never
touches anything but its own items and other smoke runs' old ones.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from harness.smoke.client import ApiClient

PREFIX = "smoke-"
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_RUN_ID_LENGTH = 36
_SWEEP_PAGE = 100


def run_id(environ: Mapping[str, str]) -> str:
    """The CodeBuild build's id (``project:uuid`` keeps the uuid), or a fresh uuid.

    The build id ties leftovers to the build log that made them; the result always fits
    the app's id pattern ``^[A-Za-z0-9_-]{1,64}$`` with room for the prefix and a counter.
    """
    build_id = environ.get("CODEBUILD_BUILD_ID", "")
    raw = build_id.rpartition(":")[2] or uuid.uuid4().hex
    return _UNSAFE.sub("-", raw)[:_RUN_ID_LENGTH]


@dataclass
class SyntheticItems:
    """Hands out ids of this run and remembers each one until it is deleted."""

    run: str
    created: list[str] = field(default_factory=list)
    _counter: itertools.count[int] = field(default_factory=itertools.count, repr=False)

    @property
    def prefix(self) -> str:
        return f"{PREFIX}{self.run}-"

    def new_id(self) -> str:
        return f"{self.prefix}{next(self._counter)}"

    def new_item(self, **fields: Any) -> dict[str, Any]:
        """A create-request body with a fresh run id, recorded before it is ever sent.

        Recorded first because a create that times out may still have stored the item.
        """
        body = {"name": "smoke check", "quantity": 1, "tags": ["smoke"], **fields}
        body["id"] = self.new_id()
        self.created.append(body["id"])
        return body

    def delete_all(self, client: ApiClient) -> list[str]:
        """Delete every recorded item; 204 and 404 both mean gone. Returns what failed."""
        failures = []
        while self.created:
            item_id = self.created.pop()
            response = client.delete(f"items/{item_id}")
            if response.status_code not in (204, 404):
                failures.append(f"DELETE items/{item_id}: HTTP {response.status_code}")
        return failures


def sweep(client: ApiClient, max_age: timedelta, now: datetime, keep_prefix: str) -> list[str]:
    """Delete smoke items older than ``max_age``, except this run's; returns the ids deleted.

    Goes through the API, like the tests do, so the gate needs no table permissions.
    """
    cutoff = now.astimezone(UTC) - max_age
    stale: list[str] = []
    params: dict[str, Any] = {"limit": _SWEEP_PAGE}
    while True:
        response = client.get("items", params=params)
        response.raise_for_status()
        page = response.json()
        stale += [
            item["id"]
            for item in page["items"]
            if item["id"].startswith(PREFIX)
            and not item["id"].startswith(keep_prefix)
            and datetime.fromisoformat(item["created_at"]) < cutoff
        ]
        if not page.get("next"):
            break
        params = {"limit": _SWEEP_PAGE, "next": page["next"]}
    return [i for i in stale if client.delete(f"items/{i}").status_code in (204, 404)]
