"""What every target offers the suites: a deployed :class:`Stack` and the capabilities behind it.

Integration and smoke tests never know where the stack runs. They read ``stack.outputs``,
talk to AWS services through ``stack.client(...)`` and call ``stack.api_url``; a target
(embedded, LocalStack, a real AWS account) decides what stands behind those three.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from botocore.client import BaseClient


class Capability:
    """Names a test can require with ``@pytest.mark.requires(...)``."""

    HTTP_API = "http_api"
    LAMBDA_ALIAS = "lambda_alias"
    CODEDEPLOY = "codedeploy"
    ALARMS = "alarms"
    DEPLOY = "deploy"
    LOGS = "logs"

    ALL: ClassVar[frozenset[str]] = frozenset(
        {HTTP_API, LAMBDA_ALIAS, CODEDEPLOY, ALARMS, DEPLOY, LOGS}
    )


class TargetUnavailable(RuntimeError):
    """The target cannot run on this machine (no Docker, no token...).

    The message is one line, because it becomes the skip reason of every test that
    needs the target.
    """


class TargetUnreachable(RuntimeError):
    """The target's account cannot be reached at all (no credentials, endpoint down).

    Unlike :class:`StackNotReady`, no test can run: the session ends once with this message,
    which names the region and the endpoint.
    """


class StackNotReady(RuntimeError):
    """The stack is missing or not in a healthy state; the message names stack and region."""

    def __init__(self, stack_name: str, region: str, problem: str) -> None:
        super().__init__(f"stack {stack_name!r} in region {region}: {problem}")
        self.stack_name = stack_name
        self.region = region


@dataclass(frozen=True)
class Gap:
    """Something in the template that the target does not create, and why.

    Emulation gaps are reported, never silently dropped: a test passing on the embedded
    target says nothing about an alias or an alarm it never had.
    """

    logical_id: str
    type: str
    reason: str

    def describe(self) -> str:
        return f"{self.logical_id} ({self.type}): {self.reason}"


@dataclass(frozen=True)
class Endpoint:
    """Where and as whom boto3 clients of a stack talk.

    ``url`` is ``None`` for real AWS; ``credentials`` is ``None`` to use boto3's normal
    chain (environment, profile, CodeBuild role, assumed role).
    """

    region: str
    url: str | None = None
    credentials: Mapping[str, str] | None = None


ClientFactory = Callable[[str, Endpoint], "BaseClient"]


def make_client(service: str, endpoint: Endpoint) -> BaseClient:
    """A boto3 client for ``endpoint``; imported late so ``harness.targets`` stays light."""
    import boto3

    session = boto3.session.Session(region_name=endpoint.region, **(endpoint.credentials or {}))
    return session.client(service, endpoint_url=endpoint.url)


@dataclass
class Stack:
    """A deployed stack as the suites see it, the same on every target."""

    name: str
    endpoint: Endpoint
    outputs: dict[str, str]
    physical_ids: dict[str, str]
    emulation_gaps: list[Gap] = field(default_factory=list)
    api_urls: dict[str, str] = field(default_factory=dict)
    """Each API's base URL (a REST API's stage included), by logical id."""
    preferred_api: str | None = None
    """The API :attr:`api_url` means when the stack has several (ini ``harness_api``)."""
    client_factory: ClientFactory = field(default=make_client, repr=False)
    _clients: dict[str, BaseClient] = field(default_factory=dict, init=False, repr=False)
    _clients_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def region(self) -> str:
        return self.endpoint.region

    @property
    def api_url(self) -> str:
        """The base URL of the stack's API, always ending in ``/`` so paths can be appended.

        The API named by :attr:`preferred_api`, else the ``ApiUrl`` output (a team's own
        choice, a custom domain say), else the stack's only API.
        """
        url = self._api_base_url()
        return url if url.endswith("/") else url + "/"

    def _api_base_url(self) -> str:
        known = ", ".join(self.api_urls) or "none"
        if self.preferred_api is not None:
            if self.preferred_api in self.api_urls:
                return self.api_urls[self.preferred_api]
            raise StackNotReady(
                self.name,
                self.region,
                f"has no API {self.preferred_api!r} (harness_api); its APIs: {known}",
            )
        if "ApiUrl" in self.outputs:
            return self.outputs["ApiUrl"]
        if len(self.api_urls) == 1:
            return next(iter(self.api_urls.values()))
        if self.api_urls:
            raise StackNotReady(
                self.name,
                self.region,
                f"has {len(self.api_urls)} APIs ({known}): name the one to test with ini "
                "harness_api, --api or HARNESS_API",
            )
        raise StackNotReady(
            self.name,
            self.region,
            "has no API and no output 'ApiUrl' "
            f"(outputs: {', '.join(sorted(self.outputs)) or 'none'})",
        )

    def client(self, service: str) -> BaseClient:
        """A boto3 client bound to the target's endpoint, credentials and region.

        Cached per service: clients are thread-safe, but creating one costs milliseconds
        and tests create them in loops. The lock matters because boto3's session is not.
        """
        with self._clients_lock:
            if service not in self._clients:
                self._clients[service] = self.client_factory(service, self.endpoint)
            return self._clients[service]

    def failure_logs(self, since: int) -> str:
        """Logs worth attaching to a failing test, produced after :meth:`log_mark` ``since``.

        Remote targets keep their logs in CloudWatch, so the default has nothing to add.
        """
        del since
        return ""

    def log_mark(self) -> int:
        """A position in the stack's logs; pass it to :meth:`failure_logs` later."""
        return 0

    def logs_command(self, start: float, stop: float) -> str | None:
        """The ``python -m harness logs`` line that shows :meth:`failure_logs` again.

        ``start`` and ``stop`` (epoch seconds) bound the test; None where there is none.
        """
        del start, stop
        return None


class Target(ABC):
    """Where a stack runs: one instance per pytest session (one per xdist worker)."""

    name: ClassVar[str]
    capabilities: frozenset[str]
    """Set per class; an instance narrows it when its endpoint offers less (harness up)."""

    @abstractmethod
    def deploy(self, template_path: Path, stack_name: str, parameters: Mapping[str, str]) -> Stack:
        """Create the stack from a SAM template and return it once it is usable."""

    @abstractmethod
    def stack(self, stack_name: str) -> Stack:
        """Discover an existing stack by name."""

    @abstractmethod
    def teardown(self, *, keep_logs: bool = False) -> None:
        """Release everything the target started; safe to call twice.

        ``keep_logs`` leaves :attr:`workdir` in place after a failure, for whoever has to
        read why (a target without local logs has nothing to keep).
        """

    @property
    def workdir(self) -> Path | None:
        """Where the target keeps its local logs; ``None`` when it has none."""
        return None

    def missing(self, required: Iterable[str]) -> list[str]:
        """The required capabilities this target lacks, in the order given."""
        return [name for name in required if name not in self.capabilities]
