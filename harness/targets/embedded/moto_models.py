"""CloudFormation models of our own inside moto's engine: what they share, and installing them.

moto's CloudFormation creates a stack's resources through ``CloudFormationModel``
subclasses, found by type in ``moto.cloudformation.parsing.get_model_map``. Where it has
none (or one that falls short), the embedded target adds its own, in two families with
one plumbing: the provisioners (:mod:`provisioners`: Cognito, Secrets Manager through
moto's service backends) and the release emulation's (:mod:`release.resources`: Lambda
versions and aliases, CloudWatch alarms, CodeDeploy). So moto's engine still orders the
resources, resolves every intrinsic, fills outputs and exports, lists them in
``list_stack_resources`` and deletes them with the stack.

:class:`ModelPlumbing` is a mixin, not a base class: moto finds models among the *direct*
subclasses of ``CloudFormationModel``, so every model names both bases.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from typing import ClassVar

from moto.cloudformation import parsing


class ModelPlumbing:
    """What moto asks of every model and ours answer alike: ``Ref`` is ``physical_id``,
    ``GetAtt`` only the ``ATTRIBUTES`` listed, and the resource exists once created."""

    ATTRIBUTES: ClassVar[Collection[str]] = ()
    physical_id: str

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def is_created(self) -> bool:
        return True


@functools.cache
def install_models() -> None:
    """Make moto's CloudFormation use every model of ours; the first call does it.

    Importing the modules defines the classes, which makes them ``CloudFormationModel``
    subclasses; moto builds its type maps once (``lru_cache``), later classes winning, so
    the caches are cleared after they exist.
    """
    from harness.targets.embedded.provisioners import provisioned_types
    from harness.targets.embedded.release import resources

    del resources
    provisioned_types()
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
