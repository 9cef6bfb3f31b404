"""A CloudFormation or SAM template, queried by resource type and assertion-ready."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from harness.pipeline import stages
from harness.template import conditions, iam
from harness.template.loader import SourceDict, load_document
from harness.template.match import RefersTo, match, render
from harness.template.origin import Origin, display_path
from harness.template.resource_set import ResourceSet
from harness.template.subjects import Resource, Statement

FUNCTION_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")
# The role first, then the policy types that attach to roles.
IAM_TYPES = ("AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")


class Template:
    """A loaded template and where each of its resources was written.

    ``origins`` maps logical ids to :class:`Origin`; :meth:`from_file` derives it from the
    loaded lines, the SAM transform supplies one that points generated resources back at
    the SAM resource they came from. ``label`` names the template in failure messages;
    ``source`` is the file it was read (or transformed) from, when there is one.
    """

    def __init__(
        self,
        document: Mapping[str, Any],
        *,
        label: str = "template",
        origins: Mapping[str, Origin] | None = None,
        source: Path | None = None,
    ) -> None:
        self.document = document
        self.label = label
        self.source = source
        self._origins = dict(origins or {})

    @classmethod
    def from_file(cls, path: Path) -> Template:
        """Load a YAML or JSON template, keeping the line of every resource."""
        path = Path(path)
        document = load_document(path)
        origins = written_origins(document, path)
        return cls(document, label=display_path(path), origins=origins, source=path)

    def with_parameters(self, **values: str) -> Template:
        """The template as deployed with these parameter values (others at their defaults):
        resources whose condition is false left out, each ``Fn::If`` resolved."""
        setup = ", ".join(f"{name}={value!r}" for name, value in values.items())
        return Template(
            conditions.resolve_document(self.document, values),
            label=f"{self.label} ({setup or 'defaults'})",
            origins=self._origins,
            source=self.source,
        )

    @cached_property
    def _resources(self) -> dict[str, Resource]:
        resources = self.document.get("Resources") or {}
        return {
            logical_id: Resource(logical_id, body, self._origins.get(logical_id, Origin(None, 0)))
            for logical_id, body in resources.items()
        }

    def resources(self, type: str | None = None, where: Any = None) -> ResourceSet[Resource]:
        """Resources of one type (all when ``None``), optionally filtered by a pattern."""
        items = [r for r in self._resources.values() if type is None or r.type == type]
        selection = ResourceSet(items, f"{type or 'resources'} in {self.label}")
        return selection if where is None else selection.where(where)

    def resource(self, logical_id: str) -> Resource:
        """The resource with this logical id; a missing one fails naming the near misses."""
        try:
            return self._resources[logical_id]
        except KeyError:
            close = difflib.get_close_matches(logical_id, list(self._resources), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise AssertionError(f"{self.label} has no resource {logical_id!r}{hint}") from None

    def referred_to(self, value: Any, type: str | None = None) -> ResourceSet[Resource]:
        """The resources (of one type) that ``value`` refers to by ``Ref``, ``GetAtt`` or
        ``Fn::Sub``: "the key this topic is encrypted with", "the bucket this trail writes to"."""
        items = [
            resource
            for resource in self._resources.values()
            if (type is None or resource.type == type)
            and match(RefersTo(resource.logical_id), value).ok
        ]
        return ResourceSet(
            items, f"{type or 'resources'} in {self.label} that {render(value)} names"
        )

    def functions(self) -> ResourceSet[Resource]:
        """Lambda functions, SAM or plain, in template order."""
        items = [r for r in self._resources.values() if r.type in FUNCTION_TYPES]
        return ResourceSet(items, f"functions in {self.label}")

    def iam_statements(self) -> ResourceSet[Statement]:
        """Every IAM policy statement (roles' inline policies, policies, managed policies)."""
        iam_resources = (r for r in self._resources.values() if r.type in IAM_TYPES)
        return ResourceSet(
            list(iam.statements_of(iam_resources)), f"IAM statements in {self.label}"
        )

    def role_statements(self, role: str) -> ResourceSet[Statement]:
        """The permissions of a role: its inline policies and the policies attached to it."""
        attached = [
            resource.logical_id
            for resource in self._resources.values()
            if resource.type in IAM_TYPES[1:]
            and {"Ref": role} in (resource.properties.get("Roles") or [])
        ]
        return self.iam_statements().only(role, *attached)

    def policy_statements(self) -> ResourceSet[Statement]:
        """Every policy statement anywhere: IAM, key, bucket, topic and trust policies."""
        return ResourceSet(
            list(iam.every_policy_statement(self._resources.values())),
            f"policy statements in {self.label}",
        )

    def pipeline_stages(self) -> list[stages.PipelineStage]:
        """Stages of the template's only ``AWS::CodePipeline::Pipeline``, actions in run order."""
        owner = self.resources("AWS::CodePipeline::Pipeline").one()
        return stages.pipeline_stages(owner)

    @property
    def outputs(self) -> Mapping[str, Any]:
        return self.document.get("Outputs") or {}

    @property
    def parameters(self) -> Mapping[str, Any]:
        return self.document.get("Parameters") or {}

    @property
    def conditions(self) -> Mapping[str, Any]:
        return self.document.get("Conditions") or {}

    @property
    def mappings(self) -> Mapping[str, Any]:
        return self.document.get("Mappings") or {}

    def __repr__(self) -> str:
        return f"<Template {self.label}: {len(self._resources)} resources>"


def written_origins(document: Mapping[str, Any], path: Path) -> dict[str, Origin]:
    """Each resource's origin in the file it was read from."""
    resources = document.get("Resources") or {}
    line_of = resources.line_of if isinstance(resources, SourceDict) else lambda _: 0
    return {
        logical_id: Origin(
            path, line_of(logical_id), body=body if isinstance(body, SourceDict) else None
        )
        for logical_id, body in resources.items()
    }
