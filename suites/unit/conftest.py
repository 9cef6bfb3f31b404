"""Unit-layer fixtures of the items app: its API over empty tables, its table, its write guard.

The write function reads its API token from Secrets Manager and its writes switch from
Parameter Store, by the names in its environment. The harness's unit backend creates the
template's tables but not its secrets or parameters, so :class:`WriteGuard` creates both in
the session's moto server (named after their logical ids, as the backend names tables) and
sets the two variables the template would resolve to them. Requests carry the token by
default (:class:`TokenApi`); a test that checks refusals says which header to send.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.parameters.base import DEFAULT_PROVIDERS

from harness import InProcessApi, MotoUnitBackend

SECRET_ID = "ApiTokenSecret"
SWITCH_NAME = "/WritesEnabledParameter"


@dataclass
class WriteGuard:
    """The session's token secret and writes switch, and the moto clients that change them."""

    token: str
    secret_arn: str
    secretsmanager: Any
    ssm: Any

    def rotate(self, token: str) -> None:
        """Store a new token, as a rotation would; warm functions keep theirs until expiry."""
        self.secretsmanager.put_secret_value(
            SecretId=self.secret_arn, SecretString=json.dumps({"token": token})
        )

    def set_writes_enabled(self, value: str) -> None:
        self.ssm.put_parameter(Name=SWITCH_NAME, Value=value, Type="String", Overwrite=True)

    def reset(self) -> None:
        """The session's token and writes on, and no value cached by the handlers.

        Only the providers' cached values are dropped, not the providers
        (``parameters.clear_caches()``): a new one builds new boto3 clients, ~0.3 s a test.
        """
        self.rotate(self.token)
        self.set_writes_enabled("true")
        for provider in DEFAULT_PROVIDERS.values():
            provider.clear_cache()


class TokenApi(InProcessApi):
    """The in-process API, each request sending ``Authorization: Bearer <token>``.

    ``headers=`` of a request replace the token's header; a header set to ``None`` is left out.
    """

    token = ""

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str | None] | None = None,
        **kwargs: Any,
    ) -> Any:
        sent: dict[str, str | None] = {"authorization": f"Bearer {self.token}"}
        sent.update({name.lower(): value for name, value in (headers or {}).items()})
        kept = {name: value for name, value in sent.items() if value is not None}
        return super().request(method, path, headers=kept, **kwargs)


@pytest.fixture(scope="session")
def write_guard(unit_backend: MotoUnitBackend) -> Iterator[WriteGuard]:
    """A generated token in a moto secret, the switch on, and the write function's variables."""
    clients = {
        service: boto3.client(
            service,
            endpoint_url=unit_backend.endpoint_url,
            **{
                key.lower(): value
                for key, value in unit_backend.environment("ItemsWriteFunction").items()
                if key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
            },
            region_name=unit_backend.region,
        )
        for service in ("secretsmanager", "ssm")
    }
    token = secrets.token_urlsafe(30)
    arn = clients["secretsmanager"].create_secret(
        Name=SECRET_ID, SecretString=json.dumps({"token": token})
    )["ARN"]
    guard = WriteGuard(token, arn, clients["secretsmanager"], clients["ssm"])
    guard.set_writes_enabled("true")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("API_TOKEN_SECRET_ARN", arn)
        patch.setenv("WRITES_ENABLED_PARAMETER", SWITCH_NAME)
        yield guard


@pytest.fixture(scope="session")
def token_api(
    app_template_path: Path,
    lambda_handler: Callable[[str], Any],
    unit_backend: MotoUnitBackend,
    write_guard: WriteGuard,
) -> TokenApi:
    """The template's routes answered in-process, with the session's token.

    Hypothesis tests use it directly and reset what they change themselves.
    """
    del unit_backend  # the handlers' tables must exist before the first import
    api = TokenApi.from_template(app_template_path, lambda_handler)
    api.token = write_guard.token
    return api


@pytest.fixture
def api(token_api: TokenApi, unit_aws: MotoUnitBackend, write_guard: WriteGuard) -> TokenApi:
    """The in-process API over empty tables, with the token, writes on and nothing cached."""
    write_guard.reset()
    return token_api


@pytest.fixture
def table(unit_aws: MotoUnitBackend) -> Any:
    """The items table, to arrange and inspect what the handlers stored."""
    return unit_aws.table("ItemsTable")
