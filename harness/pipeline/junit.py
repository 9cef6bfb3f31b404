"""JUnit reports of a sharded suite merged into one, for one report group and one summary.

Each shard of a batch build writes its own xunit2 file (``<testsuites><testsuite ...>``).
The merged file has one ``testsuite`` whose counts are the sums and whose test cases are
every shard's, so a report group sees the suite once, with consistent counts (CodeBuild
rejects a report whose counts disagree with its cases). Standard library only: it runs on
the CodeBuild image's interpreter (``pipeline/junit_merge.py``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

_COUNTS = ("tests", "failures", "errors", "skipped")


def merge_junit(reports: Iterable[Path], name: str) -> ET.ElementTree:
    """One xunit2 document holding every test case of ``reports``, counts recomputed."""
    suite = ET.Element("testsuite", {"name": name})
    totals = dict.fromkeys(_COUNTS, 0)
    seconds = 0.0
    for report in reports:
        root = ET.parse(report).getroot()
        suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
        for part in suites:
            seconds = max(seconds, float(part.get("time", 0) or 0))
            for case in part.findall("testcase"):
                suite.append(case)
                totals["tests"] += 1
                for kind, key in (
                    ("failure", "failures"),
                    ("error", "errors"),
                    ("skipped", "skipped"),
                ):
                    if case.find(kind) is not None:
                        totals[key] += 1
    for key, value in totals.items():
        suite.set(key, str(value))
    # Shards run at once: the suite took as long as its slowest shard.
    suite.set("time", f"{seconds:.3f}")
    document = ET.Element("testsuites")
    document.append(suite)
    return ET.ElementTree(document)
