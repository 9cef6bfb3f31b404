"""Merge the integration shards' JUnit reports into one (``harness.pipeline.junit``).

Run by the IntegrationReport action on the combined artifact of the IntegrationSuite batch
(one folder per shard), on the CodeBuild image's interpreter with ``PYTHONPATH=.``. No
report at all fails the action: a batch that produced none did not test anything.
"""

from __future__ import annotations

import sys
from pathlib import Path

from harness.pipeline.junit import merge_junit


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: junit_merge.py OUT.xml SHARD_DIR_OR_REPORT...", file=sys.stderr)
        return 2
    out, sources = Path(argv[0]), [Path(item) for item in argv[1:]]
    reports = sorted(
        path
        for source in sources
        for path in ([source] if source.is_file() else source.rglob("*.xml"))
    )
    if not reports:
        print(f"junit_merge.py: no JUnit report under {', '.join(argv[1:])}", file=sys.stderr)
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    merge_junit(reports, name=out.stem).write(out, encoding="utf-8", xml_declaration=True)
    print(f"{out}: merged {len(reports)} reports")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
