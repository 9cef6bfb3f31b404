"""The plain-text secret scanner: what it reports, and the references it leaves alone."""

from __future__ import annotations

import json

import pytest

from harness.checks.secrets import find_plain_text_secrets, names_a_secret
from harness.template.loader import parse_yaml

FAKE_KEY_ID = "AKIA" + "Z" * 16  # built here so this file holds no key-shaped literal


def kinds(document: object) -> list[tuple[str, str]]:
    return [(leak.path, leak.kind) for leak in find_plain_text_secrets(document)]


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("DB_PASSWORD", True),
        ("apiKey", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("OAuthToken", True),
        ("API_TOKEN_SECRET_ARN", False),
        ("SecretStringTemplate", False),
        ("PasswordLength", False),
        ("ImagePullCredentialsType", False),
        ("TABLE_NAME", False),
    ],
)
def test_a_name_holds_a_secret_unless_its_last_word_describes_one(name: str, secret: bool) -> None:
    assert names_a_secret(name) is secret


def test_keys_private_keys_and_urls_with_passwords_are_found_anywhere() -> None:
    document = {
        "Resources": {
            "Fn": {"Properties": {"Code": {"ZipFile": f"key = '{FAKE_KEY_ID}'"}}},
            "Cert": {"Properties": {"Body": "-----BEGIN RSA PRIVATE KEY-----\nMII..."}},
            "Db": {"Properties": {"Url": {"Fn::Sub": "postgres://app:hunter22@${Host}/db"}}},
            "Ok": {"Properties": {"Url": {"Fn::Sub": "postgres://app:${Password}@${Host}/db"}}},
        }
    }
    assert kinds(document) == [
        ("Resources.Fn.Properties.Code.ZipFile", "an AWS access key id"),
        ("Resources.Cert.Properties.Body", "a private key"),
        ("Resources.Db.Properties.Url.Fn::Sub", "a URL with a password in it"),
    ]


def test_secret_named_literals_are_found_and_references_are_not() -> None:
    document = parse_yaml(
        """
Parameters:
  AdminPassword: {Type: String, NoEcho: true, Default: changeme}
  ApiTokenName: {Type: String, Default: prod/token}
Resources:
  Fn:
    Properties:
      Environment:
        Variables:
          DB_PASSWORD: hunter22
          API_KEY: !Ref ApiKeyParameter
          TOKEN: "{{resolve:secretsmanager:prod/token:SecretString:token}}"
          EMPTY_SECRET: ""
  Project:
    Properties:
      Environment:
        EnvironmentVariables:
          - {Name: GITHUB_TOKEN, Value: ghp-literal}
          - {Name: NPM_TOKEN, Type: SECRETS_MANAGER, Value: ci/npm:token}
  Pipeline:
    Properties:
      Configuration:
        EnvironmentVariables: >-
          [{"name": "SLACK_TOKEN", "value": "xoxb-literal", "type": "PLAINTEXT"},
          {"name": "ITEMS_API_TOKEN", "value": "${Reference}", "type": "${Type}"}]
"""
    )
    assert kinds(document) == [
        ("Parameters.AdminPassword.Default", "parameter AdminPassword has a secret as its default"),
        (
            "Resources.Fn.Properties.Environment.Variables.DB_PASSWORD",
            "DB_PASSWORD holds a secret in plain text",
        ),
        (
            "Resources.Project.Properties.Environment.EnvironmentVariables.0.GITHUB_TOKEN",
            "GITHUB_TOKEN holds a secret in plain text",
        ),
        (
            "Resources.Pipeline.Properties.Configuration.EnvironmentVariables.SLACK_TOKEN",
            "SLACK_TOKEN holds a secret in plain text",
        ),
    ]
    leak = find_plain_text_secrets(document)[1]
    assert (leak.subject, leak.line) == ("Fn", 10)


def test_a_buildspecs_references_are_names_and_its_variables_are_values() -> None:
    buildspec = {
        "version": 0.2,
        "env": {
            "variables": {"DEPLOY_TOKEN": "abc123", "REGION": "eu-west-1"},
            "secrets-manager": {"API_TOKEN": "prod/api-token:token"},
            "parameter-store": {"DB_PASSWORD": "/prod/db/password"},
        },
        "phases": {"build": {"commands": [f"export AWS_ACCESS_KEY_ID={FAKE_KEY_ID}"]}},
    }
    assert kinds(json.loads(json.dumps(buildspec))) == [
        ("env.variables.DEPLOY_TOKEN", "DEPLOY_TOKEN holds a secret in plain text"),
        ("phases.build.commands.0", "an AWS access key id"),
    ]
