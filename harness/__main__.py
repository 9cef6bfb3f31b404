"""Command line of the harness: ``up`` serves the app locally, ``rehearse`` runs the pipeline."""

from __future__ import annotations

import atexit
import os
import sys
from collections.abc import Sequence

COMMANDS = ("up", "rehearse")


def main(argv: Sequence[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: python -m harness {{{','.join(COMMANDS)}}} [options]", file=sys.stderr)
        return 2
    if argv[0] == "rehearse":
        from harness.rehearse import main as rehearse

        return rehearse(argv[1:])
    from harness.up import up

    return up(argv[1:])


def exit_without_finalizing(status: int) -> None:
    """Run the exit handlers, flush, and leave without tearing down the interpreter.

    Once a command has stopped everything it started, Python's own finalization still
    spends 1 to 3 s of CPU freeing moto's and botocore's module state (measured with
    strace: no system call in between), which is most of what stopping ``harness up``
    took. Nothing in it matters to a process about to exit; exit handlers still run.
    """
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    exit_without_finalizing(main(sys.argv[1:]))
