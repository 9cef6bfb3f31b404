"""Print a one-line summary of a JUnit report, for the pipeline's approval request.

The test buildspecs export this line (TEST_SUMMARY) so the approver reads the counts in the
approval's CustomData without opening the report. It runs on the CodeBuild image's own
interpreter (``PYTHONPATH=.``) with the standard library and :mod:`harness.summary`, which
imports nothing else. It never fails the build: the suite's exit code is the gate, this is
only the message.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.summary import read_report


def summarize(report: Path) -> str:
    """``passed P, failed F, errors E, skipped S (of N)``, or why there is no count."""
    if not report.is_file():
        return f"no JUnit report at {report}"
    try:
        result = read_report(report)
    except ET.ParseError as error:
        return f"unreadable JUnit report {report}: {error}"
    return (
        f"passed {result.passed}, failed {result.failures}, errors {result.errors}, "
        f"skipped {result.skipped} (of {result.tests})"
    )


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: junit_summary.py REPORT.xml", file=sys.stderr)
        return 2
    print(summarize(Path(argv[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
