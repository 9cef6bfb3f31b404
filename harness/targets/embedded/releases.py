"""A release of a running embedded stack: the update, the traffic shifts, commit or rollback.

What ``sam deploy`` of a changed template sets off on AWS, in order: the new code is
packaged and the template transformed (SAM gives a changed function a new
``AWS::Lambda::Version`` logical id, by a hash of its code, and with
``AutoPublishAliasAllProperties`` of its properties), CloudFormation updates the stack
(:mod:`stack_update`), the functions whose code or configuration changed get fresh
``$LATEST`` workers while the unchanged ones keep theirs, each new version gets a frozen
spec of its own (its workers start on its first request), CodeDeploy runs one deployment
per alias whose ``UpdatePolicy`` asks for it (:mod:`release.deployments`), in parallel as
SAM's deployment groups are, and CloudFormation waits for all of them. Every deployment
succeeded: the update completes and the versions no alias routes to any more stop. One
failed: the stack rolls back (``UPDATE_ROLLBACK_COMPLETE``), functions get their previous
code and workers, and the failure names the alias and the deployment.

A second update of a stack while one runs is refused, as CloudFormation refuses it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.build.package import PackagedFunction
from harness.sam import SamApi, SamModel, read_sam_model
from harness.targets.base import Gap, StackNotReady
from harness.targets.discovery import discover_stack, physical_ids, resource_summaries
from harness.targets.embedded.release.deployments import DeploymentRecord
from harness.targets.embedded.stack_lambda import (
    api_qualifiers,
    function_timeouts,
    invokable_functions,
    publish_versions,
    serving_version,
)
from harness.targets.embedded.stack_update import MotoStackUpdate, NoUpdates, StackChanges
from harness.targets.embedded.workers import FunctionSpec

if TYPE_CHECKING:
    from harness.targets.embedded.front import LocalApis
    from harness.targets.embedded.target import EmbeddedStack, EmbeddedTarget

UPDATE_COMPLETE = "UPDATE_COMPLETE"
UPDATE_ROLLBACK_COMPLETE = "UPDATE_ROLLBACK_COMPLETE"
NO_UPDATES = "NO_UPDATES"
_UPDATING: set[str] = set()
_UPDATING_LOCK = threading.Lock()


@dataclass(frozen=True)
class UpdateResult:
    """How a release ended: the stack's status, what changed, each deployment, and why."""

    stack_name: str
    status: str
    changes: StackChanges
    deployments: tuple[DeploymentRecord, ...] = ()
    reason: str = ""

    @property
    def rolled_back(self) -> bool:
        return self.status == UPDATE_ROLLBACK_COMPLETE


class StackRelease:
    """One release of one embedded stack, run in a thread: :meth:`start`, then :meth:`result`."""

    def __init__(
        self,
        target: EmbeddedTarget,
        stack: EmbeddedStack,
        template_path: Path,
        parameters: Mapping[str, str],
    ) -> None:
        self.target = target
        self.stack = stack
        self.template_path = template_path
        self.parameters = dict(parameters)
        self.deployments: list[DeploymentRecord] = []
        self.started = threading.Event()
        """Set once the deployments (if any) have started: traffic may be sent from then on."""
        self._outcome: UpdateResult | BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"release-{stack.name}", daemon=True)

    def start(self) -> StackRelease:
        with _UPDATING_LOCK:
            if self.stack.name in _UPDATING:
                raise StackNotReady(
                    self.stack.name,
                    self.stack.region,
                    "is in UPDATE_IN_PROGRESS state and can not be updated",
                )
            _UPDATING.add(self.stack.name)
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def result(self, timeout: float | None = None) -> UpdateResult:
        """Wait for the release to end; its result, or the error that stopped it."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"the release of stack {self.stack.name} is still running")
        if isinstance(self._outcome, BaseException):
            raise self._outcome
        assert self._outcome is not None
        return self._outcome

    def _run(self) -> None:
        try:
            self._outcome = self._release()
        except BaseException as error:
            self._outcome = error
        finally:
            self.started.set()
            with _UPDATING_LOCK:
                _UPDATING.discard(self.stack.name)

    def _release(self) -> UpdateResult:
        target, stack = self.target, self.stack
        assert stack.versions is not None
        assert stack.front is not None
        assert stack.deployed is not None
        assert stack.workers is not None
        model = read_sam_model(self.template_path, self.parameters)
        prepared = target.moto_template(stack, model, self.template_path, self.parameters)
        packaged, template = prepared.packaged, prepared.template
        in_place, api_gaps = _api_changes(model, stack.front)
        gaps = [*prepared.gaps, *api_gaps]
        update = MotoStackUpdate(stack.name, stack.region, template, self.parameters)
        try:
            changes = update.apply()
        except NoUpdates as unchanged:
            return UpdateResult(stack.name, NO_UPDATES, update.changes, reason=str(unchanged))
        except Exception as error:
            update.roll_back(stack.name, f"the update failed on moto: {error}")
            return self._ended(update, UPDATE_ROLLBACK_COMPLETE, reason=str(error))
        before = self._refresh_workers(packaged.functions, template, changes)
        served_before = self._serve_apis(in_place, model)
        try:
            self.deployments = [target.release.deployments.start(s) for s in update.shifts]
        except Exception as error:  # CodeDeploy refused it (no such group or configuration)
            reason = f"CodeDeploy could not start a deployment: {error}"
            update.roll_back(next(iter(update.shifts)).alias.logical_resource_id, reason)
            self._restore_workers(before)
            self._serve_apis(served_before, model)
            return self._ended(update, UPDATE_ROLLBACK_COMPLETE, reason=reason)
        self.started.set()
        for deployment in self.deployments:
            deployment.done.wait()
        failed = [deployment for deployment in self.deployments if not deployment.succeeded]
        if failed:
            first = failed[0]
            reason = (
                f"CodeDeploy deployment {first.deployment_id} of {first.target_id} is "
                f"{first.status}: {(first.error or {}).get('code', '')}: "
                f"{(first.error or {}).get('message', '')}"
            )
            alias = next(s.alias for s in update.shifts if s.alias.name == first.alias)
            update.roll_back(alias.logical_resource_id, reason)
            self._restore_workers(before)
            self._serve_apis(served_before, model)
            return self._ended(update, UPDATE_ROLLBACK_COMPLETE, reason=reason)
        update.commit()
        stack.deployed = replace(
            stack.deployed,
            template_path=self.template_path,
            parameters=self.parameters,
            template=template,
            packaged=packaged.functions,
            qualifiers=api_qualifiers(model),
        )
        stack.emulation_gaps = [*gaps, *target.packaging_gaps(model, packaged)]
        return self._ended(update, UPDATE_COMPLETE)

    def _refresh_workers(
        self,
        packaged: Mapping[str, PackagedFunction],
        template: Mapping[str, Any],
        changes: StackChanges,
    ) -> dict[str, FunctionSpec]:
        """Fresh ``$LATEST`` workers for changed functions and specs for new versions.

        Returns the specs the changed functions had before, for a rollback.
        """
        stack, target = self.stack, self.target
        assert stack.versions is not None
        assert stack.workers is not None
        discover_ids(stack)
        before: dict[str, FunctionSpec] = {}
        for logical_id, function in packaged.items():
            spec = target.deployed_spec(stack, function)
            known = logical_id in stack.versions.functions
            if known and stack.versions.spec(logical_id) == spec:
                continue
            if known:
                before[logical_id] = stack.versions.spec(logical_id)
            stack.versions.add(spec)
            if stack.workers.running(spec.key):
                stack.workers.replace(spec)
        publish_versions(stack, template, changes.added)
        target.lambda_api.register(invokable_functions(stack, packaged, []))
        return before

    def _serve_apis(self, apis: Mapping[str, SamApi], model: SamModel) -> dict[str, SamApi]:
        """Serve each of ``apis`` in place of its current shape; returns what was served.

        CloudFormation changes an API while it updates the stack, before CodeDeploy shifts
        any traffic, and a rollback changes it back: so here, around the deployments.
        """
        front = self.stack.front
        assert front is not None
        timeouts = function_timeouts(model)
        served = {}
        for logical_id, api in apis.items():
            served[logical_id] = front.apis[logical_id].gateway.api
            front.apis[logical_id].reconfigure(api, timeouts)
        self.stack.api_urls = front.urls
        return served

    def _restore_workers(self, before: Mapping[str, FunctionSpec]) -> None:
        stack = self.stack
        assert stack.versions is not None
        assert stack.workers is not None
        for spec in before.values():
            stack.versions.add(spec)
            if stack.workers.running(spec.key):
                stack.workers.replace(spec)

    def _ended(self, update: MotoStackUpdate, status: str, *, reason: str = "") -> UpdateResult:
        stack = self.stack
        discover_stack(stack)
        assert stack.front is not None
        stack.api_urls = stack.front.urls  # the APIs answer here, not where moto says
        assert stack.versions is not None
        for logical_id in stack.versions.functions:
            if logical_id in stack.physical_ids:
                stack.versions.stop_unrouted(logical_id, {serving_version(stack, logical_id)})
            else:  # the release removed the function
                stack.versions.forget(logical_id)
        return UpdateResult(stack.name, status, update.changes, tuple(self.deployments), reason)


def discover_ids(stack: EmbeddedStack) -> None:
    """Physical ids of the stack as it is now, whatever its status (during an update)."""
    stack.physical_ids = physical_ids(
        resource_summaries(stack.client("cloudformation"), stack.name)
    )


def _api_changes(model: SamModel, front: LocalApis) -> tuple[dict[str, SamApi], list[Gap]]:
    """The changed APIs the front serves in place, and gaps for the changes it cannot serve.

    An HTTP API whose routes, CORS or stage changed is served changed on its port. Each API's
    port is chosen before its stack exists (outputs name it), so an API the update adds or
    removes, a REST API (moto holds its resources) and a changed authorizer (JWT issuers are
    read at deploy) need the stack deployed again.
    """
    served = {logical_id: api.gateway.api for logical_id, api in front.apis.items()}
    in_place: dict[str, SamApi] = {}
    gaps = []
    for logical_id in sorted(set(served) | set(model.apis)):
        old, new = served.get(logical_id), model.apis.get(logical_id)
        if old is not None and new is not None:
            if _served_shape(old) == _served_shape(new):
                continue
            if old.kind == new.kind == "HTTP" and old.authorizers == new.authorizers:
                in_place[logical_id] = new
                continue
        shown = new or old
        assert shown is not None
        if new is None:
            why = "removed by the update; the local API Gateway still serves it"
        elif old is None:
            why = "added by the update; the local API Gateway does not serve it"
        else:
            why = "changed by the update; the local API Gateway serves it as first deployed"
        gaps.append(Gap(logical_id, _API_TYPES[shown.kind], f"{why} (deploy the stack again)"))
    return in_place, gaps


_API_TYPES = {"HTTP": "AWS::Serverless::HttpApi", "REST": "AWS::Serverless::Api"}


def _served_shape(api: SamApi) -> tuple[object, ...]:
    """What the front serves of an API: its routes, authorizers, CORS and stage."""
    return (api.kind, api.stage_name, api.routes, api.authorizers, api.cors)
