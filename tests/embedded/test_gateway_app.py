"""A REST and an HTTP API in one stack, deployed on the embedded target, called over HTTP.

The app (``fixtures/apps/gateway``) is written the way public samples write theirs; every
URL below comes from its own outputs. Its authorizer counts its invocations and puts the
count in its context, so caching shows in what the function receives.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from harness.targets.embedded.target import EmbeddedStack, EmbeddedTarget

APP = Path(__file__).resolve().parents[2] / "fixtures" / "apps" / "gateway" / "template.yaml"
CACHE = Path(__file__).resolve().parents[2] / ".cache" / "harness-builds"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture(scope="module")
def stack() -> Iterator[EmbeddedStack]:
    target = EmbeddedTarget(region="us-east-1", cache_dir=CACHE)
    try:
        yield target.deploy(APP, "gateway-app", {})
    finally:
        target.teardown()


@pytest.fixture(scope="module")
def shop(stack: EmbeddedStack) -> str:
    return stack.outputs["ShopUrl"]


@pytest.fixture(scope="module")
def events(stack: EmbeddedStack) -> str:
    return stack.outputs["EventsUrl"]


def get(url: str, **kwargs) -> requests.Response:
    return requests.get(url, timeout=30, **kwargs)


def test_each_api_has_its_own_url_from_the_apps_outputs(stack, shop, events):
    assert shop.startswith("http://127.0.0.1:")
    assert shop.endswith("/dev/")
    assert events.startswith("http://127.0.0.1:")
    assert not events.endswith("/")  # GetAtt ApiEndpoint has no path
    assert shop.rsplit(":", 1)[1].split("/")[0] != events.rsplit(":", 1)[1]
    assert stack.outputs["ShopOrdersUrl"] == shop + "orders"
    assert stack.api_urls == {"ShopApi": shop, "EventsApi": events + "/"}


def test_the_rest_api_deploys_on_moto_with_its_id_in_the_outputs(stack):
    apis = stack.client("apigateway").get_rest_apis()["items"]
    assert stack.outputs["ShopApiId"] in {api["id"] for api in apis}
    stages = stack.client("apigateway").get_stages(restApiId=stack.outputs["ShopApiId"])
    assert "dev" in {stage["stageName"] for stage in stages["item"]}


def test_every_authorizer_is_enforced_so_none_is_a_gap(stack):
    assert not [gap for gap in stack.emulation_gaps if "authorizer" in gap.reason]


def test_rest_event_has_stage_variables_and_multi_value_query_strings(shop):
    response = get(shop + "public?tag=a&tag=b&one=1")
    assert response.status_code == 200
    assert response.headers["X-Seen"] == "one, two"
    body = response.json()
    assert body["resource"] == "/public"
    assert body["path"] == "/public"
    assert body["stage"] == "dev"
    assert body["stageVariables"] == {"flavour": "vanilla"}
    assert body["queryStringParameters"] == {"tag": "b", "one": "1"}
    assert body["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "one": ["1"]}


def test_a_trailing_slash_names_the_same_rest_resource(shop):
    assert get(shop + "public/").json()["resource"] == "/public"


def test_a_greedy_proxy_takes_every_method_and_the_rest_of_the_path(shop):
    response = requests.post(shop + "files/a/b/c.txt", timeout=30)
    assert response.json()["resource"] == "/files/{proxy+}"
    assert response.json()["pathParameters"] == {"proxy": "a/b/c.txt"}
    assert response.json()["httpMethod"] == "POST"


@pytest.mark.parametrize("path", ["nowhere", "files", "../public"])
def test_an_unknown_rest_route_is_missing_authentication_token(shop, path):
    response = get(shop + path)
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}


def test_a_path_outside_the_stage_is_missing_authentication_token(shop):
    response = get(shop.removesuffix("dev/") + "public")
    assert (response.status_code, response.json()["message"]) == (
        403,
        "Missing Authentication Token",
    )


def test_token_authorizer_401_without_token_or_with_one_failing_validation(stack, shop):
    assert get(shop + "orders").status_code == 401
    response = get(shop + "orders", headers={"X-Shop-Token": "Bearer not valid!"})
    assert (response.status_code, response.json()) == (401, {"message": "Unauthorized"})
    response = get(shop + "orders", headers={"X-Shop-Token": "Bearer stranger"})
    assert response.status_code == 401  # the authorizer raised Unauthorized


def test_token_authorizer_deny_is_403_with_api_gateways_message(shop):
    response = get(shop + "orders", headers={"X-Shop-Token": "Bearer deny"})
    assert response.status_code == 403
    assert response.json() == {
        "Message": "User is not authorized to access this resource with an explicit deny"
    }


def test_token_authorizer_allow_passes_its_context_and_is_cached(shop):
    first = get(shop + "orders", headers={"X-Shop-Token": "Bearer allow"})
    assert first.status_code == 200
    authorizer = first.json()["authorizer"]
    assert authorizer["principalId"] == "user-allow"
    again = get(shop + "orders", headers={"X-Shop-Token": "Bearer allow"})
    other_method = requests.delete(
        shop + "orders/7", headers={"X-Shop-Token": "Bearer allow"}, timeout=30
    )
    assert other_method.json()["pathParameters"] == {"id": "7"}
    # a cached policy answers for 300 s: the authorizer ran once for the three requests
    assert again.json()["authorizer"]["calls"] == authorizer["calls"]
    assert other_method.json()["authorizer"]["calls"] == authorizer["calls"]


def test_request_authorizer_needs_every_identity_source_and_is_not_cached(shop):
    assert get(shop + "reports", headers={"X-Tenant": "acme"}).status_code == 401
    assert get(shop + "reports?region=eu").status_code == 401
    assert get(shop + "reports?region=eu", headers={"X-Tenant": "evil"}).status_code == 403
    first = get(shop + "reports?region=eu", headers={"X-Tenant": "acme"})
    second = get(shop + "reports?region=eu", headers={"X-Tenant": "acme"})
    assert first.status_code == second.status_code == 200
    assert first.json()["authorizer"]["tenant"] == "acme"
    assert second.json()["authorizer"]["calls"] == first.json()["authorizer"]["calls"] + 1


def test_api_key_required_403_without_a_known_key_200_with_one(stack, shop):
    assert get(shop + "keyed").status_code == 403
    assert get(shop + "keyed").json() == {"message": "Forbidden"}
    assert get(shop + "keyed", headers={"x-api-key": "not-a-key"}).status_code == 403
    keys = stack.client("apigateway").get_api_keys(includeValues=True)["items"]
    key = next(key for key in keys if key["id"] == stack.physical_ids["ShopApiApiKey"])
    response = get(shop + "keyed", headers={"x-api-key": key["value"]})
    assert response.status_code == 200
    assert response.json()["apiKeyId"] == key["id"]


def test_a_key_created_later_with_boto3_needs_a_usage_plan_to_work(stack, shop):
    client = stack.client("apigateway")
    key = client.create_api_key(name="late", enabled=True, value="a-late-key-of-twenty-chars")
    assert get(shop + "keyed", headers={"x-api-key": key["value"]}).status_code == 403
    plan = client.get_usage_plans()["items"][0]
    client.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    time.sleep(1.1)  # the front looks keys up again at most once a second
    assert get(shop + "keyed", headers={"x-api-key": key["value"]}).status_code == 200


def test_a_header_holding_cr_lf_is_a_502_named_in_the_functions_log(stack, shop):
    mark = stack.log_mark()
    response = get(shop + "files/crlf")
    assert (response.status_code, response.json()) == (502, {"message": "Internal server error"})
    assert "stolen" not in response.headers.get("Set-Cookie", "")
    assert "API Gateway: Malformed Lambda proxy response" in stack.failure_logs(mark)
    assert "'X-Bad' holds a CR or LF" in stack.failure_logs(mark)
    assert stack.workers is not None
    log = (stack.workers.log_dir / "ShopFunction.log").read_text()
    assert "'X-Bad' holds a CR or LF" in log


def test_binary_media_types_decode_for_a_matching_accept_and_encode_requests(shop):
    assert get(shop + "logo", headers={"Accept": "image/png"}).content == PNG
    assert get(shop + "logo").text == base64.b64encode(PNG).decode()
    sent = requests.post(shop + "logo", data=PNG, headers={"Content-Type": "image/png"}, timeout=30)
    assert sent.json() == {"received_png": True}


def test_rest_cors_preflight_is_the_mock_sam_generates(shop):
    response = requests.options(
        shop + "orders",
        headers={"Origin": "https://shop.example.com", "Access-Control-Request-Method": "GET"},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://shop.example.com"
    assert response.headers["Access-Control-Allow-Methods"] == "GET,OPTIONS"
    assert response.headers["Access-Control-Allow-Headers"] == "Content-Type,X-Shop-Token"
    assert response.headers["Access-Control-Max-Age"] == "600"
    assert requests.options(shop + "nowhere", timeout=30).status_code == 403


def test_http_simple_authorizer_401_403_200_and_cached(events):
    assert get(events + "/simple").json() == {"message": "Unauthorized"}
    denied = get(events + "/simple", headers={"Authorization": "deny"})
    assert (denied.status_code, denied.json()) == (403, {"message": "Forbidden"})
    first = get(events + "/simple", headers={"Authorization": "allow"})
    assert first.status_code == 200
    lambda_context = first.json()["authorizer"]["lambda"]
    assert lambda_context["who"] == "simple"
    again = get(events + "/simple", headers={"Authorization": "allow"})
    assert again.json()["authorizer"]["lambda"]["calls"] == lambda_context["calls"]


def test_http_policy_authorizer_of_payload_1_0_reaches_a_1_0_route(events):
    assert get(events + "/policy", headers={"Authorization": "deny"}).status_code == 403
    response = get(events + "/policy", headers={"Authorization": "allow"})
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == "1.0"
    assert body["authorizer"]["principalId"] == "user-allow"
    assert "calls" in body["authorizer"]


def test_http_policy_authorizer_of_payload_2_0(events):
    assert get(events + "/policy-v2/x", headers={"Authorization": "deny"}).status_code == 403
    response = get(events + "/policy-v2/x", headers={"Authorization": "allow"})
    assert response.json()["authorizer"]["lambda"]["tenant"] == "-"
    assert response.json()["pathParameters"] == {"item": "x"}


def test_http_cors_preflight_is_answered_before_routes_and_authorizers(events):
    allowed = requests.options(
        events + "/simple",
        headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"},
        timeout=30,
    )
    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert allowed.headers["Access-Control-Allow-Methods"] == "GET,POST"
    assert allowed.headers["Access-Control-Max-Age"] == "300"
    refused = requests.options(
        events + "/simple",
        headers={"Origin": "https://evil.test", "Access-Control-Request-Method": "GET"},
        timeout=30,
    )
    assert refused.status_code == 204
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_http_cors_headers_are_added_to_actual_responses(events):
    response = requests.post(
        events + "/open", headers={"Origin": "https://app.example.com"}, timeout=30
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert response.headers["Access-Control-Expose-Headers"] == "x-request-id"
    plain = requests.post(events + "/open", timeout=30)
    assert "Access-Control-Allow-Origin" not in plain.headers
