"""Cognito user pools, their clients, groups and domains, through moto's ``cognito-idp``.

Properties and return values as the CloudFormation reference documents them
(``AWS::Cognito::UserPool``: ``Ref`` is the pool id, ``GetAtt`` ``Arn``, ``ProviderName``,
``ProviderURL``, ``UserPoolId``; ``UserPoolClient``: ``Ref`` the client id, ``GetAtt``
``ClientId``, ``ClientSecret``, ``Name``; ``UserPoolGroup``: ``Ref`` the group name;
``UserPoolDomain``: ``Ref`` the domain, ``GetAtt`` ``CloudFrontDistribution``). The
CloudFormation properties are the fields of the matching ``Create*`` request, except
``UserPoolName`` (the request's ``PoolName``) and ``EnabledMfas`` (set apart, by
``SetUserPoolMfaConfig``, which moto's pools ignore for token issuing anyway).

The pools are moto's own, so ``initiate_auth`` issues tokens signed with the key moto
serves at ``/<pool id>/.well-known/jwks.json``, with ``iss`` naming the pool: what the
JWT authorizers verify (:mod:`harness.targets.embedded.jwt_authorizers`).
"""

from __future__ import annotations

import contextlib
from typing import Any, ClassVar

from moto.cognitoidp.exceptions import ResourceNotFoundError
from moto.cognitoidp.models import CognitoIdpBackend, cognitoidp_backends
from moto.core.common_models import CloudFormationModel

from harness.targets.embedded.provisioners import Provisioned, cfn_bool


def _backend(account_id: str, region_name: str) -> CognitoIdpBackend:
    return cognitoidp_backends[account_id][region_name]


class UserPool(Provisioned, CloudFormationModel):
    TYPE: ClassVar[str] = "AWS::Cognito::UserPool"
    NAME_PROPERTY: ClassVar[str] = "UserPoolName"
    ATTRIBUTES: ClassVar[frozenset[str]] = frozenset(
        {"Arn", "ProviderName", "ProviderURL", "UserPoolId"}
    )
    _NOT_REQUEST_FIELDS: ClassVar[frozenset[str]] = frozenset({"UserPoolName", "EnabledMfas"})

    @classmethod
    def create(
        cls, name: str, properties: dict[str, Any], account_id: str, region_name: str
    ) -> UserPool:
        request = {
            key: value for key, value in properties.items() if key not in cls._NOT_REQUEST_FIELDS
        }
        pool = _backend(account_id, region_name).create_user_pool(name, request)
        provider = f"cognito-idp.{region_name}.amazonaws.com/{pool.id}"
        return cls(
            pool.id,
            {
                "Arn": pool.arn,
                "ProviderName": provider,
                "ProviderURL": f"https://{provider}",
                "UserPoolId": pool.id,
            },
        )

    def delete(self, account_id: str, region_name: str) -> None:
        with contextlib.suppress(ResourceNotFoundError):
            _backend(account_id, region_name).delete_user_pool(self.physical_id)


class UserPoolClient(Provisioned, CloudFormationModel):
    TYPE: ClassVar[str] = "AWS::Cognito::UserPoolClient"
    NAME_PROPERTY: ClassVar[str] = "ClientName"
    ATTRIBUTES: ClassVar[frozenset[str]] = frozenset({"ClientId", "ClientSecret", "Name"})

    def __init__(self, physical_id: str, attributes: dict[str, Any], user_pool_id: str) -> None:
        super().__init__(physical_id, attributes)
        self.user_pool_id = user_pool_id

    @classmethod
    def create(
        cls, name: str, properties: dict[str, Any], account_id: str, region_name: str
    ) -> UserPoolClient:
        request = dict(properties)
        user_pool_id = request.pop("UserPoolId")
        generate_secret = cfn_bool(request.pop("GenerateSecret", False))
        request["ClientName"] = name
        client = _backend(account_id, region_name).create_user_pool_client(
            user_pool_id, generate_secret, request
        )
        attributes = {"ClientId": client.id, "Name": name}
        if generate_secret:
            attributes["ClientSecret"] = client.secret
        return cls(client.id, attributes, user_pool_id)

    def delete(self, account_id: str, region_name: str) -> None:
        with contextlib.suppress(ResourceNotFoundError):
            _backend(account_id, region_name).delete_user_pool_client(
                self.user_pool_id, self.physical_id
            )


class UserPoolGroup(Provisioned, CloudFormationModel):
    TYPE: ClassVar[str] = "AWS::Cognito::UserPoolGroup"
    NAME_PROPERTY: ClassVar[str] = "GroupName"

    def __init__(self, physical_id: str, user_pool_id: str) -> None:
        super().__init__(physical_id, {})
        self.user_pool_id = user_pool_id

    @classmethod
    def create(
        cls, name: str, properties: dict[str, Any], account_id: str, region_name: str
    ) -> UserPoolGroup:
        precedence = properties.get("Precedence")
        group = _backend(account_id, region_name).create_group(
            properties["UserPoolId"],
            name,
            properties.get("Description"),  # type: ignore[arg-type]
            properties.get("RoleArn"),  # type: ignore[arg-type]
            None if precedence is None else int(precedence),  # type: ignore[arg-type]
        )
        return cls(group.group_name, properties["UserPoolId"])

    def delete(self, account_id: str, region_name: str) -> None:
        with contextlib.suppress(ResourceNotFoundError):
            _backend(account_id, region_name).delete_group(self.user_pool_id, self.physical_id)


class UserPoolDomain(Provisioned, CloudFormationModel):
    TYPE: ClassVar[str] = "AWS::Cognito::UserPoolDomain"
    NAME_PROPERTY: ClassVar[str] = "Domain"
    ATTRIBUTES: ClassVar[frozenset[str]] = frozenset({"CloudFrontDistribution"})

    @classmethod
    def create(
        cls, name: str, properties: dict[str, Any], account_id: str, region_name: str
    ) -> UserPoolDomain:
        domain = _backend(account_id, region_name).create_user_pool_domain(
            properties["UserPoolId"], name, properties.get("CustomDomainConfig")
        )
        distribution = domain.to_json(extended=True)["CloudFrontDistribution"]
        return cls(name, {"CloudFrontDistribution": distribution})

    def delete(self, account_id: str, region_name: str) -> None:
        with contextlib.suppress(ResourceNotFoundError):
            _backend(account_id, region_name).delete_user_pool_domain(self.physical_id)


PROVISIONERS: tuple[type[Provisioned], ...] = (
    UserPool,
    UserPoolClient,
    UserPoolGroup,
    UserPoolDomain,
)
