"""The target fixtures inside a real pytest session (pytester), on our sample app."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

REPOSITORY = Path(__file__).resolve().parents[2]
CONFTEST = """
pytest_plugins = ["harness.plugin", "harness.plugin.targets"]
"""


@pytest.fixture
def project(pytester: pytest.Pytester, sample_app: Path) -> pytest.Pytester:
    """A repository whose ``app/`` is the sample app, sharing our dependency cache."""
    shutil.copytree(sample_app.parent, pytester.path / "app")
    (pytester.path / ".cache").symlink_to(REPOSITORY / ".cache", target_is_directory=True)
    pytester.makeconftest(CONFTEST)
    return pytester


def test_a_test_requiring_a_missing_capability_is_skipped_with_the_reason(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        """
        import pytest

        @pytest.mark.requires("deploy")
        def test_deploys(stack):
            raise AssertionError("must not run")
        """
    )
    result = project.runpytest("-rs", "-p", "no:cacheprovider", "--target", "aws")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*target 'aws' lacks capability deploy*"])


def test_an_unavailable_target_skips_every_test_with_the_same_reason(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        """
        def test_one(target):
            raise AssertionError("must not run")

        def test_two(stack):
            raise AssertionError("must not run")
        """
    )
    result = project.runpytest(
        "-rs", "-p", "no:cacheprovider", "--target", "localstack", "--stack-name", "s"
    )
    result.assert_outcomes(skipped=2)
    skipped = [line for line in result.outlines if line.startswith("SKIPPED [")]
    reasons = {line.split(": ", 1)[1] for line in skipped}
    assert len(skipped) == 2
    assert len(reasons) == 1
    assert reasons.pop().startswith("localstack target needs")
    assert "Traceback" not in result.stdout.str()


def test_gaps_are_summarised_and_worker_logs_attached_to_failures(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        """
        import requests

        def test_boom(api_url):
            assert requests.get(api_url + "boom", timeout=30).status_code == 200
        """
    )
    result = project.runpytest("-p", "no:cacheprovider", "--junitxml=junit.xml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*Captured Lambda worker logs*",
            "*RuntimeError: boom on purpose*",
            "*emulation gaps (*): not created, not tested*",
            "Api (AWS::ApiGatewayV2::Api)*",
        ]
    )
    junit = (project.path / "junit.xml").read_text()
    assert 'name="emulation_gap"' in junit
    assert "AWS::ApiGatewayV2::Api" in junit
    _the_report_names_the_logs_command_that_shows_them_again(result, project.path)


def _the_report_names_the_logs_command_that_shows_them_again(
    result: pytest.RunResult, root: Path
) -> None:
    output = result.stdout.str()
    command = re.search(r"^python -m harness logs (--all --work-dir (\S+) .*)$", output, re.M)
    assert command is not None, output
    try:
        again = subprocess.run(
            [sys.executable, "-m", "harness", "logs", *shlex.split(command[1])],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert again.returncode == 0, again.stderr
        assert "RuntimeError: boom on purpose" in again.stdout
        assert "[ApiFunction]" in again.stdout
    finally:
        shutil.rmtree(command[2], ignore_errors=True)


def test_gaps_reach_the_junit_file_from_xdist_workers(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        def test_one(stack):
            assert stack.outputs

        def test_two(stack):
            assert stack.outputs
        """
    )
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "--junitxml=j.xml")
    result.assert_outcomes(passed=2)
    junit = (project.path / "j.xml").read_text()
    assert 'name="emulation_gap"' in junit
    assert "AWS::ApiGatewayV2::Api" in junit


def test_the_lambda_settings_reach_the_embedded_target(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\nharness_max_concurrency = 5\n")
    project.makepyfile(
        """
        def test_settings(target):
            assert (target.max_concurrency, target.init_failures) == (5, "report")
        """
    )
    result = project.runpytest("-p", "no:cacheprovider", "--init-failures", "report")
    result.assert_outcomes(passed=1)
