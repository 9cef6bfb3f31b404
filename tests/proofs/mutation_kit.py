"""One mutation kit for the proofs that the shipped template and pipeline suites catch defects.

A proof takes a copy of what those suites read (the app's template, the pipeline's template,
the stage bootstrap and the buildspecs), breaks it in one way, writes it into a ``pytester``
directory whose ini points the harness plugin at it, and runs the one suite test that should
catch the break in a pytest session of its own. The fixtures are the plugin's (``sam_source``,
``transformed``, ``pipeline_template``...), built from the copy exactly as an adopter's run
builds them from theirs, so a proof fails if a fixture and a check stop agreeing, not only
if a check stops checking.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

# Imported here, before pytester snapshots sys.modules, so each inner session reuses them
# instead of importing the SAM translator again.
import harness.plugin
import harness.template.transform  # noqa: F401
from harness.template.loader import load_document

ROOT = Path(__file__).parents[2]
SUITE = ROOT / "suites" / "template"
Document = dict[str, Any]
# A copy of the sources: {"app", "pipeline", "bootstrap"} documents and {"buildspecs": {name: ...}}.
RepositoryCopy = dict[str, Any]
Mutation = Callable[[RepositoryCopy], None]
KeyPath = tuple[str | int, ...]

INI = """\
[pytest]
harness_stage = {stage}
harness_app_template = app/template.json
harness_pipeline_template = pipeline/pipeline.json
harness_stage_bootstrap_template = pipeline/stage-bootstrap.json
"""


@dataclass(frozen=True)
class Defect:
    """One break of the sources, the suite test that must catch it, and what its message names."""

    name: str
    mutate: Mutation
    module: str
    test: str
    names: tuple[str, ...]
    # The stage a test parametrized by stage is run for; None runs it for every stage.
    stage: str | None = None

    @property
    def node_id(self) -> str:
        parameters = f"[{self.stage}]" if self.stage else ""
        return f"{SUITE / self.module}.py::{self.test}{parameters}"


def node(document: Any, path: KeyPath) -> Any:
    for part in path:
        document = document[part]
    return document


def set_at(path: KeyPath, value: Any) -> Callable[[Any], None]:
    """Set the value at ``path``, from whatever it is applied to (a copy or one document)."""

    def edit(document: Any) -> None:
        node(document, path[:-1])[path[-1]] = value

    return edit


def drop(path: KeyPath) -> Callable[[Any], None]:
    """Delete the key or item at ``path``, from whatever it is applied to."""

    def edit(document: Any) -> None:
        del node(document, path[:-1])[path[-1]]

    return edit


def repository_sources() -> str:
    """What the suites read, serialised once; :func:`fresh_copy` gives each proof its own."""
    pipeline = ROOT / "pipeline"
    return json.dumps(
        {
            "app": load_document(ROOT / "app" / "template.yaml"),
            "pipeline": load_document(pipeline / "pipeline.yaml"),
            "bootstrap": load_document(pipeline / "stage-bootstrap.yaml"),
            "buildspecs": {
                path.name: yaml.safe_load(path.read_text())
                for path in pipeline.glob("buildspec-*.yml")
            },
        }
    )


def fresh_copy(sources: str) -> RepositoryCopy:
    return json.loads(sources)


def write_copy(copy: RepositoryCopy, root: Path, stage: str) -> None:
    """The copy as a repository: templates as JSON, buildspecs as YAML, the app's code linked."""
    app = root / "app"
    app.mkdir()
    (app / "template.json").write_text(json.dumps(copy["app"], indent=1))
    (app / "src").symlink_to(ROOT / "app" / "src", target_is_directory=True)
    pipeline = root / "pipeline"
    pipeline.mkdir()
    (pipeline / "pipeline.json").write_text(json.dumps(copy["pipeline"], indent=1))
    (pipeline / "stage-bootstrap.json").write_text(json.dumps(copy["bootstrap"], indent=1))
    for name, buildspec in copy["buildspecs"].items():
        (pipeline / name).write_text(yaml.safe_dump(buildspec, sort_keys=False))
    (root / "pytest.ini").write_text(INI.format(stage=stage))


def run_suite(pytester: pytest.Pytester, node_ids: Iterable[str]) -> list[pytest.TestReport]:
    """Run suite tests in a session of their own on the copy in ``pytester.path``."""
    result = pytester.runpytest_inprocess(
        *node_ids,
        # The suite files lie under this repository's root: its ini must not be the one read.
        f"--config-file={pytester.path / 'pytest.ini'}",
        f"--rootdir={pytester.path}",
        "-p",
        "no:cacheprovider",
        # Its summary imports hypothesis afresh in every inner session (1.3 s each).
        "-p",
        "no:hypothesispytest",
        # The harness is imported by this session already, so the inner one cannot rewrite it.
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
        "-q",
    )
    reports = result.reprec.getreports("pytest_runtest_logreport")  # type: ignore[attr-defined]
    assert reports, f"no suite test ran:\n{result.stdout.str()}"
    return reports


def assert_caught(pytester: pytest.Pytester, sources: str, defect: Defect) -> None:
    """The suite test fails on the broken copy with a message naming each of ``defect.names``."""
    message = caught_message(pytester, sources, defect)
    missing = [name for name in defect.names if name not in message]
    assert not missing, f"the failure does not name {missing}:\n{message}"


def caught_message(pytester: pytest.Pytester, sources: str, defect: Defect) -> str:
    """The assertion message the suite test fails with on the broken copy."""
    copy = fresh_copy(sources)
    defect.mutate(copy)
    write_copy(copy, pytester.path, defect.stage or "prod")
    reports = run_suite(pytester, [defect.node_id])
    errors = [report for report in reports if report.failed and report.when != "call"]
    assert not errors, f"{defect.name}: the suite errored instead of failing:\n{errors[0].longrepr}"
    failures = [report for report in reports if report.failed]
    assert failures, f"{defect.name}: {defect.test} passed on the broken copy"
    message = str(failures[0].longrepr.reprcrash.message)  # type: ignore[union-attr]
    assert message.startswith("AssertionError"), message
    return message


def assert_copy_passes(pytester: pytest.Pytester, sources: str, defects: list[Defect]) -> None:
    """The unbroken copy passes every suite test the defects are caught by."""
    write_copy(fresh_copy(sources), pytester.path, "prod")
    node_ids = sorted({f"{SUITE / defect.module}.py::{defect.test}" for defect in defects})
    reports = run_suite(pytester, node_ids)
    failed = [report.nodeid for report in reports if report.failed]
    assert not failed, f"the unbroken copy fails {failed}"
    passed = {report.nodeid.split("[")[0] for report in reports if report.passed}
    assert len(passed) == len(node_ids)


def suite_tests(module: str) -> set[tuple[str, str]]:
    """The test functions a suite module defines, read without importing it (and cfn-lint)."""
    tree = ast.parse((SUITE / f"{module}.py").read_text())
    return {
        (module, statement.name)
        for statement in tree.body
        if isinstance(statement, ast.FunctionDef) and statement.name.startswith("test_")
    }
