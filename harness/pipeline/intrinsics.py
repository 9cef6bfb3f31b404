"""The pipeline template's intrinsics resolved as CloudFormation would in an emulated account.

The rehearsal needs the pipeline as deployed: the project a ``ProjectName: !Ref
BuildProject`` names, the bucket ``!Ref ArtifactBucket`` is, the ARN in a ``!Sub`` of the
stage roles. There is no deployed pipeline stack to read them from (moto cannot create
CodePipeline or CodeBuild resources), so they are computed here from the template, the
parameters and the pseudo parameters of the rehearsal's account (``AWS::AccountId``,
``AWS::Region``, ``AWS::StackName``, ``AWS::Partition``), with the physical names and ARN
formats the AWS resource references document for the types a pipeline uses (a named
resource's ``Ref`` is its name, a topic's its ARN, a role's ``Arn`` carries its ``Path``).

Written here, not borrowed: samtranslator's ``IntrinsicsResolver`` resolves parameters but
leaves resource references alone, and the template layer's conditions module
(:mod:`harness.template.conditions`) already removed every ``Fn::If`` before this runs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class UnresolvedIntrinsic(ValueError):
    """A value the rehearsal cannot compute; names the reference and where it was used."""


@dataclass(frozen=True)
class Account:
    """Where the emulated pipeline stack lives."""

    account_id: str
    region: str
    stack_name: str
    partition: str = "aws"


class Resolver:
    """Resolves ``Ref``, ``Fn::GetAtt``, ``Fn::Sub``, ``Fn::Join``, ``Fn::Select`` and
    ``Fn::Split`` over a condition-resolved template document."""

    def __init__(
        self, document: Mapping[str, Any], parameters: Mapping[str, Any], account: Account
    ) -> None:
        self._resources: Mapping[str, Any] = document.get("Resources") or {}
        self._parameters = parameters
        self.account = account

    def resolve(self, value: Any, where: str = "") -> Any:
        """``value`` with every intrinsic computed; raises :class:`UnresolvedIntrinsic`."""
        if isinstance(value, list):
            return [self.resolve(item, where) for item in value]
        if not isinstance(value, Mapping):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            function = self._functions().get(key)
            if function is not None:
                return function(argument, where)
            if key.startswith("Fn::"):
                raise UnresolvedIntrinsic(f"{where}: {key} is not resolved by the rehearsal")
        return {key: self.resolve(item, f"{where}.{key}") for key, item in value.items()}

    def _functions(self) -> dict[str, Any]:
        return {
            "Ref": lambda argument, where: self.ref(str(argument), where),
            "Fn::GetAtt": self._get_att_function,
            "Fn::Sub": self._sub,
            "Fn::Join": lambda argument, where: str(argument[0]).join(
                str(item) for item in self.resolve(argument[1], where)
            ),
            "Fn::Select": lambda argument, where: self.resolve(argument[1], where)[
                int(self.resolve(argument[0], where))
            ],
            "Fn::Split": lambda argument, where: str(self.resolve(argument[1], where)).split(
                str(argument[0])
            ),
        }

    def _get_att_function(self, argument: Any, where: str) -> str:
        parts = argument.split(".", 1) if isinstance(argument, str) else argument
        return self.get_att(str(parts[0]), str(parts[1]), where)

    def ref(self, name: str, where: str = "") -> Any:
        pseudo = {
            "AWS::AccountId": self.account.account_id,
            "AWS::Region": self.account.region,
            "AWS::StackName": self.account.stack_name,
            "AWS::Partition": self.account.partition,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackId": self._stack_id(),
        }
        if name in pseudo:
            return pseudo[name]
        if name in self._parameters:
            return self._parameters[name]
        if name in self._resources:
            return self._physical_id(name)
        raise UnresolvedIntrinsic(
            f"{where}: Ref {name} names no parameter, resource or pseudo parameter"
        )

    def get_att(self, logical_id: str, attribute: str, where: str = "") -> str:
        if logical_id not in self._resources:
            raise UnresolvedIntrinsic(f"{where}: GetAtt {logical_id}.{attribute}: no such resource")
        resource = self._resources[logical_id]
        kind = str(resource.get("Type", ""))
        name = self._physical_id(logical_id)
        if (kind, attribute) in _ATTRIBUTES_THAT_ARE_THE_REF:
            return name
        account = self.account
        arn_format = _ARN_FORMATS.get(kind) if attribute == "Arn" else None
        if arn_format is not None:
            path = self.resolve((resource.get("Properties") or {}).get("Path", "/"), where)
            return arn_format.format(
                partition=account.partition,
                region=account.region,
                account=account.account_id,
                name=name,
                path=path,
            )
        service = kind.split("::")[1].lower() if "::" in kind else "unknown"
        return (
            f"arn:{account.partition}:{service}:{account.region}:{account.account_id}:"
            f"{logical_id}/{attribute}"
        )

    def _physical_id(self, logical_id: str) -> str:
        """What ``Ref`` answers for a resource: its name property, else a generated name."""
        resource = self._resources[logical_id]
        kind = str(resource.get("Type", ""))
        properties = resource.get("Properties") or {}
        account, region, partition = (
            self.account.account_id,
            self.account.region,
            self.account.partition,
        )
        name_property = _NAME_PROPERTIES.get(kind)
        given = properties.get(name_property) if name_property else None
        name = (
            str(self.resolve(given, f"Resources.{logical_id}"))
            if given is not None
            else self._generated_name(logical_id)
        )
        if kind == "AWS::SNS::Topic":
            return f"arn:{partition}:sns:{region}:{account}:{name}"
        if kind == "AWS::CodeBuild::ReportGroup":
            return f"arn:{partition}:codebuild:{region}:{account}:report-group/{name}"
        if kind == "AWS::CodeStarConnections::Connection":
            digest = hashlib.sha256(name.encode()).hexdigest()
            return f"arn:{partition}:codeconnections:{region}:{account}:connection/{digest[:36]}"
        if kind == "AWS::KMS::Key":
            return str(_uuid_like(f"{self.account.stack_name}/{logical_id}"))
        return name

    def _generated_name(self, logical_id: str) -> str:
        """CloudFormation's ``<stack>-<LogicalId>-<SUFFIX>`` for resources left unnamed."""
        suffix = hashlib.sha256(f"{self.account.stack_name}/{logical_id}".encode()).hexdigest()
        return f"{self.account.stack_name}-{logical_id}-{suffix[:12].upper()}"

    def _stack_id(self) -> str:
        account = self.account
        return (
            f"arn:{account.partition}:cloudformation:{account.region}:{account.account_id}:"
            f"stack/{account.stack_name}/{_uuid_like(account.stack_name)}"
        )

    def _sub(self, argument: Any, where: str) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        local = {name: self.resolve(value, where) for name, value in dict(variables).items()}

        def replace(found: re.Match[str]) -> str:
            name = found.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in local:
                return str(local[name])
            if "." in name:
                logical_id, attribute = name.split(".", 1)
                return self.get_att(logical_id, attribute, where)
            value = self.ref(name, where)
            return ",".join(value) if isinstance(value, list) else str(value)

        return _SUB_VARIABLE.sub(replace, str(text))


# The documented ARN of each type's ``Arn`` attribute.
_ARN_FORMATS = {
    "AWS::IAM::Role": "arn:{partition}:iam::{account}:role{path}{name}",
    "AWS::S3::Bucket": "arn:{partition}:s3:::{name}",
    "AWS::CodeBuild::Project": "arn:{partition}:codebuild:{region}:{account}:project/{name}",
    "AWS::KMS::Key": "arn:{partition}:kms:{region}:{account}:key/{name}",
    "AWS::Logs::LogGroup": "arn:{partition}:logs:{region}:{account}:log-group:{name}:*",
    "AWS::CloudTrail::Trail": "arn:{partition}:cloudtrail:{region}:{account}:trail/{name}",
}

# Attributes whose value is what the resource's Ref already answers.
_ATTRIBUTES_THAT_ARE_THE_REF = {
    ("AWS::SNS::Topic", "Arn"),
    ("AWS::SNS::Topic", "TopicArn"),
    ("AWS::CodeBuild::ReportGroup", "Arn"),
    ("AWS::CodeStarConnections::Connection", "ConnectionArn"),
}

# The property CloudFormation uses as a resource's physical name, where the type has one.
_NAME_PROPERTIES = {
    "AWS::CodeBuild::Project": "Name",
    "AWS::CodeBuild::ReportGroup": "Name",
    "AWS::CodePipeline::Pipeline": "Name",
    "AWS::S3::Bucket": "BucketName",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::Policy": "PolicyName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::KMS::Alias": "AliasName",
    "AWS::CodeStarConnections::Connection": "ConnectionName",
    "AWS::CloudTrail::Trail": "TrailName",
    "AWS::Events::Rule": "Name",
}


def _uuid_like(seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
