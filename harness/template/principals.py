"""Who a resource policy grants to: named principals, or anyone in an account (or anyone).

A key, bucket, topic or queue policy, or a role's trust policy, that allows ``"*"`` or an
account (``123456789012``, ``arn:aws:iam::123456789012:root``) delegates to every identity
that account's IAM policies allow ("AWS account principals", IAM User Guide, Policy
elements: Principal). Such a grant is only as narrow as an ``aws:PrincipalArn`` condition
naming who may use it. A service principal (``cloudwatch.amazonaws.com``), a federated
provider, a role or a user ARN is named.

Template values are read without deploying: a ``Fn::GetAtt`` (a role of the stack) is named;
a ``Fn::Sub`` or literal is an account when it is an account id or ends in ``:root``; a
``Ref`` (a parameter, ``AWS::AccountId``) or any other function cannot be told apart from an
account id, so it counts as one. Both branches of an ``Fn::If`` count.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from harness.template.match import Matcher, MatchResult, Path

# Condition keys whose values name the principals a broad grant applies to.
SCOPING_KEYS = frozenset({"aws:principalarn"})
_ACCOUNT = re.compile(r"^(\d{12}|\$\{[^}]+\})$|:root$")


def principal_values(principal: Any) -> Iterator[Any]:
    """Every value of a ``Principal`` that can stand for an AWS identity (the ``AWS`` key,
    or ``"*"``), through lists and both branches of ``Fn::If``."""
    if principal == "*":
        yield principal
    elif isinstance(principal, Mapping) and "AWS" in principal:
        yield from _leaves(principal["AWS"])


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, Mapping) and isinstance(value.get("Fn::If"), list):
        for branch in value["Fn::If"][1:]:
            yield from _leaves(branch)
    elif value != {"Ref": "AWS::NoValue"}:
        yield value


def is_account_wide(value: Any) -> bool:
    """Whether a principal value is everyone, or everyone an account allows."""
    if isinstance(value, str):
        return value == "*" or bool(_ACCOUNT.search(value))
    if isinstance(value, Mapping) and "Fn::GetAtt" in value:
        return False
    if isinstance(value, Mapping) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        text = sub[0] if isinstance(sub, list) else sub
        return not isinstance(text, str) or bool(_ACCOUNT.search(text))
    return True


def names_principals(condition: Any) -> bool:
    """Whether a ``Condition`` block limits the grant to principals named by ARN."""
    if not isinstance(condition, Mapping):
        return False
    for keys in condition.values():
        if not isinstance(keys, Mapping):
            continue
        for key, values in keys.items():
            if str(key).lower() in SCOPING_KEYS and "*" not in _leaves(values):
                return True
    return False


class GrantsOnlyToNamedPrincipals(Matcher):
    """A policy statement that grants nothing to ``"*"`` or a whole account unless its
    condition names the principals (``aws:PrincipalArn``). Denies grant nothing and pass;
    so do identity-policy statements, which have no principal."""

    def check(self, actual: Any, path: Path, result: MatchResult) -> None:
        if not isinstance(actual, Mapping) or actual.get("Effect") != "Allow":
            return
        if "NotPrincipal" in actual:
            result.fail((*path, "NotPrincipal"), self.describe(), actual["NotPrincipal"])
            return
        broad = [
            value for value in principal_values(actual.get("Principal")) if is_account_wide(value)
        ]
        if broad and not names_principals(actual.get("Condition")):
            result.fail((*path, "Principal"), self.describe(), actual.get("Principal"))

    def describe(self) -> str:
        return (
            "principals named by role, user or service, or '*'/an account only with an "
            "aws:PrincipalArn condition naming them"
        )


NAMED_PRINCIPALS = GrantsOnlyToNamedPrincipals()
