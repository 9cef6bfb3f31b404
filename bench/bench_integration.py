"""The integration layer run serially and with two pytest-xdist workers.

Each xdist worker deploys its own embedded stack, so ``-n 2`` pays two deploys to split
the tests; on a 2-core machine this shows whether that trade is worth making.
"""

from __future__ import annotations

from bench.timing import PYTEST, wall_time

LAYER = [*PYTEST, "suites/integration"]


def run() -> dict[str, float]:
    return {
        "integration_s_serial": wall_time(LAYER),
        "integration_s_xdist2": wall_time([*LAYER, "-n", "2"]),
    }
