"""Secrets Manager secrets, through moto's ``secretsmanager``.

As the CloudFormation reference of ``AWS::SecretsManager::Secret`` documents it: ``Ref``
and ``GetAtt Id`` are the secret's ARN; ``SecretString`` is stored as given, or
``GenerateSecretString`` makes one the way ``GetRandomPassword`` does (``PasswordLength``
32 by default), put under ``GenerateStringKey`` of the JSON ``SecretStringTemplate`` when
both are given. A name is generated when ``Name`` is omitted, as CloudFormation does.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from moto.core.common_models import CloudFormationModel
from moto.secretsmanager.models import SecretsManagerBackend, secretsmanager_backends

from harness.targets.embedded.provisioners import Provisioned, cfn_bool

_DEFAULT_PASSWORD_LENGTH = 32


def _backend(account_id: str, region_name: str) -> SecretsManagerBackend:
    return secretsmanager_backends[account_id][region_name]


class Secret(Provisioned, CloudFormationModel):
    TYPE: ClassVar[str] = "AWS::SecretsManager::Secret"
    NAME_PROPERTY: ClassVar[str] = "Name"
    ATTRIBUTES: ClassVar[frozenset[str]] = frozenset({"Id"})

    @classmethod
    def create(
        cls, name: str, properties: dict[str, Any], account_id: str, region_name: str
    ) -> Secret:
        backend = _backend(account_id, region_name)
        secret_string = properties.get("SecretString")
        if "GenerateSecretString" in properties:
            secret_string = _generated(backend, properties["GenerateSecretString"])
        created = json.loads(
            backend.create_secret(
                name=name,
                secret_string=secret_string,
                secret_binary=None,
                description=properties.get("Description"),
                tags=properties.get("Tags"),
                kms_key_id=properties.get("KmsKeyId"),
                client_request_token=None,
                replica_regions=properties.get("ReplicaRegions") or [],
                force_overwrite=False,
            )
        )
        return cls(created["ARN"], {"Id": created["ARN"]})

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).delete_secret(
            self.physical_id, recovery_window_in_days=None, force_delete_without_recovery=True
        )


def _generated(backend: SecretsManagerBackend, spec: dict[str, Any]) -> str:
    password = json.loads(
        backend.get_random_password(
            password_length=int(spec.get("PasswordLength", _DEFAULT_PASSWORD_LENGTH)),
            exclude_characters=spec.get("ExcludeCharacters", ""),
            exclude_numbers=cfn_bool(spec.get("ExcludeNumbers", False)),
            exclude_punctuation=cfn_bool(spec.get("ExcludePunctuation", False)),
            exclude_uppercase=cfn_bool(spec.get("ExcludeUppercase", False)),
            exclude_lowercase=cfn_bool(spec.get("ExcludeLowercase", False)),
            include_space=cfn_bool(spec.get("IncludeSpace", False)),
            require_each_included_type=cfn_bool(spec.get("RequireEachIncludedType", True)),
        )
    )["RandomPassword"]
    template, key = spec.get("SecretStringTemplate"), spec.get("GenerateStringKey")
    if template is None or key is None:
        return password
    return json.dumps({**json.loads(template), key: password})


PROVISIONERS: tuple[type[Provisioned], ...] = (Secret,)
