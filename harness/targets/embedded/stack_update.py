"""Stack updates on moto, in CloudFormation's order, committed or rolled back.

moto's ``UpdateStack`` removes the resources a new template drops *first*, then adds new
ones, then modifies changed ones, and never rolls back. For a SAM release that order is
wrong twice over: the new ``AWS::Lambda::Version`` would be published before its function's
code is updated (so the "new" version would run the old code), and a failed release
would leave the stack half-updated. So the embedded target drives moto's own stack objects
(its ``ResourceMap``: the resource models, references resolved by moto) the way the
CloudFormation user guide describes an update ("Update behaviors of stack resources",
"Monitor the progress of a stack update"):

1. ``UPDATE_IN_PROGRESS``: added and modified resources, each after what it references
   (``Ref``, ``Fn::GetAtt``, ``Fn::Sub``, ``DependsOn``), so a function's new code is in
   place before the version that publishes it; an alias whose ``UpdatePolicy`` is
   ``CodeDeployLambdaAliasUpdate`` leaves its shift to CodeDeploy (:attr:`shifts`);
2. then either :meth:`commit` (``UPDATE_COMPLETE_CLEANUP_IN_PROGRESS``: resources the new
   template dropped are deleted, except ``DeletionPolicy: Retain`` ones, which is what
   keeps every SAM version; ``UPDATE_COMPLETE``) or :meth:`roll_back`
   (``UPDATE_ROLLBACK_IN_PROGRESS``: modified resources get their previous properties
   back, added ones are deleted unless retained, so a published version stays published
   while its alias is back on the old one; ``UPDATE_ROLLBACK_COMPLETE``).

Each step is a stack event (``describe_stack_events``); the resource that failed the update
gets an ``UPDATE_FAILED`` event with the reason, as CloudFormation reports it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from moto.awslambda.utils import get_backend as lambda_backend
from moto.cloudformation.models import Event, cloudformation_backends
from moto.cloudformation.parsing import parse_and_update_resource

from harness.targets.embedded.release.resources import LambdaAliasModel, PendingShift
from harness.targets.embedded.workers import ACCOUNT_ID
from harness.template.references import references_in

_RETAIN = "Retain"


@dataclass
class StackChanges:
    """What an update adds, modifies and removes, by logical id."""

    added: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.modified or self.removed)


class NoUpdates(ValueError):
    """CloudFormation's "No updates are to be performed." (the template and parameters match)."""


class MotoStackUpdate:
    """One update of one stack on moto; :meth:`apply`, then :meth:`commit` or :meth:`roll_back`."""

    def __init__(
        self,
        stack_name: str,
        region: str,
        template: Mapping[str, Any],
        parameters: Mapping[str, str],
    ) -> None:
        self.region = region
        self._backend = cloudformation_backends[ACCOUNT_ID][region]
        self.stack = self._backend.get_stack(stack_name)
        self._template = copy.deepcopy(dict(template))
        for resource in self._template.get("Resources", {}).values():
            # moto adds an empty Properties to a resource without one when it creates it;
            # without the same here, every such resource would look modified (and be replaced).
            resource.setdefault("Properties", {})
        self._parameters = self._backend._resolve_update_parameters(
            instance=self.stack,
            incoming_params=[
                {"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()
            ],
        )
        resources = self.stack.resource_map
        self._before = _Snapshot(
            template=self.stack.template,
            parameters=dict(self.stack.parameters),
            input_parameters=dict(resources.input_parameters),
            json_map=resources._resource_json_map,
            parsed=dict(resources._parsed_resources),
        )
        self.changes = _diff(resources.build_resource_diff(self._template, self._parameters))
        self._order: list[str] = []
        self.shifts: list[PendingShift] = []

    def apply(self) -> StackChanges:
        """Add and modify, in reference order; raises :class:`NoUpdates` when nothing changes."""
        if self.changes.empty:
            raise NoUpdates(f"stack {self.stack.name}: No updates are to be performed.")
        stack, resources = self.stack, self.stack.resource_map
        stack.status = "UPDATE_IN_PROGRESS"
        stack._add_stack_event("UPDATE_IN_PROGRESS", resource_status_reason="User Initiated")
        self._load(json.dumps(self._template), self._parameters)
        self._order = _reference_order(
            [*self.changes.added, *self.changes.modified], resources._resource_json_map
        )
        for logical_id in self._order:
            if logical_id in self.changes.added:
                resources[logical_id]
            else:
                self._modify(logical_id)
        self.shifts = [
            model.pending_shift
            for logical_id in self.changes.modified
            if isinstance(model := resources._parsed_resources.get(logical_id), LambdaAliasModel)
            and model.pending_shift is not None
        ]
        stack.output_map = stack._create_output_map()
        return self.changes

    def commit(self) -> None:
        """Delete what the new template dropped (retained ones stay); ``UPDATE_COMPLETE``."""
        stack = self.stack
        stack.status = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
        stack._add_stack_event("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
        self._delete(self.changes.removed, self._before.json_map, self._before.parsed)
        for logical_id in self.changes.removed:
            stack.resource_map._parsed_resources.pop(logical_id, None)
        for shift in self.shifts:
            shift.alias.pending_shift = None
        stack.status = "UPDATE_COMPLETE"
        stack._add_stack_event("UPDATE_COMPLETE")

    def roll_back(self, failed: str, reason: str) -> None:
        """Return every resource to its state before the update; ``UPDATE_ROLLBACK_COMPLETE``.

        ``failed`` is the logical id of the resource whose update failed, ``reason`` why.
        """
        stack, resources = self.stack, self.stack.resource_map
        self._resource_event(failed, "UPDATE_FAILED", reason)
        stack.status = "UPDATE_ROLLBACK_IN_PROGRESS"
        stack._add_stack_event(
            "UPDATE_ROLLBACK_IN_PROGRESS",
            resource_status_reason=f"The following resource(s) failed to update: [{failed}].",
        )
        added_json = dict(resources._resource_json_map)
        added = {lid: resources._parsed_resources.get(lid) for lid in self.changes.added}
        self._load(self._before.template, self._before.input_parameters)
        stack.parameters = self._before.parameters
        for logical_id in reversed(self._order):
            if logical_id in self.changes.modified:
                self._modify(logical_id)
        for shift in self.shifts:
            self._restore_alias(shift)
        stack.status = "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"
        stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
        self._delete(list(added), added_json, added)
        for logical_id in self.changes.added:
            resources._parsed_resources.pop(logical_id, None)
        stack.output_map = stack._create_output_map()
        stack.status = "UPDATE_ROLLBACK_COMPLETE"
        stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")

    def _restore_alias(self, shift: PendingShift) -> None:
        """An alias CodeDeploy left elsewhere goes straight back (no second deployment)."""
        alias = shift.alias
        if alias.pending_shift is not None:
            lambda_backend(ACCOUNT_ID, self.region).update_alias(
                alias.name, alias.function_name, alias.pending_shift.target_version, None, {}
            )
        alias.pending_shift = None

    def _load(self, template: str, parameters: Mapping[str, Any]) -> None:
        """Point the stack and its resource map at ``template`` (moto re-reads parameters)."""
        stack, resources = self.stack, self.stack.resource_map
        stack.template = template
        stack._parse_template()
        resources._template = stack.template_dict
        resources.input_parameters = dict(parameters)
        resources.load_mapping()
        resources.load_parameters()
        resources.load_conditions()
        resources._resource_json_map = stack.template_dict["Resources"]
        if parameters:
            stack.parameters = dict(parameters)

    def _modify(self, logical_id: str) -> None:
        resources = self.stack.resource_map
        updated = parse_and_update_resource(
            logical_id,
            copy.deepcopy(resources._resource_json_map[logical_id]),
            resources,
            account_id=ACCOUNT_ID,
            region_name=self.region,
        )
        if updated is not None:  # a moto model without updates keeps its resource as it was
            resources._parsed_resources[logical_id] = updated

    def _delete(
        self, logical_ids: Sequence[str], json_map: Mapping[str, Any], parsed: Mapping[str, Any]
    ) -> None:
        resources = self.stack.resource_map
        for logical_id in logical_ids:
            resource = parsed.get(logical_id)
            if resource is None or json_map[logical_id].get("DeletionPolicy") == _RETAIN:
                continue
            try:
                resources._delete_resource(resource, json_map[logical_id])
            except Exception as error:  # CloudFormation reports DELETE_FAILED and goes on
                self._resource_event(logical_id, "DELETE_FAILED", str(error))

    def _resource_event(self, logical_id: str, status: str, reason: str) -> None:
        stack = self.stack
        json_map = stack.resource_map._resource_json_map or self._before.json_map
        resource = stack.resource_map._parsed_resources.get(logical_id)
        stack.events.append(
            Event(
                stack_id=stack.stack_id,
                stack_name=stack.name,
                logical_resource_id=logical_id,
                physical_resource_id=getattr(resource, "physical_resource_id", logical_id),
                resource_type=(json_map.get(logical_id) or {}).get("Type", ""),
                resource_status=status,
                resource_status_reason=reason,
                resource_properties=None,
            )
        )


@dataclass(frozen=True)
class _Snapshot:
    template: str
    parameters: dict[str, Any]
    input_parameters: dict[str, Any]
    json_map: Mapping[str, Any]
    parsed: Mapping[str, Any]


def _diff(by_action: Mapping[str, list[str]]) -> StackChanges:
    return StackChanges(
        added=list(by_action["Add"]),
        modified=list(by_action["Modify"]),
        removed=list(by_action["Remove"]),
    )


def _reference_order(logical_ids: Sequence[str], resources: Mapping[str, Any]) -> list[str]:
    """``logical_ids`` so that each comes after the others it references (a stable sort)."""
    wanted = set(logical_ids)
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(logical_id: str) -> None:
        if logical_id in ordered or logical_id in visiting:
            return
        visiting.add(logical_id)
        resource = resources.get(logical_id) or {}
        depends = resource.get("DependsOn") or []
        names = [depends] if isinstance(depends, str) else list(depends)
        names += [reference.name.split(".")[0] for reference in references_in(resource)]
        for name in names:
            if name in wanted:
                visit(name)
        ordered.append(logical_id)

    for logical_id in logical_ids:
        visit(logical_id)
    return ordered
