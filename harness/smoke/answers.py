"""Whether an HTTP answer is one API Gateway gave, and not a server error.

The starter suites ``harness init`` writes check every route with this, on any target: the
answer must come from API Gateway (it carries API Gateway's request id header:
``apigw-requestid`` for HTTP APIs, ``x-amzn-RequestId`` for REST APIs), must not be a 5xx,
and a body that says it is JSON must parse.
"""

from __future__ import annotations

import json

import requests

REQUEST_ID_HEADERS = ("apigw-requestid", "x-amzn-requestid")


def api_answer_problems(response: requests.Response) -> list[str]:
    """What is wrong with ``response`` as an API Gateway answer; empty when nothing is."""
    asked = f"{response.request.method} {response.url}"
    problems = []
    if response.status_code >= 500:
        problems.append(f"{asked}: HTTP {response.status_code} {response.text[:300]}")
    if not any(header in response.headers for header in REQUEST_ID_HEADERS):
        problems.append(
            f"{asked}: no API Gateway request id header ({' or '.join(REQUEST_ID_HEADERS)}); "
            f"headers: {sorted(response.headers)}"
        )
    if "json" in response.headers.get("content-type", "") and response.content:
        try:
            json.loads(response.content)
        except ValueError as error:
            problems.append(f"{asked}: content-type says JSON but the body is not: {error}")
    return problems
