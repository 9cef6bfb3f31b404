"""``--since`` and ``--until``: a duration before now (``30s``, ``10m``, ``1h``, ``2d``) or a time.

A time is ISO 8601 (``2024-05-01T10:00:00Z``, ``2024-05-01 10:00:00.250+02:00``); one
without a zone is UTC, the zone of the log stamps and of CloudWatch's timestamps.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_time(text: str, now: float, option: str) -> float:
    """Epoch seconds ``text`` means at ``now``; ValueError naming ``option`` if it is neither."""
    value = text.strip()
    duration = _DURATION.fullmatch(value)
    if duration is not None:
        return now - float(duration.group(1)) * _SECONDS[duration.group(2)]
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{option} {text!r}: give a duration before now (30s, 10m, 1h, 2d) or an ISO time "
            "(2024-05-01T10:00:00Z)"
        ) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
