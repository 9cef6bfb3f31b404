"""``python -m harness rehearse``: run the pipeline template's stages here, for real.

Settings come from the harness's one configuration system (:mod:`harness.cli.options`:
command line > environment > ini > default, each shown with its source in ``--help``):
the pipeline template (``--pipeline-template``, also ``--template``; ini
``harness_pipeline_template``, the file the template suite checks), its parameters
(``--pipeline-parameter``, also ``--parameter``; ini ``harness_pipeline_parameters``), the
region of the emulated account and the embedded target's ``release_time_scale``.
Parameters without a default and not given get a value a rehearsal can use
(``RepositoryName`` from the checkout's folder, ``KeyAdministratorArns`` an admin role of
the emulated account).

What one run does stays plain command arguments, because it belongs to that run and not
to the repository's configuration (an ini ``harness_approve = true`` would approve every
future release unseen; a resume or a ref in the environment would leak into the next
run): ``--approve`` / ``--stop-at-approval`` (how this run's manual approvals are
answered), ``--resume``, ``--ref`` and ``--since`` (what this run releases, and the change
its trigger filters judge), ``--baseline`` (which earlier execution it releases on top of),
``--variable`` (pipeline variables are given per execution, as with
``StartPipelineExecution``) and ``--record``.

The exit code is the run's verdict: 0 when it succeeded, was stopped at an approval, or the
change starts no run; 1 when it failed; 2 when it cannot start.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from harness.cli.options import CommandLine, parse_command_line
from harness.config.inifile import find_ini
from harness.config.resolve import Sources, resolve_option
from harness.pipeline.actions import APPROVE, PROMPT, STOP
from harness.pipeline.definition import PipelineDefinitionError
from harness.pipeline.record import FAILED
from harness.pipeline.rehearsal import ACCOUNT_ID, RehearsalError, RehearsalOptions, rehearse
from harness.pipeline.source import SourceError, repository_root
from harness.settings import OPTIONS_BY_NAME
from harness.template.loader import load_document

DESCRIPTION = "Rehearse the CodePipeline locally on the embedded target."


def _run_arguments(parser: argparse.ArgumentParser) -> None:
    """What this one run does (see the module doc for why these are not settings)."""
    parser.add_argument("--ref", help="release this git ref instead of the working tree")
    parser.add_argument(
        "--since", help="the change is what differs from this ref (default: the release branch)"
    )
    parser.add_argument(
        "--baseline",
        metavar="REF",
        help="run REF's execution first on the same target (approvals approved), so this "
        "run's deploys update the stacks it left, canaries included",
    )
    parser.add_argument(
        "--variable", action="append", default=[], help="pipeline variable NAME=VALUE (repeat)"
    )
    approval = parser.add_mutually_exclusive_group()
    approval.add_argument("--approve", action="store_true", help="approve manual approvals")
    approval.add_argument(
        "--stop-at-approval", action="store_true", help="stop at the first manual approval"
    )
    parser.add_argument("--resume", action="store_true", help="continue a stopped rehearsal")
    parser.add_argument("--record", type=Path, help="where the JSON record goes")


def parse_arguments(argv: Sequence[str], cwd: Path | None = None) -> CommandLine:
    return parse_command_line("rehearse", argv, DESCRIPTION, cwd=cwd, arguments=_run_arguments)


def pipeline_template(repo: Path) -> Path:
    """The pipeline template a rehearsal in ``repo`` reads when no flag or variable names one."""
    ini = find_ini(repo)
    option = OPTIONS_BY_NAME["pipeline_template"]
    sources = Sources({}, {}, {option.name: ini.values.get(option.ini_key)}, repo, ini.root)
    return Path(resolve_option(option, sources).value)


def options_from(command: CommandLine, cwd: Path) -> RehearsalOptions:
    settings, arguments = command.settings, command.arguments
    repo = repository_root(cwd)
    template = Path(settings.pipeline_template).resolve()
    given = {key: setting.value for key, setting in settings.pipeline_parameters.items()}
    return RehearsalOptions(
        repo=repo,
        template=template,
        parameters={**_rehearsal_defaults(template, repo), **given},
        ref=arguments.ref,
        since=arguments.since,
        approval=APPROVE if arguments.approve else STOP if arguments.stop_at_approval else PROMPT,
        resume=arguments.resume,
        region=settings.region,
        record_path=arguments.record.resolve() if arguments.record else None,
        variables=_pairs(arguments.variable, "--variable"),
        baseline=arguments.baseline,
        release_time_scale=float(settings.release_time_scale),
    )


def _rehearsal_defaults(template: Path, repo: Path) -> dict[str, str]:
    """Values for the required parameters a rehearsal can choose itself, when declared."""
    if not template.is_file():
        return {}
    declared = load_document(template).get("Parameters") or {}
    chosen = {
        "RepositoryName": f"local/{repo.name}",
        "KeyAdministratorArns": f"arn:aws:iam::{ACCOUNT_ID}:role/Admin",
    }
    return {
        name: value
        for name, value in chosen.items()
        if name in declared and "Default" not in declared[name]
    }


def _pairs(items: Sequence[str], flag: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        name, separator, value = item.partition("=")
        if not separator or not name:
            raise SystemExit(f"{flag} {item!r}: expected NAME=VALUE")
        pairs[name] = value
    return pairs


def main(argv: Sequence[str]) -> int:
    command = parse_arguments(argv)
    try:
        options = options_from(command, Path.cwd())
        if not options.template.is_file():
            raise RehearsalError(
                f"no pipeline template at {options.template} "
                f"({command.settings.source('pipeline_template')})"
            )
        record = rehearse(options)
    except KeyboardInterrupt:
        print("rehearse: interrupted; every build was stopped", file=sys.stderr)
        return 130
    except (PipelineDefinitionError, SourceError, RehearsalError) as error:
        print(f"rehearse: {error}", file=sys.stderr)
        return 2
    return 1 if record.status == FAILED else 0
