"""Checks on DynamoDB tables: point-in-time recovery, and kept when the stack lets go.

``AWS::Serverless::SimpleTable`` cannot turn point-in-time recovery on, so a template that
uses one is told to declare an ``AWS::DynamoDB::Table``. ``DeletionPolicy`` and
``UpdateReplacePolicy`` must each be ``Retain`` (or ``Snapshot``): otherwise deleting the
stack, or a change that replaces the table, deletes its data.
"""

from __future__ import annotations

from harness.checks.pack import CheckInput, Finding, Outcome, outcome, resource_subject, where

TABLE = "AWS::DynamoDB::Table"
KEPT = frozenset({"Retain", "RetainExceptOnCreate", "Snapshot"})


def point_in_time_recovery(checked: CheckInput) -> Outcome:
    """Every table can be restored to any second of the last 35 days."""
    tables = list(checked.transformed.resources(TABLE))
    findings = []
    for table in tables:
        pitr = table.properties.get("PointInTimeRecoverySpecification") or {}
        if pitr.get("PointInTimeRecoveryEnabled") is True:
            continue
        simple = table.origin.source_id is not None
        hint = (
            "a SimpleTable cannot enable it: declare an AWS::DynamoDB::Table"
            if simple
            else "set PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled: true"
        )
        findings.append(
            Finding(resource_subject(table), f"point-in-time recovery is off: {hint}", where(table))
        )
    return outcome((resource_subject(t) for t in tables), findings)


def retention(checked: CheckInput) -> Outcome:
    """Every table survives the deletion of its stack and its own replacement."""
    tables = list(checked.transformed.resources(TABLE))
    findings = [
        Finding(
            resource_subject(table),
            f"{policy} is {table.body.get(policy, 'Delete (the default)')}: the data goes with "
            "the stack; set it to Retain",
            where(table, policy),
        )
        for table in tables
        for policy in ("DeletionPolicy", "UpdateReplacePolicy")
        if table.body.get(policy) not in KEPT
    ]
    return outcome((resource_subject(t) for t in tables), findings)
