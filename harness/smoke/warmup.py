"""Wait until the API answers its health route, and say how long that took.

A loop of its own rather than :class:`~urllib3.util.Retry`: this is polling, not
retrying. Every answer except a 200 means "not yet" here (a 500 from a cold function, a
403 while a stage deploys), whereas the client's retries must treat those as answers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import requests

from harness.smoke.client import ApiClient


class NotReady(RuntimeError):
    """The health route did not answer 200 before the deadline; the message says what it did."""


@dataclass(frozen=True)
class Readiness:
    """How long the API took to answer its health route with a 200, and after how many tries."""

    seconds: float
    attempts: int


def wait_until_ready(
    client: ApiClient, path: str, deadline_s: float = 60.0, interval_s: float = 0.5
) -> Readiness:
    """Poll ``GET path`` until 200; raise :class:`NotReady` with the last outcome otherwise."""
    started = time.monotonic()
    attempts = 0
    last = "no attempt"
    while True:
        attempts += 1
        try:
            response = client.get(path)
        except requests.RequestException as error:
            last = f"{type(error).__name__}: {error}"
        else:
            if response.status_code == 200:
                return Readiness(time.monotonic() - started, attempts)
            last = f"HTTP {response.status_code} {response.text[:200]}"
        if time.monotonic() - started + interval_s > deadline_s:
            raise NotReady(
                f"warm-up: GET {client.url(path)} not ready after {deadline_s:g}s "
                f"({attempts} attempts); last answer: {last}"
            )
        time.sleep(interval_s)
