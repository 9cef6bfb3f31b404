"""Least privilege: no role may do everything, or everything a service offers, and each
function may read only its own secrets.

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
from harness.template.references import references_in

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


SECRET_TYPES = ("AWS::SecretsManager::Secret", "AWS::SSM::Parameter")
# The calls that read a secret's or a parameter's value (DescribeParameters reads no value).
SECRET_READ = re.compile(
    r"^(\*|secretsmanager:(\*|GetSecretValue|BatchGetSecretValue)"
    r"|ssm:(\*|GetParameters?|GetParametersByPath|GetParameterHistory))$"
)


def own_secrets(checked: CheckInput) -> Outcome:
    """Each function may read exactly the secrets and parameters its environment names.

    The template's ``AWS::SecretsManager::Secret`` and ``AWS::SSM::Parameter`` resources a
    function's variables refer to are its own; every statement of its role that allows reading
    a value (``secretsmanager:GetSecretValue``, ``ssm:GetParameter*``) must name only those,
    and each of those must be granted, or the function fails when it reads it.
    """
    template = checked.transformed
    secrets = {r.logical_id for kind in SECRET_TYPES for r in template.resources(kind)}
    functions = list(template.resources("AWS::Lambda::Function"))
    findings = []
    for function in functions:
        subject = resource_subject(function)
        variables = (function.properties.get("Environment") or {}).get("Variables") or {}
        named = _references(variables) & secrets
        role = function.properties.get("Role")
        if not (isinstance(role, dict) and isinstance(role.get("Fn::GetAtt"), list)):
            continue
        granted: set[str] = set()
        for statement in template.role_statements(str(role["Fn::GetAtt"][0])):
            body = statement.body
            actions = [a for a in body.get("Action") or [] if isinstance(a, str)]
            if body.get("Effect") != "Allow" or not any(SECRET_READ.match(a) for a in actions):
                continue
            for resource in body.get("Resource") or []:
                own = _references(resource) & secrets
                granted |= own
                if not own or own - named:
                    findings.append(
                        Finding(
                            subject,
                            f"may read {_arn_text(resource) if not own else sorted(own - named)}"
                            ", which its environment does not name: grant only its own",
                            statement.locate(()) or where(function),
                        )
                    )
        for missing in sorted(named - granted):
            findings.append(
                Finding(
                    subject,
                    f"its environment names {missing}, which its role may not read",
                    where(function, "Properties", "Environment"),
                )
            )
    return outcome((resource_subject(f) for f in functions), findings)


def _references(value: Any) -> set[str]:
    return {reference.name.split(".")[0] for reference in references_in(value)}
