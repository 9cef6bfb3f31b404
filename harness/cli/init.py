"""``python -m harness init``: adopt the harness in the SAM repository it runs in.

It finds the template (``--app-template``, else ``template.yaml`` or ``template.yml`` at
the root, where ``sam init`` puts it, else ``app/template.yaml``), reads it with the SAM
model, and writes what :mod:`harness.scaffold.plan` plans: the ini, ``tox.ini``, the
buildspecs of the test and gate actions, and starter suites. It never overwrites a file:
one that exists is listed as kept. An existing pytest configuration is left alone and the
keys to add to it are printed instead. Then it prints the next two commands.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from harness.cli.options import parse_command_line
from harness.scaffold.plan import Baseline
from harness.settings import HarnessSettings

DESCRIPTION = "Adopt the harness in this SAM repository: ini, tox.ini, buildspecs, suites."
SAM_INIT_TEMPLATES = ("template.yaml", "template.yml")
NEXT = (
    ("python -m pytest {suites}", "every layer, on the embedded target"),
    ("tox", "the same, one environment per layer, as the buildspecs run it"),
)


def main(argv: Sequence[str]) -> int:
    command = parse_command_line("init", argv, DESCRIPTION)
    settings, root = command.settings, Path.cwd()
    template = _template(settings.app_template, settings.source("app_template"), root)
    if template is None:
        print(
            f"harness init: no SAM template at {settings.app_template} nor "
            f"{' or '.join(SAM_INIT_TEMPLATES)} in {root}; name it with --app-template",
            file=sys.stderr,
        )
        return 2
    from harness.sam import SamModelError, read_sam_model
    from harness.scaffold.plan import plan

    try:
        model = read_sam_model(template)
    except (SamModelError, OSError) as error:
        print(f"harness init: {error}", file=sys.stderr)
        return 2
    suites = settings.suites_dir.relative_to(root).as_posix()
    found, problem = _baseline(template, settings)
    planned = plan(model, root, suites, found)
    if problem:
        print(
            f"note: the check pack could not run on {template.name} ({problem}); "
            "its failures are not in the ini"
        )
    existing_ini = command.ini.path if command.ini.path and command.ini.values else None
    for file in planned.files:
        target = root / file.path
        if file.path.name == "pytest.ini" and existing_ini is not None:
            print(f"kept     {existing_ini.relative_to(root)} (add the harness_* keys of")
            print("         a written pytest.ini to it:)")
            print("\n".join(f"           {line}" for line in _keys(file.text)))
        elif target.exists():
            print(f"kept     {file.path} (exists)")
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(file.text)
            print(f"wrote    {file.path}")
    for note in planned.notes:
        print(f"note: {note}")
    print("\nNext:")
    for command_line, what in NEXT:
        print(f"  {command_line.format(suites=suites):<28} # {what}")
    return 0


def _baseline(template: Path, settings: HarnessSettings) -> tuple[Baseline, str | None]:
    """What the pack and cfn-lint find today (see :mod:`harness.scaffold.baseline`)."""
    from harness.checks import CheckInput
    from harness.config.stack_parameters import stack_parameters
    from harness.sam import SamModelError, read_sam_model
    from harness.scaffold.baseline import baseline, lint_baseline
    from harness.settings import SettingsError
    from harness.template import TemplateError
    from harness.template.lint import LintRunner
    from harness.template.transform import transformed_template

    try:
        parameters = stack_parameters(template, settings)
        checked = CheckInput(
            read_sam_model(template, parameters),
            transformed_template(template, parameters, settings.region),
        )
    except (SettingsError, SamModelError, TemplateError) as error:
        return Baseline(), str(error)
    linter = LintRunner(regions=[settings.region])
    lint = lint_baseline([linter.lint(template), linter.lint(checked.transformed)])
    return Baseline(tuple(baseline(checked)), tuple(lint.items())), None


def _template(configured: Path, source: str, root: Path) -> Path | None:
    """The template to adopt: the configured one, else where ``sam init`` puts it."""
    if configured.is_file():
        return configured
    if source != "default":
        return None
    return next((root / n for n in SAM_INIT_TEMPLATES if (root / n).is_file()), None)


def _keys(ini_text: str) -> list[str]:
    return [line for line in ini_text.splitlines() if line.startswith("harness_")]
