"""``python -m harness up``: the app on the embedded target, served until Ctrl-C.

``sam local start-api`` without Docker: the same deploy the integration tests run
(packaged, transformed, created on moto, workers on the function's runtime), left running
so a developer can point curl, a browser, the AWS CLI or a test session at it; the
prerequisite stacks (``--prerequisite-stacks``) are deployed first, as in a session. Ports are
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

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from harness.cli.options import parse_command_line
from harness.settings import SettingsError
from harness.targets.base import StackNotReady
from harness.targets.registry import BUILD_CACHE, create_target

if TYPE_CHECKING:
    from harness.settings import HarnessSettings
    from harness.targets.embedded.target import EmbeddedStack, EmbeddedTarget
    from harness.targets.embedded.up_state import UpState
    from harness.targets.prerequisites import PrerequisiteStack

DESCRIPTION = "Deploy the SAM app on the embedded target and serve it until Ctrl-C."


def main(argv: Sequence[str]) -> int:
    """Deploy, print where it runs, wait for Ctrl-C or SIGTERM, then tear everything down."""
    command = parse_command_line("up", argv, DESCRIPTION)
    settings = command.settings
    if settings.target != "embedded":
        print(
            f"harness up: serves the embedded target only; --target is {settings.target!r} "
            f"({settings.source('target')})",
            file=sys.stderr,
        )
        return 2
    from harness.targets.embedded.up_state import StateFileBusy, check_free, state_file

    state_path = state_file(command.ini.root, os.environ)
    try:
        check_free(state_path, os.getpid())  # before the heavy imports: fail in milliseconds
    except StateFileBusy as busy:
        print(f"harness up: {busy}", file=sys.stderr)
        return 1
    from harness.config.stack_parameters import stack_parameters
    from harness.targets.prerequisites import read_prerequisite_stacks

    template = settings.app_template
    try:
        parameters = stack_parameters(template, settings)
        prerequisites = read_prerequisite_stacks(settings.prerequisite_stacks, command.ini.root)
    except SettingsError as error:
        print(f"harness up: {error}", file=sys.stderr)
        return 2

    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    target = _embedded_target(settings, command.ini.root)
    return _serve(target, settings, prerequisites, parameters, state_path)


def _serve(
    target: EmbeddedTarget,
    settings: HarnessSettings,
    prerequisites: Sequence[PrerequisiteStack],
    parameters: Mapping[str, str],
    state_path: Path,
) -> int:
    """Deploy the prerequisites and the app, serve until Ctrl-C, then tear it all down."""
    from harness.targets.embedded.log_follower import LogFollower
    from harness.targets.embedded.up_state import StateFileBusy, remove_state, write_state
    from harness.targets.prerequisites import deploy_prerequisites

    template = settings.app_template
    stack: EmbeddedStack | None = None
    follower: LogFollower | None = None
    failure = deploy_failed = ""
    try:
        deployed = deploy_prerequisites(target, prerequisites, settings)
        stack = target.deploy(
            template, settings.stack_name or f"local-{settings.stage}", parameters
        )
        stack.preferred_api = settings.api
        assert stack.workers is not None
        follower = LogFollower(stack.workers.log_dir, sys.stdout).start()
        running = [*(target.stack(name) for name in deployed), stack]
        write_state(state_path, _state(target, running))
        _print_ready(target, stack, state_path)
        if settings.watch:
            print("Serving and watching for changes; press Ctrl-C to stop.", flush=True)
            _watch(target, stack, template, parameters, state_path=state_path, running=running)
        print("Serving; press Ctrl-C to stop.", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    except StateFileBusy as busy:  # another harness up took the file while this one deployed
        failure = str(busy)
    except Exception as error:  # a deploy that failed: say why, keep its logs
        failure = deploy_failed = f"deploy of {template} failed: {type(error).__name__}: {error}"
    finally:
        signal.signal(signal.SIGINT, _stop_at_once)
        signal.signal(signal.SIGTERM, _stop_at_once)
        print("Stopping (Ctrl-C again to stop at once).", flush=True)
        remove_state(state_path, os.getpid())
        if follower is not None:
            follower.stop()
        _teardown(target, stack, failure, deploy_failed=bool(deploy_failed))
    return 1 if failure else 0


def _embedded_target(settings: HarnessSettings, root: Path) -> EmbeddedTarget:
    """The embedded target, from the registry like a test session's, with the same options."""
    from harness.targets.embedded.target import EmbeddedTarget

    target = create_target(
        settings.target,
        region=settings.region,
        cache_dir=root / BUILD_CACHE,
        max_concurrency=settings.max_concurrency,
        init_failures=settings.init_failures,
        release_time_scale=settings.release_time_scale,
    )
    assert isinstance(target, EmbeddedTarget)
    return target


def _watch(
    target: EmbeddedTarget,
    stack: EmbeddedStack,
    template: Path,
    parameters: Mapping[str, str],
    *,
    state_path: Path,
    running: Sequence[EmbeddedStack],
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
        write_state(state_path, _state(target, running))


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


def _state(target: EmbeddedTarget, stacks: Sequence[EmbeddedStack]) -> UpState:
    """What test sessions attach to: the endpoint and every stack up deployed, app last."""
    from harness.targets.embedded.up_state import RunningStack, UpState

    return UpState(
        pid=os.getpid(),
        endpoint=target.endpoint,
        capabilities=target.capabilities,
        stacks={
            stack.name: RunningStack(
                name=stack.name,
                outputs=stack.outputs,
                api_urls=dict(stack.api_urls),
                emulation_gaps=tuple(stack.emulation_gaps),
                functions=stack.functions,
            )
            for stack in stacks
        },
        log_dir=str(target.workdir),
    )


def _print_ready(target: EmbeddedTarget, stack: EmbeddedStack, state_path: Path) -> None:
    with contextlib.suppress(StackNotReady):  # several APIs and no harness_api: none is "the" API
        print(f"ApiUrl: {stack.api_url}")
    for logical_id, url in stack.api_urls.items():
        print(f"  API {logical_id}: {url}")
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
