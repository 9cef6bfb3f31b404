"""IAM policy statements of a template, normalised so one pattern fits every spelling.

Statements live in three places (a role's inline ``Policies``, ``AWS::IAM::Policy``,
``AWS::IAM::ManagedPolicy``); a reviewer asking "does anything allow ``*``?" means all of
them. A statement wrapped in ``Fn::If`` counts once per branch: either may be deployed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from harness.template.match import Path, Regex, render
from harness.template.subjects import Resource, Statement

LIST_FIELDS = ("Action", "NotAction", "Resource", "NotResource")
# Every action (``*``) or every action of a service (``s3:*``).
WILDCARD_ACTION = Regex(r"^(\*|[\w-]+:\*)$")
# Actions that only read, by the verbs AWS names them with.
READ_ONLY_ACTION = Regex(r"^[\w-]+:(Get|List|Describe|BatchGet|Query|Scan)", re.IGNORECASE)
# CloudFormation type namespaces whose IAM action prefix is not simply the lower-cased name
# (Service Authorization Reference, "Actions, resources, and condition keys").
_SERVICE_PREFIXES = {
    "ApiGateway": "apigateway",
    "ApiGatewayV2": "apigateway",
    "CertificateManager": "acm",
    "Cognito": "cognito-idp",
    "ElasticLoadBalancingV2": "elasticloadbalancing",
    "StepFunctions": "states",
}


def service_prefix(resource_type: str) -> str:
    """The IAM action prefix of the service behind a type: ``AWS::ApiGatewayV2::Api`` is
    ``apigateway``, ``AWS::Logs::LogGroup`` is ``logs``."""
    namespace = resource_type.split("::")[1] if resource_type.count("::") == 2 else resource_type
    return _SERVICE_PREFIXES.get(namespace, namespace.lower())


def role_of(arn: Any, owner: str) -> str:
    """The logical id in a ``Fn::GetAtt [Role, Arn]``; ``owner`` names who passed it."""
    if isinstance(arn, Mapping) and isinstance(arn.get("Fn::GetAtt"), list):
        return str(arn["Fn::GetAtt"][0])
    raise AssertionError(f"{owner}: expected a role of this stack, found {render(arn)}")


def policy_documents(resource: Resource) -> Iterator[tuple[Path, Any]]:
    """Each policy document of an IAM resource, with its path inside the resource."""
    properties = resource.properties
    if resource.type == "AWS::IAM::Role":
        for index, policy in enumerate(properties.get("Policies") or []):
            if isinstance(policy, Mapping):
                path = ("Properties", "Policies", index, "PolicyDocument")
                yield path, policy.get("PolicyDocument")
    elif resource.type in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        yield ("Properties", "PolicyDocument"), properties.get("PolicyDocument")


def statements_of(resources: Iterable[Resource]) -> Iterator[Statement]:
    """Every statement of every policy document of ``resources``, in template order."""
    for resource in resources:
        for document_path, document in policy_documents(resource):
            if not isinstance(document, Mapping):
                continue
            for path, statement in _listed(
                (*document_path, "Statement"), document.get("Statement")
            ):
                for branch_path, branch in _branches(path, statement):
                    yield Statement(resource, branch_path, normalise(branch))


def _listed(path: Path, value: Any) -> list[tuple[Path, Any]]:
    """``Statement`` may be one statement or a list of them."""
    if isinstance(value, list):
        return [((*path, index), item) for index, item in enumerate(value)]
    return [(path, value)]


def _branches(path: Path, statement: Any) -> Iterator[tuple[Path, Mapping[str, Any]]]:
    """The statement itself, or both branches of an ``Fn::If`` (``AWS::NoValue`` dropped)."""
    if not isinstance(statement, Mapping):
        return
    condition = statement.get("Fn::If")
    if isinstance(condition, list) and len(statement) == 1 and len(condition) == 3:
        for index in (1, 2):
            yield from _branches((*path, "Fn::If", index), condition[index])
    elif statement != {"Ref": "AWS::NoValue"}:
        yield path, statement


def normalise(statement: Mapping[str, Any]) -> dict[str, Any]:
    """A copy with ``Action``/``Resource`` (and their ``Not`` forms) always as lists."""
    normalised = dict(statement)
    for field in LIST_FIELDS:
        value = normalised.get(field)
        if value is not None and not isinstance(value, list):
            normalised[field] = [value]
    return normalised


def every_policy_statement(resources: Iterable[Resource]) -> Iterator[Statement]:
    """Every mapping with an ``Effect`` anywhere in the resources, as a statement.

    Wider than :func:`statements_of`: key, bucket and topic policies and trust policies
    count too, and both branches of an ``Fn::If`` are found by walking into them.
    """
    for resource in resources:
        for path, value in _mappings(resource.body, ()):
            if "Effect" in value:
                yield Statement(resource, path, normalise(value))


def _mappings(value: Any, path: Path) -> Iterator[tuple[Path, Mapping[str, Any]]]:
    """Every mapping inside ``value`` (itself included), with its path."""
    if isinstance(value, Mapping):
        yield path, value
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return
    for key, item in items:
        yield from _mappings(item, (*path, key))
