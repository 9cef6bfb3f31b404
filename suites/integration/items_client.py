"""The integration suite's HTTP client for the items API: every item it creates is deleted."""

from __future__ import annotations

import uuid
from typing import Any

import requests

TIMEOUT = (3.05, 15)


class ItemsClient:
    """``requests`` on the API's base URL; every id it creates is deleted after the test."""

    def __init__(self, base_url: str, session: requests.Session) -> None:
        self.base_url = base_url
        self.session = session
        self.run_prefix = f"it-{uuid.uuid4().hex[:8]}"
        self.created: list[str] = []
        self._count = 0

    def new_id(self) -> str:
        self._count += 1
        return f"{self.run_prefix}-{self._count}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        response = self.session.request(
            method, self.base_url + path.lstrip("/"), timeout=TIMEOUT, **kwargs
        )
        if method == "POST" and response.status_code == 201:
            self.created.append(response.json()["id"])
        return response

    def create(self, **fields: Any) -> dict[str, Any]:
        body = {"id": self.new_id(), "name": "integration item", "quantity": 1, **fields}
        response = self.request("POST", "/items", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def cleanup(self) -> None:
        for item_id in self.created:
            self.session.delete(self.base_url + f"items/{item_id}", timeout=TIMEOUT)
