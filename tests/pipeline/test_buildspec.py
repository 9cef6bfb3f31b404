"""The buildspec model: the real buildspecs load; bad ones fail naming the file and key."""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from harness.pipeline.buildspec import (
    Buildspec,
    BuildspecError,
    load_buildspec,
    parse_buildspec,
    tox_envs,
)

ROOT = Path(__file__).resolve().parents[2]
PIPELINE = ROOT / "pipeline"
REAL_BUILDSPECS = sorted(PIPELINE.glob("buildspec-*.yml"))
# The ones that run test layers; buildspec-integration-report.yml only merges their reports.
LAYER_BUILDSPECS = [
    path for path in REAL_BUILDSPECS if path.name != "buildspec-integration-report.yml"
]


def write(tmp_path: Path, text: str, name: str = "buildspec.yml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load_error(path: Path) -> BuildspecError:
    with pytest.raises(BuildspecError) as caught:
        load_buildspec(path)
    return caught.value


# -- the pipeline's own buildspecs ------------------------------------------------------------


def test_the_pipeline_has_its_four_buildspecs() -> None:
    assert [path.name for path in REAL_BUILDSPECS] == [
        "buildspec-build.yml",
        "buildspec-integration-report.yml",
        "buildspec-integration.yml",
        "buildspec-smoke.yml",
    ]


@pytest.mark.parametrize("path", LAYER_BUILDSPECS, ids=lambda path: path.name)
def test_every_real_buildspec_loads_with_pinned_python_and_reports(path: Path) -> None:
    buildspec = load_buildspec(path)

    assert buildspec.phases["install"].runtime_versions == {"python": "3.12"}
    assert any("requirements-ci.txt" in command for command in buildspec.all_commands())
    assert buildspec.report_files(), f"{path.name} declares no reports"


@pytest.mark.parametrize(
    ("name", "tox_env_names"),
    [
        ("buildspec-build.yml", {"lint", "unit", "template"}),
        ("buildspec-integration.yml", {"integration"}),
        ("buildspec-smoke.yml", {"smoke"}),
    ],
)
def test_each_buildspec_runs_exactly_its_tox_environments(
    name: str, tox_env_names: set[str]
) -> None:
    buildspec = load_buildspec(PIPELINE / name)
    every_env = {"lint", "unit", "template", "integration", "smoke", "tests", "bench"}

    assert {env for env in every_env if buildspec.runs_tox_env(env)} == tox_env_names


def test_test_buildspecs_export_what_the_approval_reads() -> None:
    smoke = load_buildspec(PIPELINE / "buildspec-smoke.yml")
    integration = load_buildspec(PIPELINE / "buildspec-integration.yml")
    merge = load_buildspec(PIPELINE / "buildspec-integration-report.yml")

    assert smoke.env.exported_variables == ("TEST_SUMMARY", "REPORT_URL")
    # A batch's builds export nothing the pipeline reads: the merge of their reports does.
    assert integration.env.exported_variables == ()
    assert merge.env.exported_variables == ("TEST_SUMMARY",)
    assert smoke.report_files() == ("reports/smoke-*.xml",)
    assert integration.report_files() == ("reports/integration.xml",)
    assert integration.artifacts is not None
    assert integration.artifacts.files == ("integration.xml",)


def test_build_buildspec_packages_the_template_it_ships() -> None:
    build = load_buildspec(PIPELINE / "buildspec-build.yml")

    assert build.artifacts is not None
    assert build.artifacts.files == ("packaged.yaml",)
    assert any("--output-template-file packaged.yaml" in cmd for cmd in build.all_commands())
    assert {group.file_format for group in build.reports.values()} == {"JUNITXML", "COBERTURAXML"}
    assert [group.is_coverage for group in build.reports.values()] == [False, True]


# -- the model ---------------------------------------------------------------------------------


def test_a_valid_buildspec_is_modelled(tmp_path: Path) -> None:
    buildspec = load_buildspec(
        write(
            tmp_path,
            """\
            version: 0.2
            env:
              variables: {STAGE: dev, RETRIES: 3}
              parameter-store: {TOKEN: /ci/token}
              exported-variables: [REPORT_URL]
            phases:
              install:
                runtime-versions: {python: "3.12"}
                commands: [pip install tox]
              build:
                on-failure: ABORT
                commands: [tox -e smoke]
                finally: [echo done]
            reports:
              junit:
                files: [smoke.xml]
                base-directory: reports
                discard-paths: yes
            artifacts:
              files: [packaged.yaml]
              secondary-artifacts:
                docs: {files: [site/index.html], name: docs}
            cache:
              paths: [/root/.cache/pip/**/*]
            """,
        )
    )

    assert isinstance(buildspec, Buildspec)
    assert buildspec.env.variables == {"STAGE": "dev", "RETRIES": "3"}
    assert buildspec.env.parameter_store == {"TOKEN": "/ci/token"}
    assert buildspec.all_commands() == ("pip install tox", "tox -e smoke", "echo done")
    assert buildspec.reports["junit"].discard_paths is True
    assert buildspec.report_files() == ("reports/smoke.xml",)
    assert buildspec.artifacts is not None
    assert buildspec.artifacts.secondary["docs"].name == "docs"
    assert buildspec.cache_paths == ("/root/.cache/pip/**/*",)


@pytest.mark.parametrize(
    ("command", "envs"),
    [
        ("tox -e lint,unit,template", {"lint", "unit", "template"}),
        ("tox run -e smoke -- --target aws --stage prod", {"smoke"}),
        ("python -m tox --env=integration", {"integration"}),
        ("tox -eunit -e lint", {"unit", "lint"}),
        ("cd app && /usr/local/bin/tox --env smoke", {"smoke"}),
        ("tox -e unit -- -e smoke", {"unit"}),
        ("tox", set()),
        ("echo tox -e", set()),
        ("pytest -e smoke", set()),
        ('tox -e "unbalanced', set()),
    ],
)
def test_tox_envs_reads_only_what_tox_runs(command: str, envs: set[str]) -> None:
    assert tox_envs(command) == envs


def test_runs_tox_env_needs_the_exact_name() -> None:
    buildspec = parse_buildspec(
        {"version": 0.2, "phases": {"build": {"commands": ["tox -e smoke-prod"]}}}, "inline.yml"
    )

    assert buildspec.runs_tox_env("smoke-prod")
    assert not buildspec.runs_tox_env("smoke")


# -- errors name the file and the key ----------------------------------------------------------


def test_a_non_string_command_names_its_index(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        version: 0.2
        phases:
          build:
            commands:
              - tox -e smoke
              - echo ok
              - echo status: done
        """,
        name="buildspec-smoke.yml",
    )

    error = load_error(path)

    assert str(error).startswith(f"{path}: phases.build.commands[2]: must be a string")
    assert "quote" in str(error)
    assert (error.source, error.key_path) == (str(path), "phases.build.commands[2]")


@pytest.mark.parametrize(
    ("text", "key_path", "problem"),
    [
        ("version: 0.1\nphases: {build: {commands: [make]}}\n", "version", "must be 0.2"),
        ("phases: {build: {commands: [make]}}\n", "version", "required"),
        ("version: 0.2\n", "phases", "required"),
        (
            "version: 0.2\nphases: {deploy: {commands: [make]}}\n",
            "phases.deploy",
            "unknown phase",
        ),
        ("version: 0.2\nphases: {build: {commands: make}}\n", "phases.build.commands", "list"),
        (
            "version: 0.2\nphases: {build: {runtime-versions: {python: '3.12'}}}\n",
            "phases.build.runtime-versions",
            "only allowed in the install phase",
        ),
        (
            "version: 0.2\nphases: {install: {runtime-versions: {python: 3.10}}}\n",
            "phases.install.runtime-versions.python",
            "YAML reads 3.10 as 3.1",
        ),
        (
            "version: 0.2\nphases: {build: {on-failure: IGNORE, commands: [make]}}\n",
            "phases.build.on-failure",
            "ABORT, CONTINUE",
        ),
        (
            "version: 0.2\nenv: {variables: {DEBUG: yes}}\nphases: {build: {commands: [make]}}\n",
            "env.variables.DEBUG",
            "must be a string, found True",
        ),
        (
            "version: 0.2\nenv: {exported-variables: REPORT_URL}\n"
            "phases: {build: {commands: [make]}}\n",
            "env.exported-variables",
            "must be a list of strings",
        ),
        (
            "version: 0.2\nenv: {exported-variables: [REPORT-URL]}\n"
            "phases: {build: {commands: [make]}}\n",
            "env.exported-variables[0]",
            "not a variable name",
        ),
        (
            "version: 0.2\nphases: {build: {commands: [make]}}\n"
            "reports: {junit: {files: [a.xml], file-format: JUNIT}}\n",
            "reports.junit.file-format",
            "not a CodeBuild report format",
        ),
        (
            "version: 0.2\nphases: {build: {commands: [make]}}\n"
            "reports: {junit: {base-directory: reports}}\n",
            "reports.junit.files",
            "required",
        ),
        (
            "version: 0.2\nphases: {build: {commands: [make]}}\n"
            "reports: {junit: {files: [a.xml], base_directory: reports}}\n",
            "reports.junit.base_directory",
            "unknown key",
        ),
        (
            "version: 0.2\nphases: {build: {commands: [make]}}\n"
            "reports: {junit: {files: [a.xml], discard-paths: maybe}}\n",
            "reports.junit.discard-paths",
            "yes or no",
        ),
        (
            "version: 0.2\nphases: {build: {commands: [make]}}\nartifacts: {name: x}\n",
            "artifacts.files",
            "required",
        ),
        (
            "version: 0.2\nphases: {build: {commands: [make]}}\nproxy: {upload-artifacts: yes}\n",
            "proxy",
            "unknown key",
        ),
    ],
)
def test_each_error_names_file_and_key(
    tmp_path: Path, text: str, key_path: str, problem: str
) -> None:
    path = write(tmp_path, text)

    error = load_error(path)

    assert error.source == str(path)
    assert error.key_path == key_path
    assert problem in error.problem
    assert str(error).startswith(f"{path}: {key_path}: ")


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 0.2\nphases:\n  build:\n    commands: [make\n")

    error = load_error(path)

    assert error.key_path == "line 5"
    assert str(error).startswith(f"{path}: line 5: invalid YAML")


@pytest.mark.parametrize(("text", "found"), [("", "nothing"), ("- make\n", "a list")])
def test_a_document_that_is_not_a_mapping_is_refused(tmp_path: Path, text: str, found: str) -> None:
    error = load_error(write(tmp_path, text))

    assert error.key_path == "(document)"
    assert error.problem == f"must be a mapping, found {found}"


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    error = load_error(tmp_path / "absent.yml")

    assert str(error).startswith(f"{tmp_path / 'absent.yml'}: (file): cannot be read")


def test_parse_buildspec_validates_a_mutated_copy() -> None:
    document = {"version": 0.2, "phases": {"build": {"commands": ["tox -e smoke"]}}}
    document["reports"] = {"junit": {"files": []}}

    with pytest.raises(BuildspecError, match=r"^mutated\.yml: reports\.junit\.files: must list"):
        parse_buildspec(document, "mutated.yml")


# -- the approval summary the test buildspecs export -------------------------------------------


@pytest.fixture(scope="module")
def junit_summary() -> ModuleType:
    spec = importlib.util.spec_from_file_location("junit_summary", PIPELINE / "junit_summary.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_junit_summary_adds_up_every_suite(tmp_path: Path, junit_summary: ModuleType) -> None:
    report = write(
        tmp_path,
        """\
        <testsuites>
          <testsuite name="a" tests="5" failures="1" errors="0" skipped="1" time="1.0"/>
          <testsuite name="b" tests="3" failures="0" errors="1" skipped="0" time="2.0"/>
        </testsuites>
        """,
        name="smoke-staging.xml",
    )

    assert junit_summary.summarize(report) == "passed 5, failed 1, errors 1, skipped 1 (of 8)"


def test_junit_summary_explains_a_missing_or_broken_report(
    tmp_path: Path, junit_summary: ModuleType
) -> None:
    broken = write(tmp_path, "<testsuites", name="broken.xml")

    assert junit_summary.summarize(tmp_path / "absent.xml").startswith("no JUnit report at ")
    assert junit_summary.summarize(broken).startswith(f"unreadable JUnit report {broken}")
