"""``python -m harness rehearse``: run the pipeline template's stages here, for real.

The template is the ``harness_pipeline_template`` ini key of the repository's
``pytest.ini`` (the one the template suite checks), unless ``--template`` names another.
Parameters without a default get a value a rehearsal can use (``RepositoryName`` from the
checkout's folder, ``KeyAdministratorArns`` an admin role of the emulated account) unless
given with ``--parameter``. The exit code is the run's verdict: 0 when it succeeded,
was stopped at an approval, or the change starts no run; 1 when it failed.
"""

from __future__ import annotations

import argparse
import configparser
import sys
from collections.abc import Sequence
from pathlib import Path

from harness.pipeline.actions import APPROVE, PROMPT, STOP
from harness.pipeline.definition import PipelineDefinitionError
from harness.pipeline.record import FAILED
from harness.pipeline.rehearsal import ACCOUNT_ID, RehearsalError, RehearsalOptions, rehearse
from harness.pipeline.source import SourceError, repository_root
from harness.template.loader import load_document

DEFAULT_PIPELINE_TEMPLATE = "pipeline/pipeline.yaml"
PIPELINE_TEMPLATE_INI = "harness_pipeline_template"


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m harness rehearse",
        description="Rehearse the CodePipeline locally on the embedded target.",
    )
    parser.add_argument("--template", type=Path, help="pipeline template (default: the ini's)")
    parser.add_argument("--ref", help="release this git ref instead of the working tree")
    parser.add_argument(
        "--since", help="the change is what differs from this ref (default: the release branch)"
    )
    parser.add_argument("--parameter", action="append", default=[], help="KEY=VALUE (repeat)")
    parser.add_argument(
        "--variable", action="append", default=[], help="pipeline variable NAME=VALUE (repeat)"
    )
    approval = parser.add_mutually_exclusive_group()
    approval.add_argument("--approve", action="store_true", help="approve manual approvals")
    approval.add_argument(
        "--stop-at-approval", action="store_true", help="stop at the first manual approval"
    )
    parser.add_argument("--resume", action="store_true", help="continue a stopped rehearsal")
    parser.add_argument("--region", default="us-east-1", help="region of the emulated account")
    parser.add_argument("--record", type=Path, help="where the JSON record goes")
    return parser.parse_args(list(argv))


def pipeline_template(repo: Path) -> Path:
    """The ini's ``harness_pipeline_template``, relative to the repository root."""
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(repo / "pytest.ini")
    name = ini.get("pytest", PIPELINE_TEMPLATE_INI, fallback=DEFAULT_PIPELINE_TEMPLATE)
    return repo / name.strip()


def options_from(arguments: argparse.Namespace, cwd: Path) -> RehearsalOptions:
    repo = repository_root(cwd)
    template = (cwd / arguments.template) if arguments.template else pipeline_template(repo)
    parameters = {
        **_rehearsal_defaults(template, repo),
        **_pairs(arguments.parameter, "--parameter"),
    }
    return RehearsalOptions(
        repo=repo,
        template=template.resolve(),
        parameters=parameters,
        ref=arguments.ref,
        since=arguments.since,
        approval=APPROVE if arguments.approve else STOP if arguments.stop_at_approval else PROMPT,
        resume=arguments.resume,
        region=arguments.region,
        record_path=arguments.record.resolve() if arguments.record else None,
        variables=_pairs(arguments.variable, "--variable"),
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
    arguments = parse_arguments(argv)
    try:
        options = options_from(arguments, Path.cwd())
        if not options.template.is_file():
            raise RehearsalError(f"no pipeline template at {options.template}")
        record = rehearse(options)
    except KeyboardInterrupt:
        print("rehearse: interrupted; every build was stopped", file=sys.stderr)
        return 130
    except (PipelineDefinitionError, SourceError, RehearsalError) as error:
        print(f"rehearse: {error}", file=sys.stderr)
        return 2
    return 1 if record.status == FAILED else 0
