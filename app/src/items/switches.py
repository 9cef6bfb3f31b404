"""Per-stage switches, read from Parameter Store: whether the API takes writes right now.

``WRITES_ENABLED_PARAMETER`` names the stage's ``/<stack>/writes-enabled`` parameter (the
template creates it ``true``). An operator sets it to ``false`` to make the API read-only
for a data migration or an incident, without a deployment; the write routes then answer 503
with ``Retry-After`` until it is ``true`` again. The value is cached for
:data:`SWITCH_MAX_AGE_S`, so a warm function sees a change within a minute and calls
Parameter Store at most once a minute.
"""

from __future__ import annotations

import os

from aws_lambda_powertools.utilities import parameters

WRITES_ENABLED_ENV = "WRITES_ENABLED_PARAMETER"
SWITCH_MAX_AGE_S = 60
ENABLED = "true"


class WritesPaused(Exception):
    """The stage's writes-enabled switch is off."""

    retry_after_s = SWITCH_MAX_AGE_S


def writes_enabled() -> bool:
    """Whether the switch is on; any value but ``true`` keeps writes paused (fail closed)."""
    value = parameters.get_parameter(os.environ[WRITES_ENABLED_ENV], max_age=SWITCH_MAX_AGE_S)
    return str(value).strip().lower() == ENABLED


def require_writes_enabled() -> None:
    """Return when the stage takes writes; raise :class:`WritesPaused` when it does not."""
    if not writes_enabled():
        raise WritesPaused()
