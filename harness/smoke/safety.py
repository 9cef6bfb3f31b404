"""Prod safety: on prod only ``readonly`` tests run, unless someone explicitly says otherwise.

Two signals make a run "prod", and either is enough: ``--stage prod`` (known before
collection, so mutating tests are deselected) and a stack whose stage output (the app's:
``harness_stage_output``, see :mod:`harness.smoke.app_contract`) says ``prod`` (known once
the stack is resolved, so they are skipped then). Trusting the stack as well as the flag
means a pipeline that passes the wrong stage cannot write to prod.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

PROD = "prod"
READONLY = "readonly"


class Marked(Protocol):
    """What :func:`split_for_prod` needs of a test item (``pytest.Item`` has it)."""

    def get_closest_marker(self, name: str) -> object | None: ...


ItemT = TypeVar("ItemT", bound=Marked)


@dataclass(frozen=True)
class SafetyMode:
    """Whether only readonly tests may run, and why (for the log and the report)."""

    readonly_only: bool
    reason: str
    overridden: bool = False


def decide(
    stage: str,
    deployed_stage: tuple[str, str] | None,
    allowed_by: str | None,
) -> SafetyMode:
    """Readonly-only when the stage or the stack's stage output is prod, unless allowed.

    ``deployed_stage`` is (output name, value) once the stack is known; ``allowed_by`` is
    the source of ``smoke_allow_mutating_on_prod`` when it is on.
    """
    causes = []
    if stage == PROD:
        causes.append("--stage prod")
    if deployed_stage is not None and deployed_stage[1] == PROD:
        causes.append(f"stack output {deployed_stage[0]}=prod")
    if not causes:
        return SafetyMode(readonly_only=False, reason=f"stage {stage}: all smoke tests run")
    if allowed_by:
        return SafetyMode(
            readonly_only=False,
            reason=f"{' and '.join(causes)}, but mutating tests ALLOWED by {allowed_by}",
            overridden=True,
        )
    return SafetyMode(readonly_only=True, reason=f"{' and '.join(causes)}: only readonly tests run")


def is_readonly(item: Marked) -> bool:
    """Only an explicit ``readonly`` marker counts: an unmarked test is not safe on prod."""
    return item.get_closest_marker(READONLY) is not None


def split_for_prod(items: Iterable[ItemT]) -> tuple[list[ItemT], list[ItemT]]:
    """(kept, deselected): the readonly tests, and every other one."""
    kept: list[ItemT] = []
    dropped: list[ItemT] = []
    for item in items:
        (kept if is_readonly(item) else dropped).append(item)
    return kept, dropped
