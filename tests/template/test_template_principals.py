"""Named principals: a grant to anyone or to a whole account passes only when a condition
names who may use it."""

from __future__ import annotations

from typing import Any

import pytest

from harness.template.match import match
from harness.template.principals import NAMED_PRINCIPALS

ROOT = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
ROLE = {"Fn::Sub": "arn:${AWS::Partition}:iam::${Account}:role/pipeline/app-dev-deploy"}
NAMING = {"ArnEquals": {"aws:PrincipalArn": [ROLE]}}


def allow(principal: Any, condition: Any = None) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": principal, "Action": ["sts:AssumeRole"]}
    return statement if condition is None else {**statement, "Condition": condition}


@pytest.mark.parametrize(
    "statement",
    [
        allow({"Service": "cloudwatch.amazonaws.com"}),
        allow({"AWS": {"Fn::GetAtt": ["PipelineRole", "Arn"]}}),
        allow({"AWS": ROLE}),
        allow({"AWS": "arn:aws:iam::123456789012:role/deployer"}),
        allow({"Federated": "cognito-identity.amazonaws.com"}),
        allow({"AWS": ROOT}, NAMING),
        allow("*", {"ArnLike": {"AWS:PrincipalArn": "arn:aws:iam::123456789012:role/ci-*"}}),
        allow({"AWS": {"Fn::If": ["Own", ROOT, "111122223333"]}}, NAMING),
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*"},
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"},  # identity policy
    ],
    ids=[
        "service",
        "role of the stack",
        "role by Sub",
        "role by literal ARN",
        "federated",
        "account named down by PrincipalArn",
        "anyone named down by PrincipalArn (case-insensitive key)",
        "both If branches accounts, named down",
        "deny",
        "no principal",
    ],
)
def test_named_principals_pass(statement: dict[str, Any]) -> None:
    assert match(NAMED_PRINCIPALS, statement).ok


@pytest.mark.parametrize(
    "statement",
    [
        allow("*"),
        allow({"AWS": "*"}),
        allow({"AWS": ROOT}),
        allow({"AWS": "123456789012"}),
        allow({"AWS": {"Ref": "TrustedAccountId"}}),
        allow({"AWS": {"Fn::Sub": "${AWS::AccountId}"}}),
        allow({"AWS": [ROLE, {"Fn::If": ["Own", ROLE, "arn:aws:iam::111122223333:root"]}]}),
        allow({"AWS": ROOT}, {"StringEquals": {"aws:SourceAccount": "123456789012"}}),
        allow({"AWS": ROOT}, {"ArnLike": {"aws:PrincipalArn": "*"}}),
        {"Effect": "Allow", "NotPrincipal": {"AWS": ROLE}, "Action": "kms:Decrypt"},
    ],
    ids=[
        "anyone",
        "any AWS identity",
        "account root by Sub",
        "account id",
        "account from a parameter",
        "own account id",
        "an If branch opens an account",
        "condition that names no principal",
        "PrincipalArn wildcard",
        "NotPrincipal",
    ],
)
def test_grants_to_anyone_or_an_account_fail_naming_the_principal(
    statement: dict[str, Any],
) -> None:
    result = match(NAMED_PRINCIPALS, statement)
    assert not result.ok
    (mismatch,) = result.mismatches
    assert mismatch.path in (("Principal",), ("NotPrincipal",))
    assert "aws:PrincipalArn condition" in str(mismatch)
