"""Secrets in plain text, found in any template, buildspec or other YAML/JSON document.

A scanner of our own rather than detect-secrets or gitleaks: those scan text line by line and
cannot tell ``Password: !Ref DbPassword`` (a reference) or a buildspec's ``secrets-manager``
entry (a secret's name) from a password written down, which is the one distinction that
matters in infrastructure code. So this walks the parsed document and reports:

* AWS access key ids anywhere: the four-letter prefixes of long-term (``AKIA``) and temporary
  (``ASIA``) keys and of the other credential kinds (``ABIA``, ``ACCA``) followed by 16
  characters (IAM User Guide, "Unique identifiers", IAM ID prefixes);
* PEM private keys anywhere (``-----BEGIN ... PRIVATE KEY-----``);
* URLs with a password in their user info (``scheme://user:password@host``, RFC 3986
  section 3.2.1, which calls the form deprecated for this reason), unless the password is a
  ``${...}`` substitution or a dynamic reference;
* values whose name says they hold a secret (password, secret, token, API key, private key,
  credentials) written as a literal. The name is a mapping key (a function's or buildspec's
  variables, any property), the ``Name`` of a ``Name``/``Value`` pair (CodeBuild projects;
  CodePipeline actions' JSON ``name``/``value`` list) unless its type is ``PARAMETER_STORE``
  or ``SECRETS_MANAGER``, or a template parameter's name for its ``Default``. A name whose
  last word says it describes the secret rather than holds it (``SecretArn``, ``TokenName``,
  ``PasswordLength``, ``ImagePullCredentialsType``) is not one; nor are the values of a
  buildspec's ``env.parameter-store`` and ``env.secrets-manager``, which are references.

A literal is a string or number that is not empty, not a dynamic reference
(``{{resolve:secretsmanager:...}}``, ``{{resolve:ssm-secure:...}}``, ``{{resolve:ssm:...}}``)
and not a whole ``${...}`` substitution; an intrinsic function (``Ref``, ``Fn::Sub``...) is a
reference, though the text inside it is still searched for keys and URLs.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from harness.template.loader import line_of

ACCESS_KEY_ID = re.compile(r"\b(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b")
PRIVATE_KEY = re.compile(r"-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----")
CREDENTIAL_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/:@]+:(?P<password>[^\s/@]+)@")
DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:(secretsmanager|ssm-secure|ssm):")
WHOLE_SUBSTITUTION = re.compile(r"^\$\{[^}]+\}$")
SECRET_WORDS = frozenset(
    {"password", "passwd", "passphrase", "secret", "secrets", "token", "credential", "credentials"}
)
SECRET_PAIRS = frozenset({("api", "key"), ("private", "key"), ("access", "key")})
DESCRIBING_WORDS = frozenset(
    {
        "arn", "arns", "id", "ids", "name", "names", "type", "types", "template", "length",
        "ttl", "validity", "units", "header", "path", "prefix", "url", "uri", "policy",
        "source", "enabled", "version", "stage", "rotation", "location", "count", "format",
        "parameter", "manager", "store", "characters", "reference", "references",
    }
)  # fmt: skip
REFERENCE_SECTIONS = frozenset({"parameter-store", "secrets-manager"})
REFERENCE_TYPES = frozenset({"PARAMETER_STORE", "SECRETS_MANAGER"})
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


@dataclass(frozen=True)
class Leak:
    """One secret in plain text: where (a dotted path and its line), and what kind."""

    path: str
    line: int
    kind: str

    @property
    def subject(self) -> str:
        """The resource or parameter it sits in (``Resources.Fn...`` gives ``Fn``), or the path."""
        parts = self.path.split(".")
        return parts[1] if len(parts) > 1 and parts[0] in ("Resources", "Parameters") else self.path

    def describe(self) -> str:
        return f"{self.path} (line {self.line}): {self.kind}"


def words(name: str) -> list[str]:
    """``API_TOKEN_SECRET_ARN`` and ``apiTokenSecretArn`` both give api, token, secret, arn."""
    return [word.lower() for word in _WORD.findall(name)]


def names_a_secret(name: str) -> bool:
    """Whether a value of this name holds a secret, rather than naming or describing one."""
    split = words(name)
    if not split or split[-1] in DESCRIBING_WORDS:
        return False
    return bool(SECRET_WORDS.intersection(split)) or any(
        pair in SECRET_PAIRS for pair in itertools.pairwise(split)
    )


def is_literal(value: Any) -> bool:
    """A value written down: a non-empty string or number, not a reference of any kind."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return False
    text = str(value).strip()
    return bool(text) and not DYNAMIC_REFERENCE.search(text) and not WHOLE_SUBSTITUTION.match(text)


def find_plain_text_secrets(document: Any) -> list[Leak]:
    """Every secret written in plain text in a parsed template or buildspec, in order.

    Lines come from documents read by :func:`harness.load_document` (0 for others).
    """
    return list(_walk(document, (), 0))


def _walk(node: Any, path: tuple[str, ...], line: int) -> Iterator[Leak]:
    if isinstance(node, Mapping):
        yield from _mapping(node, path, line)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk(item, (*path, str(index)), getattr(item, "line", 0) or line)
    elif isinstance(node, str):
        yield from _text(node, path, line)


def _mapping(node: Mapping[str, Any], path: tuple[str, ...], line: int) -> Iterator[Leak]:
    pair = _name_value(node)
    if pair is not None and names_a_secret(pair[0]) and is_literal(pair[1]):
        yield Leak(_dotted((*path, pair[0])), line, f"{pair[0]} holds a secret in plain text")
    if path == ("Parameters",):
        for name, parameter in node.items():
            default = parameter.get("Default") if isinstance(parameter, Mapping) else None
            if names_a_secret(name) and is_literal(default):
                yield Leak(
                    f"Parameters.{name}.Default",
                    line_of(parameter, "Default") or line_of(node, name),
                    f"parameter {name} has a secret as its default",
                )
    for key, value in node.items():
        key_line = line_of(node, str(key)) or line
        here = (*path, str(key))
        if key in REFERENCE_SECTIONS:  # a buildspec's references: names, never values
            continue
        if names_a_secret(str(key)) and is_literal(value) and pair is None:
            yield Leak(_dotted(here), key_line, f"{key} holds a secret in plain text")
            continue
        yield from _walk(value, here, key_line)


def _name_value(node: Mapping[str, Any]) -> tuple[str, Any] | None:
    """(name, value) of a CodeBuild-style variable, unless its type makes the value a reference."""
    for name_key, value_key, type_key in (("Name", "Value", "Type"), ("name", "value", "type")):
        if isinstance(node.get(name_key), str) and value_key in node:
            if node.get(type_key) in REFERENCE_TYPES:
                return None
            return node[name_key], node[value_key]
    return None


def _text(text: str, path: tuple[str, ...], line: int) -> Iterator[Leak]:
    where = _dotted(path)
    if ACCESS_KEY_ID.search(text):
        yield Leak(where, line, "an AWS access key id")
    if PRIVATE_KEY.search(text):
        yield Leak(where, line, "a private key")
    for found in CREDENTIAL_URL.finditer(text):
        if is_literal(found["password"]):
            yield Leak(where, line, "a URL with a password in it")
    embedded = _json_list(text)
    if embedded is not None:  # CodePipeline's EnvironmentVariables: a JSON list in a string
        for item in embedded:
            yield from _walk(item, path, line)


def _json_list(text: str) -> list[Any] | None:
    if not text.lstrip().startswith("["):
        return None
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        return None
    return (
        [item for item in parsed if isinstance(item, Mapping)] if isinstance(parsed, list) else None
    )


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join(path)
