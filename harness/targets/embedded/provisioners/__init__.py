"""Resources moto's CloudFormation has no model for, created through moto's service API.

Prerequisite stacks hold Cognito user pools and Secrets Manager secrets, which moto's
CloudFormation skips although moto's ``cognito-idp`` and ``secretsmanager`` implement
them: skipped, their ``Ref``, ``GetAtt`` and exports carry no value, and an app importing
them cannot deploy. Each provisioner here is a CloudFormation model of one resource type,
plugged into moto's own CloudFormation engine the way moto's models are (a direct
subclass of ``CloudFormationModel``, found by ``get_model_map``). So moto's engine still
orders the resources, resolves every intrinsic, fills the outputs and exports, lists them
in ``list_stack_resources`` and deletes them with the stack; the provisioner only maps
CloudFormation properties onto the service's request (the same fields, checked against the
CloudFormation reference of each type) and answers ``Ref`` and ``GetAtt`` as that
reference documents.

Why models in moto's engine rather than calls before ``create_stack``: a pool's
properties may name other resources of the stack (a Lambda trigger's ARN, a role), which
only the engine can resolve in order; and the stack's own ``delete_stack`` removes them.

When a moto upgrade brings its own model for one of these types, its provisioner goes
(``tests/targets/test_provisioners.py`` checks that moto still lacks each one).
"""

from __future__ import annotations

from typing import Any, ClassVar

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

from harness.targets.embedded.moto_models import ModelPlumbing


class Provisioned(ModelPlumbing):
    """The plumbing every provisioner shares; the subclass creates, deletes and names it.

    Like every model of ours a mixin (:mod:`~harness.targets.embedded.moto_models`), so
    each provisioner names ``CloudFormationModel`` as its other base.
    """

    TYPE: ClassVar[str]
    NAME_PROPERTY: ClassVar[str] = ""

    def __init__(self, physical_id: str, attributes: dict[str, Any]) -> None:
        self.physical_id = physical_id
        self.attributes = attributes

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.attributes:
            raise UnformattedGetAttTemplateException()
        return self.attributes[attribute_name]

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.NAME_PROPERTY

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Provisioned:
        """moto's entry point: the resource's name and resolved properties to :meth:`create`."""
        return cls.create(
            resource_name, _properties_of(cloudformation_json), account_id, region_name
        )

    @classmethod
    def create(
        cls, name: str, properties: dict[str, Any], account_id: str, region_name: str
    ) -> Provisioned:
        """Create the resource through moto's service backend; its physical id and attributes."""
        raise NotImplementedError

    @classmethod
    def update_from_cloudformation_json(cls, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f"{cls.TYPE}: stack updates are not emulated for this type; delete and re-create "
            "the stack"
        )

    @classmethod
    def delete_from_cloudformation_json(cls, *args: Any, **kwargs: Any) -> None:
        """Unused: moto calls :meth:`delete` on the created instance instead."""

    def delete(self, account_id: str, region_name: str) -> None:
        raise NotImplementedError


def _properties_of(cloudformation_json: dict[str, Any]) -> dict[str, Any]:
    """A copy of a resource's ``Properties``, as moto hands them over (intrinsics resolved)."""
    return dict(cloudformation_json.get("Properties") or {})


def cfn_bool(value: Any) -> bool:
    """CloudFormation booleans arrive as JSON booleans or, from parameters, as strings."""
    return value is True or str(value).lower() == "true"


def provisioned_types() -> dict[str, type[Provisioned]]:
    """Every provisioner by CloudFormation type (whether or not moto got its own model)."""
    from harness.targets.embedded.provisioners import cognito, secretsmanager

    return {
        provisioner.TYPE: provisioner
        for module in (cognito, secretsmanager)
        for provisioner in module.PROVISIONERS
    }
