"""Pick a target by the name given to ``--target``; heavy imports only for the one chosen."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from harness.settings import DEFAULT_MAX_CONCURRENCY
from harness.targets.base import Target

if TYPE_CHECKING:
    from harness.targets.embedded.up_state import UpState

TARGET_NAMES = ("embedded", "localstack", "aws")


def create_target(
    name: str,
    region: str,
    cache_dir: Path,
    *,
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
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
