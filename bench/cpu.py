"""CPU seconds spent by this process and every process under it, read from ``/proc`` (Linux).

The load benchmarks divide it by the requests served: what a request costs the machine
(the front, moto, the Lambda workers and the load generator), so throughput can be set
against the most that the machine's cores allow. ``os.times`` counts only children that
have been waited for; the workers are alive, so ``/proc`` is read instead (no psutil in the
benchmark environment for one figure).
"""

from __future__ import annotations

import os
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds() -> float:
    """User + system CPU of this process, its live descendants and its reaped children."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stats[int(entry.name)] = _parse((entry / "stat").read_text())
            except (OSError, ValueError):
                continue  # exited meanwhile
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in stats.items():
        children.setdefault(parent, []).append(pid)
    total, pending = 0.0, [os.getpid()]
    while pending:
        pid = pending.pop()
        total += stats[pid][1] if pid in stats else 0.0
        pending += children.get(pid, [])
    reaped = os.times()
    return total + reaped.children_user + reaped.children_system


def _parse(stat: str) -> tuple[int, float]:
    """``(parent pid, user + system seconds)`` of one ``/proc/PID/stat`` line."""
    fields = stat[stat.rindex(")") + 2 :].split()  # the command name may hold spaces
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICKS
