"""``python -m harness up``: the app on the embedded target, served until Ctrl-C.

``sam local start-api`` without Docker: the same deploy the integration tests run
(packaged, transformed, created on moto, workers on the function's runtime), left running
so a developer can point curl, a browser, the AWS CLI or a test session at it. Ports are
chosen by the system. Printed: the API URL, the outputs and emulation gaps, the endpoint
with the ``export`` lines that point AWS clients at it, the state file that test sessions
attach through (:mod:`harness.targets.embedded.up_state`), and then every function's log
lines as they come. With ``--watch`` (like ``sam sync --watch``) a change to the template
or the code releases the stack again, through CodeDeploy per the stage's
``DeploymentPreference`` (:meth:`EmbeddedTarget.update`). After a failure (the deploy, or
any invocation) the log directory is kept and named.

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
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from harness.settings import (
    INIT_FAILURE_MODES,
    PARAMETERS_HELP,
    STAGES,
    SettingsError,
    resolve_parameters,
)

if TYPE_CHECKING:
    from harness.targets.embedded.target import EmbeddedStack, EmbeddedTarget
    from harness.targets.embedded.up_state import UpState

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
    parser.add_argument(
        "--watch",
        action="store_true",
        help="release the running stack again when the template or a function's code changes",
    )
    parser.add_argument(
        "--release-time-scale",
        type=float,
        default=60.0,
        help="how many times faster than AWS releases run (default 60: a minute is a second)",
    )
    parser.add_argument("--parameter", action="append", default=[], help=PARAMETERS_HELP)
    parser.add_argument(
        "--stage-parameter", default="Stage", help="template parameter that receives the stage"
    )
    return parser.parse_args(argv)


def up(argv: Sequence[str]) -> int:
    """Deploy, print where it runs, wait for Ctrl-C or SIGTERM, then tear everything down."""
    arguments = parse_arguments(argv)
    from harness.targets.embedded.up_state import (
        StateFileBusy,
        check_free,
        remove_state,
        state_file,
        write_state,
    )

    state_path = state_file(Path.cwd(), os.environ)
    try:
        check_free(state_path, os.getpid())  # before the heavy imports: fail in milliseconds
    except StateFileBusy as busy:
        print(f"harness up: {busy}", file=sys.stderr)
        return 1
    from harness.stack_parameters import template_parameters
    from harness.targets.embedded.log_follower import LogFollower
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
        region=arguments.region,
        cache_dir=BUILD_CACHE,
        init_failures=arguments.init_failures,
        release_time_scale=arguments.release_time_scale,
    )
    stack: EmbeddedStack | None = None
    follower: LogFollower | None = None
    failure = deploy_failed = ""
    try:
        stack = target.deploy(
            arguments.template,
            arguments.stack_name or f"local-{arguments.stage}",
            parameters,
        )
        assert stack.workers is not None
        follower = LogFollower(stack.workers.log_dir, stack.physical_ids, sys.stdout).start()
        write_state(state_path, _state(target, stack))
        _print_ready(target, stack, state_path)
        if arguments.watch:
            print("Serving and watching for changes; press Ctrl-C to stop.", flush=True)
            _watch(target, stack, arguments.template, parameters, state_path)
        print("Serving; press Ctrl-C to stop.", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    except StateFileBusy as busy:  # another harness up took the file while this one deployed
        failure = str(busy)
    except Exception as error:  # a deploy that failed: say why, keep its logs
        failure = deploy_failed = (
            f"deploy of {arguments.template} failed: {type(error).__name__}: {error}"
        )
    finally:
        signal.signal(signal.SIGINT, _stop_at_once)
        signal.signal(signal.SIGTERM, _stop_at_once)
        print("Stopping (Ctrl-C again to stop at once).", flush=True)
        remove_state(state_path, os.getpid())
        if follower is not None:
            follower.stop()
        _teardown(target, stack, failure, deploy_failed=bool(deploy_failed))
    return 1 if failure else 0


def _watch(
    target: EmbeddedTarget,
    stack: EmbeddedStack,
    template: Path,
    parameters: Mapping[str, str],
    state_path: Path,
) -> None:
    """Release the stack after each change of the template or code, until Ctrl-C.

    A release that fails (a template error, a deployment rolled back) is reported and the
    watch goes on, as ``sam sync --watch`` keeps watching after a failed sync.
    """
    from harness.targets.embedded.up_state import write_state
    from harness.targets.embedded.watch import wait_for_change

    while wait_for_change(template, parameters, threading.Event()):
        print(f"Change detected: releasing {stack.name}", flush=True)
        try:
            result = target.update(stack.name, template, parameters)
        except Exception as error:
            print(f"harness up: release failed: {type(error).__name__}: {error}", flush=True)
            continue
        for deployment in result.deployments:
            print(
                f"  deployment {deployment.deployment_id} of {deployment.target_id} "
                f"({deployment.config.name}): {deployment.status}",
                flush=True,
            )
        print(f"Release of {stack.name}: {result.status} {result.reason}".rstrip(), flush=True)
        write_state(state_path, _state(target, stack))


def _stop_at_once(signum: int, frame: FrameType | None) -> None:
    """A second Ctrl-C: exit now, leaving the rest to the workers' and builds' own watch."""
    del frame
    os.write(2, b"Stopped at once; leftovers are swept at the next start.\n")
    os._exit(128 + signum)


def _teardown(
    target: EmbeddedTarget, stack: EmbeddedStack | None, failure: str, *, deploy_failed: bool
) -> None:
    """Stop everything; keep the logs, and say where, after a failed deploy or invocation."""
    failed_invocations = stack.journal.failures if stack is not None else 0
    keep_logs = deploy_failed or failed_invocations > 0
    target.teardown(keep_logs=keep_logs)
    if failure:
        print(f"harness up: {failure}", file=sys.stderr)
    if keep_logs:
        why = "the failed deploy" if deploy_failed else f"{failed_invocations} failed invocation(s)"
        print(f"Logs kept after {why}: {target.workdir}", file=sys.stderr)


def _state(target: EmbeddedTarget, stack: EmbeddedStack) -> UpState:
    from harness.targets.embedded.up_state import RunningStack, UpState

    assert stack.http_api is not None
    return UpState(
        pid=os.getpid(),
        endpoint=target.endpoint,
        capabilities=target.capabilities,
        stacks={
            stack.name: RunningStack(
                name=stack.name,
                outputs=stack.outputs,
                api_urls=(stack.http_api.url,),
                emulation_gaps=tuple(stack.emulation_gaps),
            )
        },
        log_dir=str(target.workdir),
    )


def _print_ready(target: EmbeddedTarget, stack: EmbeddedStack, state_path: Path) -> None:
    print(f"ApiUrl: {stack.api_url}")
    for key, value in sorted(stack.outputs.items()):
        print(f"  output {key} = {value}")
    for gap in stack.emulation_gaps:
        print(f"  emulation gap: {gap.describe()}")
    print(f"Endpoint for the AWS CLI, SDKs and SAM CLI: {target.endpoint.url}")
    for line in export_lines(str(target.endpoint.url), stack.region, target.endpoint.credentials):
        print(line)
    print(f"State file: {state_path} (attach with --target embedded --stack-name {stack.name})")
    print(f"Logs: {target.workdir}")


def export_lines(
    endpoint_url: str, region: str, credentials: Mapping[str, str] | None
) -> list[str]:
    """Shell lines that point the AWS CLI, SDKs and SAM CLI at the embedded endpoint."""
    keys = dict(credentials or {})
    return [
        f"export AWS_ENDPOINT_URL={endpoint_url}",
        f"export AWS_ACCESS_KEY_ID={keys['aws_access_key_id']} "
        f"AWS_SECRET_ACCESS_KEY={keys['aws_secret_access_key']} "
        f"AWS_SESSION_TOKEN={keys['aws_session_token']}",
        f"export AWS_REGION={region} AWS_DEFAULT_REGION={region}",
    ]


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """Turn SIGTERM into an ordinary exit so the ``finally`` above stops the workers."""
    del signum, frame
    sys.exit(0)
