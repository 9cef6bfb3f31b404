"""The items table survives mistakes: point-in-time recovery, and no deletion with the stack."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness import Template

pytestmark = pytest.mark.template


def test_table_has_point_in_time_recovery(transformed: Callable[..., Template]) -> None:
    transformed().resources("AWS::DynamoDB::Table").all_match(
        {"Properties": {"PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}}}
    )


def test_table_is_retained_on_delete_and_replace(transformed: Callable[..., Template]) -> None:
    transformed().resources("AWS::DynamoDB::Table").all_match(
        {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
    )
