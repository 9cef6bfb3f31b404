"""The check pack: stable ids, each check catching its own defect at its line, reasoned ignores."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.checks import CHECKS, CheckInput, parse_ignores
from harness.sam import read_sam_model
from harness.template.transform import transformed_template

REPOSITORY = Path(__file__).resolve().parents[2]
DEFECTS = REPOSITORY / "fixtures" / "templates" / "check_pack_defects.yaml"
APP = REPOSITORY / "app" / "template.yaml"

STABLE = [
    "HC101-function-tracing",
    "HC102-log-retention",
    "HC103-least-privilege",
    "HC104-no-plain-text-secrets",
    "HC105-alias-alarms",
    "HC106-api-throttling",
    "HC107-api-access-logs",
    "HC108-api-tracing",
    "HC109-api-timeout",
    "HC110-failure-destinations",
    "HC111-table-point-in-time-recovery",
    "HC112-table-retention",
    "HC113-own-secrets-only",
]
"""Ids are what ignores and ``-k`` name: changing one is a breaking change, made here."""

CAUGHT = {
    "HC101": {"UntracedFunction"},
    "HC102": {"UnloggedFunction"},
    "HC103": {"GreedyFunction"},
    "HC104": {"LeakyFunction", "DatabasePassword"},
    "HC105": {"UnguardedFunction"},
    "HC106": {"OpenRestApi"},
    "HC107": {"OpenRestApi"},
    "HC108": {"OpenRestApi"},
    "HC109": {"SlowFunction"},
    "HC110": {"DroppingFunction"},
    "HC111": {"UnrecoverableTable"},
    "HC112": {"DisposableTable"},
    "HC113": {"NosyFunction"},
}


def _input(path: Path, parameters: dict[str, str]) -> CheckInput:
    return CheckInput(
        read_sam_model(path, parameters), transformed_template(path, parameters, "us-east-1")
    )


@pytest.fixture(scope="module")
def defects() -> CheckInput:
    return _input(DEFECTS, {})


def _line_of(name: str) -> int:
    lines = DEFECTS.read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.strip() == f"{name}:")


def test_the_ids_are_stable() -> None:
    assert [check.test_name for check in CHECKS] == STABLE


@pytest.mark.parametrize("check", CHECKS, ids=[check.id for check in CHECKS])
def test_each_check_catches_its_own_defect_at_its_line(check, defects: CheckInput) -> None:
    findings = check.evaluate(defects).findings
    assert {finding.subject for finding in findings} == CAUGHT[check.id]
    for finding in findings:
        if finding.subject != "OpenRestApi":  # the stage SAM generates points at the API
            assert finding.where.endswith(f"check_pack_defects.yaml:{_line_of(finding.subject)}")


def test_the_items_app_passes_every_check() -> None:
    checked = _input(APP, {"Stage": "prod"})
    assert {check.id: check.evaluate(checked).findings for check in CHECKS} == {
        check.id: () for check in CHECKS
    }


def test_an_ignore_needs_a_reason_and_a_known_id() -> None:
    known = [check.id for check in CHECKS]
    assert parse_ignores(["HC101: traced by the platform"], known)[0].subject is None
    assert parse_ignores(["HC104 LeakyFunction: a test key"], known)[0].subject == "LeakyFunction"
    with pytest.raises(ValueError, match="reason is mandatory"):
        parse_ignores(["HC101"], known)
    with pytest.raises(ValueError, match="reason is mandatory"):
        parse_ignores(["HC101:  "], known)
    with pytest.raises(ValueError, match="names no check"):
        parse_ignores(["HC999: why"], known)


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A repository whose app is the defects template, with a template layer folder."""
    shutil.copy(DEFECTS, pytester.path / "template.yaml")
    (pytester.path / "suites" / "template").mkdir(parents=True)
    (pytester.path / "suites" / "template" / "test_own.py").write_text(
        "def test_own():\n    pass\n"
    )
    return pytester


def _ini(project: pytest.Pytester, *ignores: str) -> None:
    lines = "".join(f"    {line}\n" for line in ignores)
    project.makeini(
        "[pytest]\nharness_app_template = template.yaml\nharness_check_pack = true\n"
        + (f"harness_check_ignores =\n{lines}" if ignores else "")
    )


def test_the_pack_runs_as_template_tests_failing_at_file_and_line(project: pytest.Pytester) -> None:
    _ini(project)
    result = project.runpytest("suites/template", "-p", "no:cacheprovider", "-m", "template")
    result.assert_outcomes(passed=1, failed=len(CHECKS))
    result.stdout.fnmatch_lines(
        [
            "*HC101 function-tracing: every Lambda function traces with X-Ray",
            f"*template.yaml:{_line_of('UntracedFunction')}: UntracedFunction: X-Ray tracing*",
            "*harness_check_ignores = HC101 UntracedFunction: <why>*",
        ]
    )
    collected = project.runpytest("suites/template", "--collect-only", "-q", "-k", "HC109")
    collected.stdout.fnmatch_lines(["suites/template/harness_checks::HC109-api-timeout"])
    one_file = project.runpytest("suites/template/test_own.py", "-p", "no:cacheprovider")
    one_file.assert_outcomes(passed=1)


def test_ignores_skip_with_their_reason_and_only_what_they_name(project: pytest.Pytester) -> None:
    _ini(
        project,
        "HC101: traced by the platform's own agent",
        "HC104 LeakyFunction: a key of the sandbox account",
        "HC103 GreedyFunction: migrating to named actions",
    )
    result = project.runpytest("suites/template", "-p", "no:cacheprovider", "-rs", "-k", "HC10")
    skipped = "\n".join(line for line in result.outlines if line.startswith("SKIPPED"))
    assert "HC101 ignored: traced by the platform's own agent" in skipped
    assert "HC103: GreedyFunction ignored (migrating to named actions)" in skipped
    result.stdout.fnmatch_lines(["*DatabasePassword: secret-looking parameter without NoEcho*"])
    assert "LeakyFunction: environment variable" not in result.stdout.str()


def test_an_ignore_without_a_reason_stops_the_run_naming_it(project: pytest.Pytester) -> None:
    _ini(project, "HC105 UnguardedFunction")
    result = project.runpytest("suites/template", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*ini harness_check_ignores: 'HC105 UnguardedFunction' is not 'ID: reason'*"]
    )
