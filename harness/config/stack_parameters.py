"""The parameters a template is deployed (and unit-tested, and transformed) with.

One resolution for every layer and ``harness up``: the ``--parameter`` values (see
:mod:`harness.settings`) plus the stage, which goes to the template's stage parameter
(``--stage-parameter``, default ``Stage``) only when the template declares it. Checked
against the template before anything deploys: a parameter it does not declare is refused
(CloudFormation would refuse it too), and so is a required one without a value.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from harness.sam import read_sam_model
from harness.settings import OPTIONS_BY_NAME, HarnessSettings, Setting, SettingsError

_PARAMETERS = OPTIONS_BY_NAME["parameters"]
_STAGE = OPTIONS_BY_NAME["stage"]


def stack_parameters(
    template: Path, settings: HarnessSettings, stage: str | None = None
) -> dict[str, str]:
    """``template``'s parameters for ``stage`` (default ``--stage``), or a SettingsError."""
    return template_parameters(
        template,
        settings.parameters,
        stage=stage or settings.stage,
        stage_parameter=settings.stage_parameter,
    )


def template_parameters(
    template: Path, given: Mapping[str, Setting], *, stage: str, stage_parameter: str
) -> dict[str, str]:
    """The ``given`` values plus the stage, checked against what ``template`` declares."""
    declared = read_sam_model(template).parameters
    if stage_parameter in given:
        raise SettingsError(
            f"{_PARAMETERS.flag} {stage_parameter}=... ({given[stage_parameter].source}): "
            f"{stage_parameter} is the stage parameter; set it with {_STAGE.flag} "
            f"(env {_STAGE.env_vars[0]}, ini {_STAGE.ini_key})"
        )
    unknown = sorted(set(given) - set(declared))
    if unknown:
        named = ", ".join(f"{key} ({given[key].source})" for key in unknown)
        raise SettingsError(
            f"{template}: declares no parameter {named}; it declares "
            f"{', '.join(declared) or 'none'}"
        )
    parameters = {key: str(setting.value) for key, setting in given.items()}
    if stage_parameter in declared:
        parameters[stage_parameter] = stage
    missing = [
        name
        for name, parameter in declared.items()
        if parameter.default is None and name not in parameters
    ]
    if missing:
        raise SettingsError(
            f"{template}: parameter {', '.join(missing)} has no default and no value; give it "
            f"with {_PARAMETERS.flag} {missing[0]}=VALUE, the environment variable "
            f"{_PARAMETERS.env_vars[0]}='{missing[0]}=VALUE', or a '{missing[0]}=VALUE' line in "
            f"the ini option {_PARAMETERS.ini_key}"
        )
    return parameters
