"""An app importing what its prerequisite stacks export, on the embedded target.

``fixtures/apps/cognito_auth``: an identity stack (a Cognito user pool, client, group and
domain, exported) and a shared stack (a queue, a parameter, a secret, exported) deployed
first, then the app, whose HTTP API's JWT authorizer and whose function's environment
import them, and its REST flavour, whose Cognito authorizer imports the pool's ARN.
Tokens are real ones from the identity stack's pool (``initiate_auth``); the verifier
decides on them as API Gateway documents (:mod:`jwt_authorizers`), called directly and
through the front over HTTP.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from joserfc import jwk, jws, jwt
from moto.cognitoidp.models import cognitoidp_backends
from moto.core import DEFAULT_ACCOUNT_ID

from harness.targets.base import StackNotReady
from harness.targets.embedded.jwt_authorizers import (
    JwtAuthorizer,
    http_api_claims,
    rest_api_claims,
)
from harness.targets.embedded.target import MOTO_TRACEBACKS, EmbeddedStack, EmbeddedTarget

APPS = Path(__file__).resolve().parents[2] / "fixtures" / "apps"
COGNITO_APP = APPS / "cognito_auth"
PASSWORD = "Correct-Horse-9"


@pytest.fixture(scope="module")
def target(embedded_target: EmbeddedTarget) -> EmbeddedTarget:
    return embedded_target


@pytest.fixture(scope="module")
def auth(target: EmbeddedTarget) -> EmbeddedStack:
    return target.deploy(COGNITO_APP / "auth.yaml", "harness-auth", {})


@pytest.fixture(scope="module")
def app(target: EmbeddedTarget, auth: EmbeddedStack) -> EmbeddedStack:
    target.deploy(COGNITO_APP / "shared.yaml", "harness-shared", {"Stage": "dev"})
    return target.deploy(COGNITO_APP / "template.yaml", "cognito-app", {})


def sign_in(
    stack: EmbeddedStack, pool_id: str, client_id: str, username: str, groups: tuple[str, ...] = ()
) -> dict[str, str]:
    """A user created as an admin would, then signed in: the pool's real tokens."""
    idp = stack.client("cognito-idp")
    idp.admin_create_user(UserPoolId=pool_id, Username=username)
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True
    )
    for group in groups:
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)
    answer = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )
    return answer["AuthenticationResult"]


@pytest.fixture(scope="module")
def tokens(auth: EmbeddedStack) -> dict[str, str]:
    outputs = auth.outputs
    return sign_in(auth, outputs["UserPoolId"], outputs["UserPoolClientId"], "alice", ("admins",))


@pytest.fixture(scope="module")
def other_pool_token(auth: EmbeddedStack) -> str:
    """An ID token of a pool the app does not trust (same moto, same signing key)."""
    idp = auth.client("cognito-idp")
    pool_id = idp.create_user_pool(PoolName="strangers")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="web")["UserPoolClient"][
        "ClientId"
    ]
    return sign_in(auth, pool_id, client_id, "mallory")["IdToken"]


@pytest.fixture(scope="module")
def http_authorizer(app: EmbeddedStack) -> JwtAuthorizer:
    return app.jwt_authorizers[("OrdersHttpApi", "UserPoolJwt")]


@pytest.fixture(scope="module")
def rest_app(target: EmbeddedTarget, app: EmbeddedStack) -> EmbeddedStack:
    """The REST flavour: its Cognito authorizer's imported pool ARN resolved in moto."""
    return target.deploy(COGNITO_APP / "rest_api.yaml", "cognito-rest-app", {})


@pytest.fixture(scope="module")
def rest_authorizer(rest_app: EmbeddedStack) -> JwtAuthorizer:
    return rest_app.jwt_authorizers[("OrdersRestApi", "UserPoolAuthorizer")]


def forged(claims: dict[str, Any], key: Any = None) -> str:
    """A token signed with the key moto's pool signs with (or ``key``): only claims differ."""
    pool_id = claims["iss"].rsplit("/", 1)[1]
    pool = cognitoidp_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].user_pools[pool_id]
    return jwt.encode({"kid": "dummy", "alg": "RS256"}, claims, key or pool.json_web_key)


def claims_of(token: str) -> dict[str, Any]:
    return json.loads(jws.extract_compact(token.encode()).payload)


def test_the_prerequisite_stacks_exports_carry_real_values(auth: EmbeddedStack) -> None:
    pool = auth.client("cognito-idp").describe_user_pool(UserPoolId=auth.outputs["UserPoolId"])
    assert pool["UserPool"]["Arn"] == auth.outputs["UserPoolArn"]
    exports = {
        export["Name"]: export["Value"]
        for export in auth.client("cloudformation").list_exports()["Exports"]
    }
    assert exports["harness-auth-UserPoolClientId"] == auth.outputs["UserPoolClientId"]
    assert not auth.emulation_gaps


def test_the_apps_function_reads_the_imported_queue_parameter_and_secret(
    app: EmbeddedStack,
) -> None:
    answer = requests.get(app.api_url + "shared-config", timeout=30)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["received"] == ["job-1"]
    assert body["greeting"] == "hello from dev"
    assert body["secret_user"] == "partner"
    assert "harness-shared-JobsQueue" in body["queue_url"]


def test_the_jwt_authorizer_names_the_imported_pool_and_client(
    auth: EmbeddedStack, http_authorizer: JwtAuthorizer
) -> None:
    pool_id = auth.outputs["UserPoolId"]
    assert http_authorizer.issuers == {
        f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}": pool_id
    }
    assert http_authorizer.audiences == {auth.outputs["UserPoolClientId"]}


def test_a_real_token_passes_with_its_claims_as_an_http_api_passes_them(
    target: EmbeddedTarget, http_authorizer: JwtAuthorizer, tokens: dict[str, str]
) -> None:
    decision = target.jwt_verifier.authorize(
        http_authorizer, {"authorization": f"Bearer {tokens['AccessToken']}"}
    )
    assert decision.status == 200, decision.reason
    claims = http_api_claims(decision.claims)
    assert claims["username"] == "alice"
    assert claims["cognito:groups"] == "[admins]"
    assert claims["exp"].isdigit()
    assert decision.scopes == ("aws.cognito.signin.user.admin",)


def test_the_id_token_passes_too_its_aud_being_the_client(
    target: EmbeddedTarget, http_authorizer: JwtAuthorizer, tokens: dict[str, str]
) -> None:
    decision = target.jwt_verifier.authorize(http_authorizer, {"Authorization": tokens["IdToken"]})
    assert decision.status == 200, decision.reason
    assert decision.claims["cognito:username"] == "alice"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "no token"),
        ({"Authorization": "Bearer not-a-jwt"}, "not a readable JWT"),
    ],
)
def test_a_request_without_a_readable_token_is_401(
    target: EmbeddedTarget, http_authorizer: JwtAuthorizer, headers: dict[str, str], reason: str
) -> None:
    decision = target.jwt_verifier.authorize(http_authorizer, headers)
    assert (decision.status, decision.message) == (401, "Unauthorized")
    assert reason in decision.reason


def test_a_token_of_another_pool_is_401(
    target: EmbeddedTarget, http_authorizer: JwtAuthorizer, other_pool_token: str
) -> None:
    decision = target.jwt_verifier.authorize(
        http_authorizer, {"Authorization": f"Bearer {other_pool_token}"}
    )
    assert decision.status == 401
    assert "issuer" in decision.reason


def test_an_expired_token_is_401(
    target: EmbeddedTarget, http_authorizer: JwtAuthorizer, tokens: dict[str, str]
) -> None:
    claims = claims_of(tokens["AccessToken"]) | {"exp": int(time.time()) - 60}
    decision = target.jwt_verifier.authorize(
        http_authorizer, {"Authorization": f"Bearer {forged(claims)}"}
    )
    assert decision.status == 401
    assert "expired" in decision.reason


def test_a_token_signed_with_another_key_is_401(
    target: EmbeddedTarget, http_authorizer: JwtAuthorizer, tokens: dict[str, str]
) -> None:
    token = forged(claims_of(tokens["AccessToken"]), jwk.RSAKey.generate_key(2048))
    decision = target.jwt_verifier.authorize(http_authorizer, {"Authorization": token})
    assert decision.status == 401
    assert "signature" in decision.reason


def test_a_token_for_another_audience_is_401(
    target: EmbeddedTarget, http_authorizer: JwtAuthorizer, tokens: dict[str, str]
) -> None:
    claims = claims_of(tokens["AccessToken"]) | {"client_id": "some-other-client"}
    decision = target.jwt_verifier.authorize(http_authorizer, {"Authorization": forged(claims)})
    assert decision.status == 401
    assert "audience" in decision.reason


def test_a_route_scope_the_token_lacks_is_403(
    target: EmbeddedTarget, http_authorizer: JwtAuthorizer, tokens: dict[str, str]
) -> None:
    decision = target.jwt_verifier.authorize(
        http_authorizer, {"Authorization": tokens["AccessToken"]}, route_scopes=("orders/write",)
    )
    assert (decision.status, decision.message) == (403, "Forbidden")


def test_rest_cognito_takes_an_id_token_and_passes_claims_as_strings(
    target: EmbeddedTarget, rest_authorizer: JwtAuthorizer, tokens: dict[str, str]
) -> None:
    decision = target.jwt_verifier.authorize(rest_authorizer, {"Authorization": tokens["IdToken"]})
    assert decision.status == 200, decision.reason
    claims = rest_api_claims(decision.claims)
    assert claims["cognito:username"] == "alice"
    assert claims["cognito:groups"] == "admins"
    assert claims["exp"].endswith(" UTC " + time.strftime("%Y", time.gmtime()))


def test_rest_cognito_refuses_an_access_token_on_a_method_without_scopes(
    target: EmbeddedTarget, rest_authorizer: JwtAuthorizer, tokens: dict[str, str]
) -> None:
    decision = target.jwt_verifier.authorize(
        rest_authorizer, {"Authorization": tokens["AccessToken"]}
    )
    assert decision.status == 401
    assert "ID token" in decision.reason


def test_rest_cognito_takes_an_access_token_holding_one_of_the_methods_scopes(
    target: EmbeddedTarget, rest_authorizer: JwtAuthorizer, tokens: dict[str, str]
) -> None:
    headers = {"Authorization": tokens["AccessToken"]}
    allowed = target.jwt_verifier.authorize(
        rest_authorizer, headers, route_scopes=("aws.cognito.signin.user.admin",)
    )
    assert allowed.status == 200, allowed.reason
    refused = target.jwt_verifier.authorize(rest_authorizer, headers, route_scopes=("admin",))
    assert refused.status == 401


def test_rest_cognito_refuses_a_token_of_another_pool(
    target: EmbeddedTarget, rest_authorizer: JwtAuthorizer, other_pool_token: str
) -> None:
    decision = target.jwt_verifier.authorize(rest_authorizer, {"Authorization": other_pool_token})
    assert decision.status == 401


def test_no_authorizer_of_either_app_is_a_gap(app: EmbeddedStack, rest_app: EmbeddedStack) -> None:
    gaps = [gap.describe() for gap in (*app.emulation_gaps, *rest_app.emulation_gaps)]
    assert not [gap for gap in gaps if "authorizer" in gap], gaps


def test_the_http_api_answers_401_without_a_token_and_never_runs_the_function(
    app: EmbeddedStack,
) -> None:
    mark = app.log_mark()
    answer = requests.get(app.api_url + "whoami", timeout=30)
    assert (answer.status_code, answer.json()) == (401, {"message": "Unauthorized"})
    assert app.journal.since(mark) == []


def test_the_http_api_passes_a_real_tokens_claims_to_the_function(
    app: EmbeddedStack, tokens: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {tokens['AccessToken']}"}
    answer = requests.get(app.api_url + "whoami", headers=headers, timeout=30)
    assert answer.status_code == 200, answer.text
    jwt_seen = answer.json()["authorizer"]["jwt"]
    assert jwt_seen["claims"]["username"] == "alice"
    assert jwt_seen["claims"]["cognito:groups"] == "[admins]"
    assert jwt_seen["scopes"] == ["aws.cognito.signin.user.admin"]


def test_the_http_api_refuses_a_forged_token(app: EmbeddedStack, tokens: dict[str, str]) -> None:
    token = forged(claims_of(tokens["AccessToken"]), jwk.RSAKey.generate_key(2048))
    answer = requests.get(app.api_url + "whoami", headers={"Authorization": token}, timeout=30)
    assert answer.status_code == 401


def test_the_rest_api_takes_an_id_token_and_passes_its_claims(
    rest_app: EmbeddedStack, tokens: dict[str, str]
) -> None:
    url = rest_app.outputs["RestApiUrl"] + "whoami"
    assert url.startswith("http://127.0.0.1:")
    assert "/Prod/" in url
    answer = requests.get(url, headers={"Authorization": tokens["IdToken"]}, timeout=30)
    assert answer.status_code == 200, answer.text
    claims = answer.json()["authorizer"]["claims"]
    assert claims["cognito:username"] == "alice"
    assert claims["cognito:groups"] == "admins"


@pytest.mark.parametrize("token", [None, "AccessToken"])
def test_the_rest_api_refuses_no_token_and_an_access_token_on_a_method_without_scopes(
    rest_app: EmbeddedStack, tokens: dict[str, str], token: str | None
) -> None:
    headers = {"Authorization": tokens[token]} if token else {}
    answer = requests.get(rest_app.api_url + "whoami", headers=headers, timeout=30)
    assert (answer.status_code, answer.json()) == (401, {"message": "Unauthorized"})
    assert answer.headers["x-amzn-ErrorType"] == "UnauthorizedException"


def test_a_resource_moto_rejects_fails_naming_stack_resource_type_and_motos_error(
    target: EmbeddedTarget,
) -> None:
    with pytest.raises(StackNotReady) as failure:
        target.deploy(APPS / "moto_rejects" / "template.yaml", "rejected", {})
    message = str(failure.value)
    assert "stack 'rejected'" in message
    assert "UnnamedParameter (AWS::SSM::Parameter)" in message
    assert "AttributeError" in message
    traceback_log = target.workdir / MOTO_TRACEBACKS
    assert str(traceback_log) in message
    assert "Traceback" in traceback_log.read_text()


def test_a_failed_deploy_leaves_nothing_behind(target: EmbeddedTarget) -> None:
    with pytest.raises(StackNotReady):
        target.deploy(APPS / "moto_rejects" / "template.yaml", "rejected-again", {})
    stack = EmbeddedStack("probe", target.endpoint, {}, {})
    queues = stack.client("sqs").list_queues().get("QueueUrls", [])
    assert not [url for url in queues if "rejected-again" in url]
    summaries = stack.client("cloudformation").list_stacks()["StackSummaries"]
    statuses = {
        summary["StackStatus"] for summary in summaries if summary["StackName"] == "rejected-again"
    }
    assert statuses == {"DELETE_COMPLETE"}


def test_an_import_of_a_missing_export_names_the_importing_resource(
    target: EmbeddedTarget, tmp_path: Path
) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        json.dumps(
            {
                "Resources": {
                    "Queue": {
                        "Type": "AWS::SQS::Queue",
                        "Properties": {"QueueName": {"Fn::ImportValue": "nobody-exports-this"}},
                    }
                }
            }
        )
    )
    with pytest.raises(StackNotReady) as failure:
        target.deploy(template, "importer", {})
    message = str(failure.value)
    assert "Queue (AWS::SQS::Queue)" in message
    assert "nobody-exports-this" in message
