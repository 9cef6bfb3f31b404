"""Pick a target by the name given to ``--target``; heavy imports only for the one chosen."""

from __future__ import annotations

from pathlib import Path

from harness.settings import DEFAULT_MAX_CONCURRENCY
from harness.targets.base import Target

TARGET_NAMES = ("embedded", "localstack", "aws")


def create_target(
    name: str,
    region: str,
    cache_dir: Path,
    *,
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
    init_failures: str = "fail",
) -> Target:
    """Start the named target; :class:`~harness.targets.base.TargetUnavailable` if it cannot.

    ``cache_dir`` keeps dependency builds between sessions (embedded and LocalStack
    package the app's functions; the aws target deploys nothing and ignores it).
    ``max_concurrency`` and ``init_failures`` shape the embedded target's Lambda workers.
    """
    if name == "embedded":
        from harness.targets.embedded.target import EmbeddedTarget

        return EmbeddedTarget(
            region=region,
            cache_dir=cache_dir,
            max_concurrency=max_concurrency,
            init_failures="report" if init_failures == "report" else "fail",
        )
    if name == "localstack":
        from harness.targets.localstack import LocalStackTarget

        return LocalStackTarget(region=region, cache_dir=cache_dir)
    if name == "aws":
        from harness.targets.aws import AwsTarget

        return AwsTarget(region=region)
    raise ValueError(f"--target: unknown target {name!r}; choose one of {', '.join(TARGET_NAMES)}")
