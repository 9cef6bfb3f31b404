"""The targets by the name ``--target`` gives, and what each can do before any is started.

A target's capabilities are declared here rather than read off its class because the
``requires`` marker is decided at collection, before any session fixture is built, and
importing the embedded target (moto, the SAM translator) costs seconds a session that
skips may never need. Each target class takes its ``capabilities`` from this table.

Attaching narrows them, and that is known at collection too, from the state file of a
running ``harness up`` (:mod:`harness.targets.embedded.up_state`): the embedded target
attached to it has that process's capabilities but deploys nothing; the aws target whose
boto3 endpoint is that process's has only what both offer.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from harness.targets.base import Capability, Target

if TYPE_CHECKING:
    from harness.targets.embedded.up_state import UpState

CAPABILITIES: dict[str, frozenset[str]] = {
    "embedded": frozenset(
        {
            Capability.DEPLOY,
            Capability.HTTP_API,
            Capability.LAMBDA_ALIAS,
            Capability.CODEDEPLOY,
            Capability.ALARMS,
            Capability.LOGS,
        }
    ),
    "localstack": frozenset(
        {Capability.DEPLOY, Capability.HTTP_API, Capability.LAMBDA_ALIAS, Capability.ALARMS}
    ),
    "aws": frozenset(
        {
            Capability.HTTP_API,
            Capability.LAMBDA_ALIAS,
            Capability.CODEDEPLOY,
            Capability.ALARMS,
            Capability.LOGS,
        }
    ),
}
TARGET_NAMES = tuple(CAPABILITIES)
BUILD_CACHE = Path(".cache", "harness-builds")
"""Dependency builds kept between sessions, under the project root (pytest's rootdir)."""


def capabilities_for(name: str, running_up: UpState | None = None) -> frozenset[str]:
    """What the target ``name`` offers, narrowed by the ``harness up`` it attaches to."""
    declared = CAPABILITIES[name]
    if running_up is None:
        return declared
    if name == "embedded":
        return running_up.capabilities - {Capability.DEPLOY}
    return declared & running_up.capabilities


def create_target(
    name: str,
    region: str,
    cache_dir: Path,
    *,
    max_concurrency: int,
    init_failures: str = "fail",
    release_time_scale: float = 60.0,
    running_up: UpState | None = None,
) -> Target:
    """Start the named target; :class:`~harness.targets.base.TargetUnavailable` if it cannot.

    ``cache_dir`` keeps dependency builds between sessions (embedded and LocalStack
    package the app's functions; the aws target deploys nothing and ignores it).
    ``max_concurrency`` and ``init_failures`` shape the embedded target's Lambda workers,
    ``release_time_scale`` its release emulation's clock.
    ``running_up`` is the ``harness up`` the session attaches to: the embedded target then
    uses its stack instead of starting one, the aws target takes its capabilities.
    """
    if name == "embedded" and running_up is not None:
        from harness.targets.embedded.attached import AttachedTarget

        return AttachedTarget(running_up)
    if name == "embedded":
        from harness.targets.embedded.target import EmbeddedTarget

        return EmbeddedTarget(
            region=region,
            cache_dir=cache_dir,
            max_concurrency=max_concurrency,
            init_failures="report" if init_failures == "report" else "fail",
            release_time_scale=release_time_scale,
        )
    if name == "localstack":
        from harness.targets.localstack import LocalStackTarget

        return LocalStackTarget(region=region, cache_dir=cache_dir)
    if name == "aws":
        from harness.targets.aws import AwsTarget

        return AwsTarget(region=region, running_up=running_up)
    raise ValueError(f"--target: unknown target {name!r}; choose one of {', '.join(TARGET_NAMES)}")
