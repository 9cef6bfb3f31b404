"""Which tests one shard of a split suite runs: deterministic, balanced by recorded durations.

A CodeBuild batch runs the same buildspec in N builds; each build's pytest keeps the tests
of its shard (``--shard K/N``, env ``HARNESS_SHARD``) and deselects the rest. Every build
must compute the same split without talking to the others, so the split depends only on
the collected test ids and a durations file committed with the suite (ini
``harness_test_durations``, JSON ``{test id: seconds}``, written from a JUnit report by
``python -m harness.pipeline.sharding record REPORT.xml DURATIONS.json``). Tests are placed longest
first on the shard with the least total so far (ties: the lower shard), ids breaking ties
between equal durations; a test without a recorded duration counts as the median of the
known ones (1 s when none are known). The shards together run every test exactly once.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from pathlib import Path

_SHARD = re.compile(r"^(\d+)/(\d+)$")


class ShardError(ValueError):
    """A malformed ``--shard`` value or durations file; the message names it."""


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/3"`` as ``(2, 3)``; shards count from 1."""
    found = _SHARD.match(text.strip())
    if found is None:
        raise ShardError(f"--shard {text!r}: expected K/N, e.g. 1/3")
    index, count = int(found[1]), int(found[2])
    if not 1 <= index <= count:
        raise ShardError(f"--shard {text!r}: K must be between 1 and N")
    return index, count


def assign(test_ids: Iterable[str], durations: Mapping[str, float], count: int) -> list[list[str]]:
    """The tests of each of ``count`` shards, in collection order within a shard."""
    ids = list(dict.fromkeys(test_ids))
    known = [durations[test_id] for test_id in ids if test_id in durations]
    default = statistics.median(known) if known else 1.0
    weight = {test_id: float(durations.get(test_id, default)) for test_id in ids}
    totals = [0.0] * count
    owner: dict[str, int] = {}
    for test_id in sorted(ids, key=lambda test_id: (-weight[test_id], test_id)):
        shard = min(range(count), key=lambda index: (totals[index], index))
        owner[test_id] = shard
        totals[shard] += weight[test_id]
    return [[test_id for test_id in ids if owner[test_id] == shard] for shard in range(count)]


def read_durations(path: Path) -> dict[str, float]:
    """The durations file; a missing one is empty (every test then weighs the same)."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ShardError(f"{path}: not JSON ({error})") from None
    if not isinstance(data, dict):
        raise ShardError(f"{path}: expected an object of test id to seconds")
    return {str(key): float(value) for key, value in data.items()}


def durations_from_junit(report: Path, rootdir_prefix: str = "") -> dict[str, float]:
    """Test ids (pytest's ``path::name`` form) and their times from a JUnit report."""
    found = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        classname, name = case.get("classname", ""), case.get("name", "")
        *package, module_or_class = classname.split(".")
        path_parts, inner = [], []
        for part in [*package, module_or_class]:
            (inner if inner or part[:1].isupper() else path_parts).append(part)
        test_id = "/".join(path_parts) + ".py::" + "::".join([*inner, name])
        found[rootdir_prefix + test_id] = round(float(case.get("time", 0) or 0), 3)
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] != "record":
        print(
            "usage: python -m harness.pipeline.sharding record REPORT.xml DURATIONS.json",
            file=sys.stderr,
        )
        return 2
    report, target = Path(argv[1]), Path(argv[2])
    merged = read_durations(target) | durations_from_junit(report)
    target.write_text(json.dumps(dict(sorted(merged.items())), indent=1) + "\n")
    print(f"{target}: {len(merged)} durations")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
