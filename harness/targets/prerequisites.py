"""Prerequisite stacks: deployed in order before the app's stack, so its imports resolve.

A SAM app often imports what another stack exports (a Cognito user pool, a shared queue,
a parameter name): ``Fn::ImportValue`` fails the deploy unless that stack exists first. The
ini option ``harness_prerequisite_stacks`` names them, one ``STACK_NAME=TEMPLATE_PATH`` a
line (paths relative to the rootdir), and every deploying target (embedded, LocalStack)
creates them in that order before the app; they go with the target's teardown. A
prerequisite template gets the stage (when it declares the stage parameter) and those
``--parameter`` values it declares, checked as the app's are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.config.stack_parameters import template_parameters
from harness.sam import read_sam_model
from harness.settings import HarnessSettings, SettingsError
from harness.targets.base import Stack, Target

PREREQUISITES_INI = "harness_prerequisite_stacks"
# CloudFormation's stack name rule: a letter, then letters, digits and hyphens, 128 at most.
_STACK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,127}")


@dataclass(frozen=True)
class PrerequisiteStack:
    """One line of ``harness_prerequisite_stacks``: a stack name and its template."""

    name: str
    template: Path


def read_prerequisite_stacks(lines: Sequence[str], rootdir: Path) -> list[PrerequisiteStack]:
    """Parse the ini lines; a SettingsError names the line at fault and what is wrong."""
    stacks: list[PrerequisiteStack] = []
    for line in (line.strip() for line in lines):
        if not line or line.startswith("#"):
            continue
        name, equals, path = (part.strip() for part in line.partition("="))
        problem = None
        if not equals or not path:
            problem = "is not STACK_NAME=TEMPLATE_PATH"
        elif not _STACK_NAME.fullmatch(name):
            problem = (
                f"names stack {name!r}: a stack name is a letter, then letters, digits and "
                "hyphens (128 at most)"
            )
        elif any(stack.name == name for stack in stacks):
            problem = f"names stack {name!r} a second time"
        elif not (rootdir / path).is_file():
            problem = f"names {rootdir / path}, which is not a file"
        if problem:
            raise SettingsError(f"ini {PREREQUISITES_INI}: {line!r} {problem}")
        stacks.append(PrerequisiteStack(name, rootdir / path))
    return stacks


def deploy_prerequisites(
    target: Target, stacks: Sequence[PrerequisiteStack], settings: HarnessSettings
) -> dict[str, Stack]:
    """Deploy each prerequisite stack in order; the deployed stacks by name."""
    deployed: dict[str, Stack] = {}
    for prerequisite in stacks:
        parameters = prerequisite_parameters(prerequisite.template, settings)
        deployed[prerequisite.name] = target.deploy(
            prerequisite.template, prerequisite.name, parameters
        )
    return deployed


def prerequisite_parameters(template: Path, settings: HarnessSettings) -> dict[str, str]:
    """The stage and those ``--parameter`` values ``template`` declares, checked as the app's."""
    declared = read_sam_model(template).parameters
    return template_parameters(
        template,
        {key: setting for key, setting in settings.parameters.items() if key in declared},
        stage=settings.stage,
        stage_parameter=settings.stage_parameter,
    )
