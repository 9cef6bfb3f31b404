"""Least privilege: no role may do everything, or everything a service offers.

Read off every IAM role and policy of the transformed template, so the roles SAM
generates from policy templates and ``Policies`` count as much as written ones. A finding
is an ``Allow`` of ``*`` or ``service:*`` (or any ``NotAction``), or an AWS managed policy
that grants a whole service or the account (``AdministratorAccess``, ``PowerUserAccess``,
``...FullAccess``).
"""

from __future__ import annotations

import re
from typing import Any

from harness.checks.pack import CheckInput, Finding, Outcome, outcome, resource_subject, where
from harness.template.iam import statements_of

IAM_TYPES = ("AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
WILDCARD = re.compile(r"^(\*|[\w-]+:\*)$")
BROAD_MANAGED = re.compile(r"policy/(AdministratorAccess|PowerUserAccess|\w*FullAccess)\b")


def least_privilege(checked: CheckInput) -> Outcome:
    resources = [r for kind in IAM_TYPES for r in checked.transformed.resources(kind)]
    findings = []
    for statement in statements_of(resources):
        body = statement.body
        if body.get("Effect") != "Allow":
            continue
        wild = [a for a in body.get("Action") or [] if isinstance(a, str) and WILDCARD.match(a)]
        if wild or body.get("NotAction"):
            granted = ", ".join(wild) if wild else f"NotAction {body['NotAction']}"
            findings.append(
                Finding(
                    resource_subject(statement.resource),
                    f"allows {granted}: name the actions it needs",
                    statement.locate(()) or where(statement.resource),
                )
            )
    for resource in resources:
        for arn in resource.properties.get("ManagedPolicyArns") or []:
            name = _arn_text(arn)
            if BROAD_MANAGED.search(name):
                findings.append(
                    Finding(
                        resource_subject(resource),
                        f"managed policy {name.rpartition('/')[2]} grants a whole service or more",
                        where(resource, "Properties", "ManagedPolicyArns"),
                    )
                )
    return outcome((resource_subject(r) for r in resources), findings)


def _arn_text(arn: Any) -> str:
    """The ARN as text; a ``Fn::Sub`` of ``arn:${AWS::Partition}:iam::aws:policy/X`` too."""
    if isinstance(arn, dict) and "Fn::Sub" in arn:
        sub = arn["Fn::Sub"]
        return sub if isinstance(sub, str) else str(sub[0])
    return str(arn)
