"""A Lambda authorizer's IAM policy, evaluated on the method ARN as API Gateway does.

Per the IAM policy evaluation logic API Gateway applies to authorizer output (developer
guide, "Output from an API Gateway Lambda authorizer"; IAM User Guide, "Policy evaluation
logic"): an explicit ``Deny`` of a statement whose ``Action`` and ``Resource`` match wins,
else an ``Allow`` that matches allows, else the request is implicitly denied. ``Action``
matches ``execute-api:Invoke`` (``execute-api:*`` and ``*`` too, case-insensitive);
``Resource`` patterns use ``*`` (any run of characters, ``/`` included) and ``?`` (one
character). ``NotAction``, ``NotResource`` and ``Condition`` are not evaluated: a
statement using them matches nothing, and :func:`unsupported_keys` names them so the
front can log it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any, Literal

Verdict = Literal["allow", "deny", "none"]
INVOKE_ACTION = "execute-api:invoke"
_UNSUPPORTED = ("NotAction", "NotResource", "Condition")


def evaluate(policy_document: Any, method_arn: str) -> Verdict:
    """``deny`` on an explicit deny, ``allow`` on a matching allow, else ``none``."""
    verdict: Verdict = "none"
    for statement in statements(policy_document):
        if any(key in statement for key in _UNSUPPORTED):
            continue
        if not _matches_any(statement.get("Action"), INVOKE_ACTION, actions=True):
            continue
        if not _matches_any(statement.get("Resource"), method_arn, actions=False):
            continue
        effect = str(statement.get("Effect", "")).lower()
        if effect == "deny":
            return "deny"
        if effect == "allow":
            verdict = "allow"
    return verdict


def statements(policy_document: Any) -> list[Mapping[str, Any]]:
    """The statements of a policy document (one statement or a list of them)."""
    if not isinstance(policy_document, Mapping):
        return []
    statement = policy_document.get("Statement")
    items = statement if isinstance(statement, list) else [statement]
    return [item for item in items if isinstance(item, Mapping)]


def unsupported_keys(policy_document: Any) -> list[str]:
    """Statement keys this evaluator ignores, for the log."""
    return sorted({key for s in statements(policy_document) for key in _UNSUPPORTED if key in s})


def _matches_any(patterns: Any, value: str, *, actions: bool) -> bool:
    items: Iterable[Any] = patterns if isinstance(patterns, list) else [patterns]
    return any(
        isinstance(item, str)
        and _pattern(item.lower() if actions else item).fullmatch(
            value.lower() if actions else value
        )
        for item in items
    )


@lru_cache(maxsize=1024)
def _pattern(glob: str) -> re.Pattern[str]:
    return re.compile(
        "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in glob),
        re.DOTALL,
    )
