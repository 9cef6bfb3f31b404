"""No client input produces a 5xx: Hypothesis-generated bodies, paths and query strings."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from items_client import ItemsClient

pytestmark = pytest.mark.requires("http_api")

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["id", "name", "quantity", "tags", "x"]), children)
    ),
    max_leaves=10,
)


@pytest.mark.mutating
@FUZZ
@given(body=json_values | st.text().map(lambda text: text))
def test_no_body_produces_a_5xx(items: ItemsClient, body: object) -> None:
    payload = body if isinstance(body, str) else json.dumps(body)
    response = items.request(
        "POST", "/items", data=payload.encode("utf-8", "surrogatepass"),
        headers={"content-type": "application/json"},
    )  # fmt: skip
    assert response.status_code < 500, (payload, response.text)


@pytest.mark.readonly
@FUZZ
@given(segment=st.text(min_size=1, max_size=300))
def test_no_item_path_produces_a_5xx(items: ItemsClient, segment: str) -> None:
    encoded = quote(segment.encode("utf-8", "surrogatepass"), safe="")
    for method in ("GET", "DELETE"):
        response = items.request(method, f"/items/{encoded}")
        assert response.status_code < 500, (method, segment, response.text)


@pytest.mark.readonly
@FUZZ
@given(
    query=st.dictionaries(
        st.sampled_from(["limit", "next", "other"]), st.text(max_size=250), max_size=3
    )
)
def test_no_query_string_produces_a_5xx(items: ItemsClient, query: dict[str, str]) -> None:
    response = items.request("GET", "/items", params=query)
    assert response.status_code < 500, (query, response.text)
