"""``python -m harness up``: the app on the embedded target, served until Ctrl-C.

``sam local start-api`` without Docker: the same deploy the integration tests run
(packaged, transformed, created on moto, workers on the function's runtime), left running
so a developer can point curl or a browser at it. The API's port is chosen by the system;
the URL is printed, along with the stack's outputs and emulation gaps.

Ctrl-C (or SIGTERM) stops within a couple of seconds even while requests run: the workers
are killed, not waited for. A second Ctrl-C during that teardown exits at once; what it
leaves (the work dir) is swept by the next start, and workers and builds die on their own
when this process is gone.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from harness.settings import (
    INIT_FAILURE_MODES,
    PARAMETERS_HELP,
    STAGES,
    SettingsError,
    resolve_parameters,
)

DEFAULT_TEMPLATE = Path("app/template.yaml")
BUILD_CACHE = Path(".cache/harness-builds")


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m harness up",
        description="Deploy the SAM app on the embedded target and serve it until Ctrl-C.",
    )
    parser.add_argument("--stage", choices=STAGES, default="dev", help="Stage parameter value")
    parser.add_argument("--region", default="us-east-1", help="region of the emulated account")
    parser.add_argument("--template", type=Path, default=DEFAULT_TEMPLATE, help="SAM template")
    parser.add_argument("--stack-name", help="stack name (default: local-<stage>)")
    parser.add_argument(
        "--init-failures",
        choices=INIT_FAILURE_MODES,
        default="fail",
        help="a handler that cannot be imported fails the start (fail) or answers 500 (report)",
    )
    parser.add_argument("--parameter", action="append", default=[], help=PARAMETERS_HELP)
    parser.add_argument(
        "--stage-parameter", default="Stage", help="template parameter that receives the stage"
    )
    return parser.parse_args(argv)


def up(argv: Sequence[str]) -> int:
    """Deploy, print where it runs, wait for Ctrl-C or SIGTERM, then tear everything down."""
    arguments = parse_arguments(argv)
    from harness.stack_parameters import template_parameters
    from harness.targets.base import StackNotReady
    from harness.targets.embedded.target import EmbeddedTarget

    try:
        parameters = template_parameters(
            arguments.template,
            resolve_parameters(arguments.parameter, os.environ, ()),
            stage=arguments.stage,
            stage_parameter=arguments.stage_parameter,
        )
    except SettingsError as error:
        print(f"harness up: {error}", file=sys.stderr)
        return 2

    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    target = EmbeddedTarget(
        region=arguments.region, cache_dir=BUILD_CACHE, init_failures=arguments.init_failures
    )
    status = 0
    try:
        stack = target.deploy(
            arguments.template,
            arguments.stack_name or f"local-{arguments.stage}",
            parameters,
        )
        print(f"ApiUrl: {stack.api_url}")
        for key, value in sorted(stack.outputs.items()):
            print(f"  output {key} = {value}")
        for gap in stack.emulation_gaps:
            print(f"  emulation gap: {gap.describe()}")
        print("Serving; press Ctrl-C to stop.", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    except StackNotReady as not_ready:
        print(f"harness up: {not_ready}", file=sys.stderr)
        status = 1
    finally:
        signal.signal(signal.SIGINT, _stop_at_once)
        signal.signal(signal.SIGTERM, _stop_at_once)
        print("Stopping (Ctrl-C again to stop at once).", flush=True)
        target.teardown()
    return status


def _stop_at_once(signum: int, frame: FrameType | None) -> None:
    """A second Ctrl-C: exit now, leaving the rest to the workers' and builds' own watch."""
    del frame
    os.write(2, b"Stopped at once; leftovers are swept at the next start.\n")
    os._exit(128 + signum)


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """Turn SIGTERM into an ordinary exit so the ``finally`` above stops the workers."""
    del signum, frame
    sys.exit(0)
