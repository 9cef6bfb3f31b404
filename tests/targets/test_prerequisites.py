"""Prerequisite stacks from the ini, and the work dir kept after a failed session.

The ini lines are parsed with clear errors; the pytest sessions (pytester) deploy the
fixture app ``fixtures/apps/cognito_auth`` after its two prerequisite stacks, on the
embedded target, and show what a user sees when a session fails.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from moto.cloudformation.models import cloudformation_backends
from moto.cognitoidp.models import cognitoidp_backends
from moto.core import DEFAULT_ACCOUNT_ID

from harness.apigateway import AuthorizerRegistry
from harness.sam import read_sam_model
from harness.settings import SettingsError
from harness.targets.embedded.front_gaps import front_gaps
from harness.targets.embedded.jwt_authorizers import (
    JwtAuthorizers,
    JwtVerifier,
    read_jwt_authorizers,
)
from harness.targets.embedded.target import EmbeddedTarget
from harness.targets.prerequisites import PrerequisiteStack, read_prerequisite_stacks

pytest_plugins = ["pytester"]

REPOSITORY = Path(__file__).resolve().parents[2]
APPS = REPOSITORY / "fixtures" / "apps"
CONFTEST = 'pytest_plugins = ["harness.pytest_plugin"]\n'
PREREQUISITES_INI = """
[pytest]
harness_app_template = app/template.yaml
harness_prerequisite_stacks =
    harness-auth=app/auth.yaml
    harness-shared = app/shared.yaml
"""


def test_lines_name_stacks_and_templates_relative_to_the_rootdir(tmp_path: Path) -> None:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "auth.yaml").write_text("Resources: {}\n")
    lines = ["", "# the identity stack", "auth-stack = infra/auth.yaml"]
    assert read_prerequisite_stacks(lines, tmp_path) == [
        PrerequisiteStack("auth-stack", tmp_path / "infra" / "auth.yaml")
    ]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("auth.yaml", "is not STACK_NAME=TEMPLATE_PATH"),
        ("1auth=auth.yaml", "a stack name is a letter"),
        ("auth=missing.yaml", "which is not a file"),
    ],
)
def test_a_bad_line_is_refused_naming_the_option_and_the_line(
    tmp_path: Path, line: str, problem: str
) -> None:
    (tmp_path / "auth.yaml").write_text("Resources: {}\n")
    with pytest.raises(SettingsError) as refused:
        read_prerequisite_stacks([line], tmp_path)
    assert f"ini harness_prerequisite_stacks: {line!r}" in str(refused.value)
    assert problem in str(refused.value)


def test_a_stack_named_twice_is_refused(tmp_path: Path) -> None:
    (tmp_path / "auth.yaml").write_text("Resources: {}\n")
    with pytest.raises(SettingsError, match="names stack 'auth' a second time"):
        read_prerequisite_stacks(["auth=auth.yaml", "auth=auth.yaml"], tmp_path)


def test_a_jwt_issuer_that_is_no_pool_here_is_a_gap_naming_api_and_authorizer(
    tmp_path: Path,
) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        (APPS / "cognito_auth" / "template.yaml")
        .read_text()
        .replace(
            '''issuer: !Sub
                - "https://cognito-idp.${AWS::Region}.amazonaws.com/${PoolId}"
                - PoolId:
                    Fn::ImportValue: !Sub "${AuthStackName}-UserPoolId"''',
            "issuer: https://login.example.com/",
        )
    )
    (tmp_path / "src").mkdir()
    model = read_sam_model(template)
    verifiable, unverifiable = read_jwt_authorizers(
        model, lambda value: value, "us-east-1", lambda pool: True
    )
    assert verifiable == {}
    reason = unverifiable[("OrdersHttpApi", "UserPoolJwt")]
    assert reason == "https://login.example.com/ is not a user pool of this embedded AWS"
    registry = AuthorizerRegistry()
    registry.register("jwt", JwtAuthorizers(JwtVerifier("http://unused"), verifiable, unverifiable))
    [gap] = [gap for gap in front_gaps(model, registry) if "UserPoolJwt" in gap.reason]
    assert gap.logical_id == "OrdersHttpApi GET /whoami"
    assert reason in gap.reason


def test_teardown_deletes_every_stack_and_what_it_created() -> None:
    target = EmbeddedTarget(region="us-east-1", cache_dir=Path(".cache/harness-builds"))
    try:
        auth = target.deploy(APPS / "cognito_auth" / "auth.yaml", "teardown-auth", {})
        pool_id = auth.outputs["UserPoolId"]
    finally:
        target.teardown()
    backend = cloudformation_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    assert "teardown-auth" not in {stack.name for stack in backend.stacks.values()}
    assert "teardown-auth" in {stack.name for stack in backend.deleted_stacks.values()}
    assert pool_id not in cognitoidp_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].user_pools


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A repository whose ``app/`` is the Cognito fixture app, sharing our build cache."""
    shutil.copytree(APPS / "cognito_auth", pytester.path / "app")
    shutil.copytree(APPS / "moto_rejects", pytester.path / "rejects")
    (pytester.path / ".cache").symlink_to(REPOSITORY / ".cache", target_is_directory=True)
    pytester.makeconftest(CONFTEST)
    pytester.makeini(PREREQUISITES_INI)
    return pytester


def test_a_passing_session_deploys_the_prerequisites_first_and_removes_the_work_dir(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        """
        import requests

        def test_app(stack, prerequisite_stacks, target, pytestconfig):
            assert list(prerequisite_stacks) == ["harness-auth", "harness-shared"]
            assert requests.get(stack.api_url + "shared-config").json()["greeting"]
            (pytestconfig.rootpath / "workdir-of-passing-session").write_text(
                str(target.workdir)
            )
        """
    )
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    workdir = Path((project.path / "workdir-of-passing-session").read_text())
    assert not workdir.exists()
    assert "work dir kept" not in result.stdout.str()


def test_a_failing_session_keeps_the_work_dir_and_names_it(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        def test_app(stack):
            assert stack.outputs["OrdersApiUrl"] == "not the local API"
        """
    )
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    line = next(line for line in result.outlines if "work dir kept" in line)
    workdir = Path(line.rsplit(": ", 1)[1])
    try:
        assert (workdir / "moto-requests.log").is_file()
        assert (workdir / "harness-auth").is_dir()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def test_a_deploy_moto_rejects_errors_every_test_naming_the_resource_and_keeps_the_logs(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        """
        def test_app(stack):
            raise AssertionError("must not run")
        """
    )
    result = project.runpytest(
        "-p", "no:cacheprovider", "-o", "harness_app_template=rejects/template.yaml"
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*UnnamedParameter (AWS::SSM::Parameter): AttributeError*the stack was removed again*"]
    )
    line = next(line for line in result.outlines if "work dir kept" in line)
    workdir = Path(line.rsplit(": ", 1)[1])
    try:
        assert "Traceback" in (workdir / "moto-errors.log").read_text()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def test_an_authorizer_whose_import_does_not_resolve_is_a_gap_not_a_crash() -> None:
    def unresolvable(value: object) -> object:
        raise KeyError("No export named harness-auth-UserPoolId found.")

    verifiable, unverifiable = read_jwt_authorizers(
        read_sam_model(APPS / "cognito_auth" / "template.yaml"),
        unresolvable,
        "us-east-1",
        lambda pool: True,
    )
    assert verifiable == {}
    assert "do not resolve (KeyError" in unverifiable[("OrdersHttpApi", "UserPoolJwt")]
