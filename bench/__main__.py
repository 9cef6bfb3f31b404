"""Run every benchmark, print a table, and merge the figures into ``reports/bench.json``.

``python -m bench`` runs all ``bench_*`` modules; ``python -m bench unit template`` runs
the named ones. ``bench.json`` stays one flat object of named figures, so a partial run
updates its own names and keeps the others. A benchmark that fails is reported (its
traceback, then its name under the table) and the run goes on: the others' figures are
still written, and the exit status says that one failed.
"""

from __future__ import annotations

import importlib
import json
import platform
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "reports" / "bench.json"


def discover(names: list[str]) -> list[str]:
    available = sorted(
        p.stem.removeprefix("bench_") for p in Path(__file__).parent.glob("bench_*.py")
    )
    unknown = sorted(set(names) - set(available))
    if unknown:
        sys.exit(f"bench: unknown benchmark(s) {unknown}; available: {available}")
    return names or available


def main(names: list[str]) -> int:
    figures: dict[str, float] = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    rows = []
    failed = []
    for name in discover(names):
        try:
            results = importlib.import_module(f"bench.bench_{name}").run()
        except Exception:
            traceback.print_exc()
            failed.append(name)
            continue
        rows.append((name, results))
        figures.update(results)
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    print(
        f"\nbenchmarks at {time.strftime('%Y-%m-%d %H:%M')} on {platform.machine()}, "
        f"Python {platform.python_version()}"
    )
    print(f"{'benchmark':<12}{'figure':<30}{'value':>12}")
    for name, results in rows:
        for key, value in results.items():
            print(f"{name:<12}{key:<30}{value:>12.3f}")
    print(f"written to {REPORT.relative_to(ROOT)}")
    if failed:
        print(f"failed, figures not updated: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
