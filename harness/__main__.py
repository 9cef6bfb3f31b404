"""Command line of the harness: ``python -m harness up`` serves the app locally."""

from __future__ import annotations

import sys
from collections.abc import Sequence

COMMANDS = ("up",)


def main(argv: Sequence[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: python -m harness {{{','.join(COMMANDS)}}} [options]", file=sys.stderr)
        return 2
    from harness.up import up

    return up(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
