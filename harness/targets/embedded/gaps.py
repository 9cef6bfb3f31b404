"""Remove what moto's CloudFormation cannot create, and say so: the emulation gaps.

moto skips a resource type it has no model for, yet a ``Ref`` or ``GetAtt`` to it can
fail the whole stack (a Lambda permission whose ``FunctionName`` names an alias), and an
output naming it stays unresolved. So before ``create_stack`` the unsupported resources
are removed, references to them are rewritten, and every removal is returned as a
:class:`~harness.targets.base.Gap` for the report.

"Supported" is moto's own model map (``moto.cloudformation.parsing``), with the models the
release emulation adds to it (Lambda aliases, CloudWatch alarms, CodeDeploy:
:mod:`release.resources`), not a list kept here: a moto upgrade or a model of ours that
adds a type closes the gap without a change to this module. A
resource whose ``Condition`` is false for the deployed parameters is no gap: CloudFormation
would not create it either, and moto skips it just the same.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from moto.cloudformation.parsing import NULL_MODELS, get_model_map

from harness.targets.base import Gap
from harness.targets.embedded.api_outputs import local_api_value
from harness.targets.embedded.moto_models import install_models
from harness.template.conditions import evaluate_conditions
from harness.template.references import SUB_VARIABLE, references_in

# What stands in for a removed resource of these types, said in the gap's reason.
_STAND_INS = {
    "AWS::ApiGatewayV2::": "the embedded front serves the API's routes instead",
}


def is_supported(resource_type: str) -> bool:
    """Whether moto's CloudFormation creates resources of this type."""
    if resource_type.startswith("Custom::"):
        return True
    install_models()
    return resource_type in get_model_map() and resource_type not in NULL_MODELS


def remove_unsupported(
    template: Mapping[str, Any],
    *,
    api_origins: Mapping[str, str] | None = None,
    stand_ins: Mapping[str, str] | None = None,
    parameters: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], list[Gap]]:
    """Return a copy of a CloudFormation template that moto can create, and the gaps.

    References to a removed resource become ``stand_ins[logical_id]`` or else its
    logical id as a plain string. An output whose value is an API's URL points at the local front
    (``api_origins``: API logical id to ``http://127.0.0.1:PORT``, see
    :mod:`~harness.targets.embedded.api_outputs`); any other output that names a removed
    resource is dropped and listed, except an exported one, which keeps those stand-ins (so
    a stack importing it still deploys) and is listed too. ``parameters`` are the stack's,
    which decide its conditions (a condition that cannot be known offline counts as true,
    so its resources are reported rather than hidden).
    """
    result = copy.deepcopy(dict(template))
    resources: dict[str, Any] = result.get("Resources", {})
    conditions = evaluate_conditions(result, parameters or {})
    removed = {
        logical_id: resource
        for logical_id, resource in resources.items()
        if not is_supported(resource.get("Type", ""))
        and conditions.get(resource.get("Condition", ""), True) is not False
    }
    gaps = [
        Gap(logical_id, resource["Type"], _reason(resource["Type"]))
        for logical_id, resource in removed.items()
    ]
    for logical_id in removed:
        del resources[logical_id]
    rewriter = _ReferenceRewriter(removed, stand_ins or {})
    for logical_id, resource in resources.items():
        resources[logical_id] = rewriter.rewrite_resource(resource)
    result["Outputs"], output_gaps = _rewrite_outputs(
        result.get("Outputs", {}), removed, rewriter, api_origins or {}
    )
    if not result["Outputs"]:
        del result["Outputs"]
    return result, gaps + output_gaps


def _reason(resource_type: str) -> str:
    stand_in = next(
        (text for prefix, text in _STAND_INS.items() if resource_type.startswith(prefix)),
        "nothing stands in for it",
    )
    return f"moto's CloudFormation cannot create {resource_type}; {stand_in}"


def _rewrite_outputs(
    outputs: Mapping[str, Any],
    removed: Mapping[str, Any],
    rewriter: _ReferenceRewriter,
    api_origins: Mapping[str, str],
) -> tuple[dict[str, Any], list[Gap]]:
    kept: dict[str, Any] = {}
    gaps: list[Gap] = []
    for name, output in outputs.items():
        local = local_api_value(output.get("Value"), api_origins)
        if local is not None:
            kept[name] = rewriter.rewrite({**output, "Value": local})
            continue
        named = sorted({ref.name for ref in references_in(output.get("Value"))} & removed.keys())
        if not named:
            kept[name] = rewriter.rewrite(output)
        elif "Export" in output:
            kept[name] = rewriter.rewrite(output)
            gaps.append(
                Gap(
                    f"Outputs.{name}",
                    "Output",
                    f"exported with a placeholder: names removed {', '.join(named)}, each "
                    "standing in as its logical id",
                )
            )
        else:
            gaps.append(
                Gap(f"Outputs.{name}", "Output", f"dropped: names removed {', '.join(named)}")
            )
    return kept, gaps


def _getatt_target(value: Any) -> str:
    return value[0] if isinstance(value, list) else str(value).split(".")[0]


class _ReferenceRewriter:
    """Rewrites Ref / GetAtt / Sub / DependsOn that point at removed resources."""

    def __init__(self, removed: Mapping[str, Any], stand_ins: Mapping[str, str]) -> None:
        self._removed = removed
        self._stand_ins = stand_ins

    def rewrite_resource(self, resource: Mapping[str, Any]) -> dict[str, Any]:
        rewritten = self.rewrite(resource)
        depends_on = rewritten.get("DependsOn")
        if depends_on is not None:
            names = [depends_on] if isinstance(depends_on, str) else depends_on
            kept = [name for name in names if name not in self._removed]
            if kept:
                rewritten["DependsOn"] = kept
            else:
                del rewritten["DependsOn"]
        return rewritten

    def rewrite(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.rewrite(item) for item in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, value),) = node.items()
            if key == "Ref" and value in self._removed:
                return value
            if key == "Fn::GetAtt" and _getatt_target(value) in self._removed:
                return _getatt_target(value)
            if key == "Fn::Sub":
                return {"Fn::Sub": self._rewrite_sub(value)}
        return {key: self.rewrite(value) for key, value in node.items()}

    def _stand_in(self, logical_id: str) -> Any:
        return self._stand_ins.get(logical_id, logical_id)

    def _rewrite_sub(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._rewrite_sub_text(value, local_names=set())
        text, variables = value
        return [
            self._rewrite_sub_text(text, local_names=set(variables)),
            self.rewrite(variables),
        ]

    def _rewrite_sub_text(self, text: str, local_names: set[str]) -> str:
        def replace(match: re.Match[str]) -> str:
            logical_id = match.group(1).split(".")[0]
            if logical_id in local_names or logical_id not in self._removed:
                return match.group(0)
            stand_in = self._stand_in(logical_id)
            if isinstance(stand_in, dict) and isinstance(stand_in.get("Ref"), str):
                return "${" + stand_in["Ref"] + "}"
            return stand_in if isinstance(stand_in, str) else logical_id

        return SUB_VARIABLE.sub(replace, text)
