"""API keys as moto's API Gateway holds them, for the embedded front to check.

A key is valid for a REST API's stage when it exists, is enabled and belongs to a usage
plan whose ``apiStages`` name that API and stage (developer guide, "Usage plans and API
keys for REST APIs"). The keys, plans and plan keys are read from moto
(``get_api_keys(includeValues=True)``, ``get_usage_plans``, ``get_usage_plan_keys``) and
kept; a key not found is looked up again (at most once a second), so a key a test
creates with boto3 works on its next request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

_RELOAD_AT_MOST_EVERY_S = 1.0


class MotoApiKeys:
    """The :class:`~harness.apigateway.ApiKeys` of one moto endpoint."""

    def __init__(
        self, client: Callable[[], Any], clock: Callable[[], float] = time.monotonic
    ) -> None:
        """``client()`` gives the API Gateway client, asked for at the first key checked."""
        self._client_factory = client
        self._clock = clock
        self._lock = threading.Lock()
        self._loaded_at: float | None = None
        self._keys: dict[str, tuple[str, bool]] = {}
        self._stages: dict[str, set[tuple[str, str]]] = {}

    def key_id(self, value: str, api_id: str, stage: str) -> str | None:
        with self._lock:
            found = self._valid(value, api_id, stage)
            if found is None and self._may_reload():
                self._load()
                found = self._valid(value, api_id, stage)
            return found

    def _valid(self, value: str, api_id: str, stage: str) -> str | None:
        key = self._keys.get(value)
        if key is None or not key[1]:
            return None
        return key[0] if (api_id, stage) in self._stages.get(key[0], ()) else None

    def _may_reload(self) -> bool:
        return self._loaded_at is None or self._clock() - self._loaded_at >= _RELOAD_AT_MOST_EVERY_S

    def _load(self) -> None:
        client = self._client_factory()
        keys = client.get_api_keys(includeValues=True)["items"]
        self._keys = {key["value"]: (key["id"], bool(key.get("enabled"))) for key in keys}
        stages: dict[str, set[tuple[str, str]]] = {}
        for plan in client.get_usage_plans()["items"]:
            plan_stages = {(s["apiId"], s["stage"]) for s in plan.get("apiStages") or ()}
            for key in client.get_usage_plan_keys(usagePlanId=plan["id"])["items"]:
                stages.setdefault(key["id"], set()).update(plan_stages)
        self._stages = stages
        self._loaded_at = self._clock()
