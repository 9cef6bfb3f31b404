"""No secret in plain text in the pipeline, and each stage's token read only by that stage.

The scanner (``harness.find_plain_text_secrets``, the one behind the check pack's HC104) reads
the pipeline template, the stage bootstrap and every buildspec the projects run: keys, private
keys, URLs with passwords, and secret-named literals in properties, CodeBuild project and
action variables, buildspec ``env.variables`` and parameter defaults.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from harness import (
    Contains,
    Regex,
    Template,
    action_environment,
    codebuild_actions,
    find_plain_text_secrets,
    sub_text,
)

pytestmark = pytest.mark.template

READS_A_SECRET = Regex(r"^secretsmanager:(\*|GetSecretValue|BatchGetSecretValue)$")
# The app stack's token (app/template.yaml ApiTokenSecret): <stack>/api-token, and the random
# suffix Secrets Manager appends to every secret's ARN.
TOKEN_ARN = re.compile(
    r"^arn:\$\{AWS::Partition\}:secretsmanager:\$\{AWS::Region\}:\$\{AWS::AccountId\}:secret:"
    r"\$\{AppStackPrefix\}-(?P<stage>[a-z${}A-Z]+)/api-token-\?{6}$"
)
TOKEN_VARIABLE = "ITEMS_API_TOKEN"


def _leaks(document: object, label: str) -> list[str]:
    return [f"  {label}: {leak.describe()}" for leak in find_plain_text_secrets(document)]


def test_no_secret_in_the_templates_or_the_buildspecs(
    pipeline_template: Template, bootstrap_template: Template, repo_root: Path
) -> None:
    problems = _leaks(pipeline_template.document, pipeline_template.label)
    problems += _leaks(bootstrap_template.document, bootstrap_template.label)
    buildspecs = {
        str(found.project.properties["Source"]["BuildSpec"])
        for found in codebuild_actions(pipeline_template)
    }
    for buildspec in sorted(buildspecs):
        problems += _leaks(yaml.safe_load((repo_root / buildspec).read_text()), buildspec)
    assert not problems, "secrets written in plain text:\n" + "\n".join(problems)


def _secret_grants(template: Template) -> dict[str, list[str]]:
    """Resource text of every statement that may read a secret's value, by role or policy."""
    grants: dict[str, list[str]] = {}
    reads = template.iam_statements().where(
        {"Effect": "Allow", "Action": Contains([READS_A_SECRET])}
    )
    for statement in reads:
        grants.setdefault(statement.resource.logical_id, []).extend(
            sub_text(resource) for resource in statement.body.get("Resource", [])
        )
    return grants


def test_only_the_smoke_gate_and_the_writing_stages_test_roles_read_a_token(
    pipeline_template: Template, bootstrap_template: Template
) -> None:
    """The smoke gate's project role: staging's token only (CodeBuild resolves its variable);
    the bootstrap's test role: its own stage's token, on dev and staging; prod's: none."""
    staging_token = (
        "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:"
        "${AppStackPrefix}-staging/api-token-??????"
    )
    grants = _secret_grants(pipeline_template)
    assert grants == {"SmokeGateProjectRolePolicy": [staging_token]}, (
        f"{pipeline_template.label}: secret reads {grants}; only the smoke gate's, of "
        f"{staging_token}"
    )
    for stage, readers in (("dev", 1), ("staging", 1), ("prod", 0)):
        grants = _secret_grants(bootstrap_template.with_parameters(Stage=stage))
        resources = [resource for listed in grants.values() for resource in listed]
        assert len(resources) == readers, f"{stage}: secret reads {grants}"
        for resource in resources:
            found = TOKEN_ARN.match(resource)
            assert found is not None, f"{stage}: {resource} is not one stage's API token"
            assert found["stage"] == "${Stage}", f"{stage}: {resource} names another stage"


def test_the_smoke_gate_gets_the_token_from_secrets_manager(pipeline_template: Template) -> None:
    """The action's variable is a SECRETS_MANAGER reference to staging's token (key token),
    never a value; no other action names the token."""
    for found in codebuild_actions(pipeline_template):
        raw = found.action.configuration.get("EnvironmentVariables", "[]")
        text = raw.get("Fn::Sub") if isinstance(raw, dict) else raw
        entries = json.loads(text[0] if isinstance(text, list) else text)
        token = [entry for entry in entries if entry["name"] == TOKEN_VARIABLE]
        if found.action.name != "SmokeSuite":
            assert not token, f"{found}: {TOKEN_VARIABLE} is only the smoke gate's"
            continue
        assert action_environment(found)[TOKEN_VARIABLE] == "${TokenReference}", found
        assert token[0]["type"] == "${TokenType}", found
        variables = text[1]
        assert variables["TokenType"]["Fn::If"][1] == "SECRETS_MANAGER", found
        reference = variables["TokenReference"]["Fn::If"][1]
        assert sub_text(reference) == "${AppStackPrefix}-staging/api-token:token", found
