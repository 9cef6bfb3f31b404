"""Least privilege: no wildcards, no AWS FullAccess policies, DynamoDB access only to the table."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from harness import (
    NAMED_PRINCIPALS,
    READ_ONLY_ACTION,
    WILDCARD_ACTION,
    AnyOf,
    Contains,
    Each,
    Not,
    Present,
    RefersTo,
    Regex,
    SamModel,
    Template,
)

pytestmark = pytest.mark.template

TABLE = "ItemsTable"
DYNAMODB_ACTION = Regex(r"^dynamodb:", re.IGNORECASE)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def test_no_statement_allows_every_action(transformed: Callable[..., Template]) -> None:
    statements = transformed().iam_statements()
    statements.none_match({"Effect": "Allow", "Action": Contains([WILDCARD_ACTION])})
    statements.none_match({"Effect": "Allow", "NotAction": Present()})


def test_no_statement_allows_writes_on_every_resource(transformed: Callable[..., Template]) -> None:
    transformed().iam_statements().none_match(
        {
            "Effect": "Allow",
            "Resource": Contains(["*"]),
            "Action": Contains([Not(READ_ONLY_ACTION)]),
        }
    )


def test_no_role_has_an_aws_managed_full_access_policy(
    transformed: Callable[..., Template],
) -> None:
    full_access = Regex(r":iam::aws:policy/.*FullAccess")
    transformed().resources("AWS::IAM::Role").none_match(
        {
            "Properties": {
                "ManagedPolicyArns": Contains([AnyOf(full_access, {"Fn::Sub": full_access})])
            }
        }
    )


def test_dynamodb_access_is_limited_to_the_table(transformed: Callable[..., Template]) -> None:
    dynamodb = transformed().iam_statements().where({"Action": Contains([DYNAMODB_ACTION])})
    dynamodb.all_match({"Resource": Each(RefersTo(TABLE))})


def test_functions_that_only_serve_reads_cannot_write_the_table(
    sam_model: SamModel, transformed: Callable[..., Template]
) -> None:
    readers = [
        logical_id
        for logical_id in sam_model.functions
        if (methods := {r.method for r in sam_model.routes if r.function_id == logical_id})
        and methods <= READ_METHODS
    ]
    assert readers, "expected at least one function serving only GET routes"
    template = transformed()
    for reader in readers:
        role = template.resource(reader).properties["Role"]["Fn::GetAtt"][0]
        template.iam_statements().only(role).none_match(
            {"Effect": "Allow", "Action": Contains([Not(READ_ONLY_ACTION)])}
        )


def test_resource_policies_grant_only_named_principals(
    transformed: Callable[..., Template],
) -> None:
    """Key, topic and queue policies and the roles' trust policies: no grant to anyone, or to
    a whole account, unless an aws:PrincipalArn condition names who (every setup counted:
    conditional resources included)."""
    transformed().policy_statements().all_match(NAMED_PRINCIPALS)
