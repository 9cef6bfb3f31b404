"""Lambda versions and aliases on the workers: which execution environments run a request.

Lambda runs an invocation on ``$LATEST``, on a published version, or on an alias, which
names a version and may send a share of its traffic to a second one (``RoutingConfig``
``AdditionalVersionWeights``, "Implementing Lambda canary deployments using a weighted
alias"); each version is an immutable snapshot of code and configuration with
environments of its own. Here each ``(function, version)`` has its own worker pool,
started the first time a request needs it, from the spec frozen when the version was
published, so old and new code run side by side while CodeDeploy shifts traffic.

The aliases themselves are moto's (created by the stack, moved by CodeDeploy or by
``UpdateAlias``): every invocation through an alias reads its version and weights from
moto, so a weight change takes effect on the next request. Every invocation's metrics go
to the release emulation's recorder (:mod:`release.metrics`).
"""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from moto.awslambda.exceptions import UnknownAliasException, UnknownFunctionException
from moto.awslambda.utils import get_backend

from harness.targets.embedded.release.metrics import MetricsRecorder
from harness.targets.embedded.workers import (
    ACCOUNT_ID,
    FunctionSpec,
    InvokeResult,
    WorkerRegistry,
    worker_key,
)

LATEST = "$LATEST"


class UnknownQualifier(LookupError):
    """No version or alias of that name: Lambda's 404. The message is the qualified ARN."""


class VersionNotRunnable(LookupError):
    """The version exists in moto but was not published by a harness deploy: no code to run."""


class FunctionVersions:
    """Routes invocations of a stack's functions to the pool of the version that runs them."""

    def __init__(
        self, workers: WorkerRegistry, region: str, recorder: MetricsRecorder | None = None
    ) -> None:
        self.workers = workers
        self.region = region
        self._recorder = recorder
        self._lock = threading.Lock()
        self._starting = threading.Lock()
        self._specs: dict[str, dict[str, FunctionSpec]] = defaultdict(dict)
        self._in_flight: dict[str, int] = defaultdict(int)
        self._random = random.Random()
        # Looked up once: moto's lookup by account and region costs more than the alias read
        # itself on every request (a reset reinitialises this same object in place).
        self._lambda_backend = get_backend(ACCOUNT_ID, region)

    def add(self, spec: FunctionSpec) -> None:
        """Know a function's ``$LATEST`` or one of its published versions (by ``spec.version``)."""
        with self._lock:
            self._specs[spec.logical_id][spec.version] = spec

    def publish(self, logical_id: str, version: str) -> FunctionSpec:
        """Freeze the current ``$LATEST`` spec as published ``version`` and return it."""
        with self._lock:
            spec = replace(self._specs[logical_id][LATEST], version=version)
            self._specs[logical_id][version] = spec
        return spec

    @property
    def functions(self) -> set[str]:
        """The logical ids of the functions known here."""
        with self._lock:
            return set(self._specs)

    def spec(self, logical_id: str, version: str = LATEST) -> FunctionSpec:
        with self._lock:
            return self._specs[logical_id][version]

    def versions(self, logical_id: str) -> list[str]:
        with self._lock:
            return list(self._specs[logical_id])

    def resolve(self, logical_id: str, qualifier: str | None) -> tuple[str, bool]:
        """The version an invocation runs, and whether it came through an alias.

        Raises :class:`UnknownQualifier` or :class:`VersionNotRunnable`.
        """
        latest = self.spec(logical_id)
        if qualifier in (None, LATEST):
            return LATEST, False
        assert qualifier is not None
        backend = self._lambda_backend
        arn = f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{latest.name}:{qualifier}"
        if qualifier.isdigit():
            try:
                backend.get_function(latest.name, qualifier)
            except UnknownFunctionException:
                raise UnknownQualifier(arn) from None
            version, alias = qualifier, False
        else:
            try:
                described = backend.get_alias(qualifier, latest.name)
            except UnknownAliasException:
                raise UnknownQualifier(arn) from None
            version, alias = self._pick(described), True
        if version not in self.versions(logical_id):
            raise VersionNotRunnable(
                f"version {version} of {latest.name} was not published by a deploy of the "
                "embedded target, so no worker has its code"
            )
        return version, alias

    def _pick(self, alias: Any) -> str:
        """The alias's version, or one of its additional versions by their weights."""
        weights = (alias.routing_config or {}).get("AdditionalVersionWeights") or {}
        draw = self._random.random()
        for version, weight in weights.items():
            if draw < float(weight):
                return str(version)
            draw -= float(weight)
        return str(alias.function_version)

    def invoke(
        self,
        logical_id: str,
        event: Any = None,
        *,
        qualifier: str | None = None,
        event_json: bytes | None = None,
    ) -> InvokeResult:
        """Invoke through ``qualifier`` (``None``: unqualified, ``$LATEST``)."""
        version, alias = self.resolve(logical_id, qualifier)
        spec = self.spec(logical_id, version)
        self._ensure_started(spec)
        with self._lock:
            self._in_flight[logical_id] += 1
            concurrency = self._in_flight[logical_id]
        try:
            result = self.workers.invoke(spec.key, event, event_json=event_json)
        finally:
            with self._lock:
                self._in_flight[logical_id] -= 1
        if self._recorder is not None:
            shown = None if qualifier in (None, LATEST) else qualifier
            self._recorder.record_invocation(
                spec.name, shown, result, alias=alias, concurrency=concurrency
            )
            self._recorder.record_embedded_metrics(result.logs)
        return result

    def _ensure_started(self, spec: FunctionSpec) -> None:
        """Start a version's first environment on its first request (a cold start)."""
        if self.workers.running(spec.key):
            return
        with self._starting:
            if not self.workers.running(spec.key):
                self.workers.replace(spec)

    def forget(self, logical_id: str) -> None:
        """A function that no longer exists: stop every pool of it and drop its specs."""
        for version in self.versions(logical_id):
            self.workers.stop(worker_key(logical_id, version))
        with self._lock:
            self._specs.pop(logical_id, None)

    def stop_unrouted(self, logical_id: str, keep: set[str]) -> None:
        """Stop the pools of ``logical_id``'s versions outside ``keep`` (``$LATEST`` stays)."""
        for version in self.versions(logical_id):
            if version != LATEST and version not in keep:
                self.workers.stop(worker_key(logical_id, version))


InvokeThrough = Callable[[str, Any], InvokeResult]
"""``invoke(logical_id, event)``: what the API front calls, the route's qualifier built in."""


def through(
    versions: FunctionVersions, qualifiers: Callable[[], Mapping[str, str]]
) -> InvokeThrough:
    """The front's invoke: each function through the alias its API integration targets now
    (``qualifiers()``: a release can add an alias or a function)."""

    def invoke(logical_id: str, event: Any) -> InvokeResult:
        return versions.invoke(logical_id, event, qualifier=qualifiers().get(logical_id))

    return invoke
