"""The gate's HTTP client: timeouts, transport-only retries under a deadline, optional SigV4.

Retrying is urllib3's :class:`~urllib3.util.Retry`: connection errors and 502/503/504 only
(what API Gateway answers while a deployment settles or a Lambda cold-starts), exponential
backoff with jitter. Anything else, a 500 or a wrong body, is an answer and goes straight
to the test: the gate must never retry its way past a real failure.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

TRANSIENT_STATUSES = frozenset({502, 503, 504})


class DeadlineRetry(Retry):
    """A :class:`Retry` that starts no new attempt once ``budget_s`` has passed.

    urllib3 bounds retries by count only. The budget starts at the first failure of a
    request because one ``Retry`` object is shared by every request of the adapter, so the
    start of a request is unknown to it; the first attempt is bounded by the read timeout.
    """

    def __init__(
        self, *args: Any, budget_s: float, deadline: float | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.budget_s = budget_s
        self.deadline = deadline

    def new(self, **kw: Any) -> DeadlineRetry:
        """Called by ``increment`` after each failure: the first one fixes the deadline."""
        deadline = self.deadline or time.monotonic() + self.budget_s
        return super().new(budget_s=self.budget_s, deadline=deadline, **kw)  # type: ignore[return-value]

    def is_exhausted(self) -> bool:
        late = self.deadline is not None and time.monotonic() >= self.deadline
        return late or super().is_exhausted()

    def get_backoff_time(self) -> float:
        """The backoff, never sleeping past the deadline."""
        backoff = super().get_backoff_time()
        if self.deadline is None:
            return backoff
        return max(0.0, min(backoff, self.deadline - time.monotonic()))


@dataclass(frozen=True)
class ClientSettings:
    """How patient the gate is with the API under test."""

    connect_timeout_s: float = 3.05
    read_timeout_s: float = 15.0
    retry_budget_s: float = 20.0
    retries: int = 6
    backoff_factor_s: float = 0.2
    backoff_jitter_s: float = 0.2
    backoff_max_s: float = 4.0


class SigV4RequestAuth(requests.auth.AuthBase):
    """Signs each request for ``execute-api`` (APIs behind IAM authorization).

    Credentials come from the boto3 chain and are refreshed by botocore when they expire
    (CodeBuild's container credentials, assumed roles), so a long gate never signs with a
    stale token.
    """

    def __init__(self, region: str, service: str = "execute-api") -> None:
        import boto3

        credentials = boto3.session.Session().get_credentials()
        if credentials is None:
            raise RuntimeError(
                "smoke client: SigV4 signing asked for (--smoke-sigv4) but boto3 found no "
                "credentials (environment, profile, container or instance role)"
            )
        self._credentials = credentials
        self.region = region
        self.service = service

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        unsigned = AWSRequest(
            method=request.method,
            url=request.url,
            data=request.body or b"",
            headers={k: v for k, v in request.headers.items() if k.lower() != "connection"},
        )
        frozen = self._credentials.get_frozen_credentials()
        SigV4Auth(frozen, self.service, self.region).add_auth(unsigned)
        request.headers.update(dict(unsigned.headers.items()))
        return request


class ApiClient:
    """HTTP calls relative to the API's base URL, with the gate's timeouts and retries."""

    def __init__(
        self,
        base_url: str,
        settings: ClientSettings = ClientSettings(),
        auth: requests.auth.AuthBase | None = None,
    ) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.settings = settings
        self.session = requests.Session()
        self.session.auth = auth
        retry = DeadlineRetry(
            total=settings.retries,
            connect=settings.retries,
            read=settings.retries,
            status=settings.retries,
            other=0,
            redirect=0,
            status_forcelist=TRANSIENT_STATUSES,
            backoff_factor=settings.backoff_factor_s,
            backoff_jitter=settings.backoff_jitter_s,
            backoff_max=settings.backoff_max_s,
            raise_on_status=False,
            respect_retry_after_header=True,
            budget_s=settings.retry_budget_s,
        )
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def url(self, path: str) -> str:
        return urljoin(self.base_url, path.lstrip("/"))

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault(
            "timeout", (self.settings.connect_timeout_s, self.settings.read_timeout_s)
        )
        return self.session.request(method, self.url(path), **kwargs)

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> requests.Response:
        return self.request("GET", path, params=params)

    def post(self, path: str, json: Any) -> requests.Response:
        return self.request("POST", path, json=json)

    def delete(self, path: str) -> requests.Response:
        return self.request("DELETE", path)

    def close(self) -> None:
        self.session.close()
