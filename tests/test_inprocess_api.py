"""The unit layer's in-process API answers what API Gateway answers where no route matches."""

from __future__ import annotations

from harness import InProcessApi


def test_an_unknown_route_is_the_http_apis_404_and_reaches_no_handler() -> None:
    def never(function_id: str):
        raise AssertionError(f"{function_id} loaded for a route nobody declared")

    api = InProcessApi([], never)
    response = api.get("/nowhere")
    assert (response.status, response.json()) == (404, {"message": "Not Found"})
