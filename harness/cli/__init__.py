"""The harness's command line, one module per command: ``python -m harness <command>``.

``up`` serves the app on the embedded target until Ctrl-C; ``logs`` shows a stack's
logs (a running ``up``'s, or CloudWatch's); ``init`` adopts the harness in
a SAM repository; ``rehearse`` runs the pipeline locally. Each command takes the options
:data:`harness.settings.OPTIONS` lists for it, resolved like pytest's
(:mod:`harness.cli.options`). A command is a module with a
``main(argv) -> int``, listed in :data:`COMMANDS`.
"""

from __future__ import annotations

import atexit
import importlib
import os
import sys
from collections.abc import Sequence

COMMANDS = {
    "up": ("harness.cli.up", "deploy the app on the embedded target and serve it until Ctrl-C"),
    "logs": ("harness.cli.logs", "show a stack's Lambda and API access logs, like sam logs"),
    "init": ("harness.cli.init", "adopt the harness in this SAM repository"),
    "rehearse": ("harness.cli.rehearse", "run pipeline/pipeline.yaml locally, stage by stage"),
}


def main(argv: Sequence[str]) -> int:
    """Run the command ``argv`` names; usage and exit code 2 for an unknown one."""
    if not argv or argv[0] not in COMMANDS:
        names = "\n".join(f"  {name:<6} {text}" for name, (_, text) in COMMANDS.items())
        print(f"usage: python -m harness COMMAND [options]\n\n{names}", file=sys.stderr)
        return 2
    module, _ = COMMANDS[argv[0]]
    return importlib.import_module(module).main(argv[1:])


def run() -> None:
    """The ``harness`` console script and ``python -m harness``."""
    exit_without_finalizing(main(sys.argv[1:]))


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
