"""The filter pattern subset ``harness logs`` applies to the embedded target's log files."""

from __future__ import annotations

import json

import pytest

from harness.logs.filter_pattern import FilterPattern, UnsupportedFilterPattern

POWERTOOLS_ERROR = json.dumps(
    {"level": "ERROR", "message": "write failed", "status": 503, "item": {"tags": ["a", "b"]}}
)
POWERTOOLS_INFO = json.dumps({"level": "INFO", "message": "item stored", "status": 201})


@pytest.mark.parametrize(
    ("pattern", "message", "matches"),
    [
        ("", "anything", True),
        ("ERROR", "[ERROR] boom", True),
        ("ERROR", "[error] boom", False),  # case-sensitive
        ("ERROR boom", "boom ERROR", True),  # every term, any order
        ("ERROR boom", "ERROR only", False),
        ('"item stored"', "the item stored now", True),
        ('"item stored"', "item was stored", False),
        ("ERROR -Timeout", "ERROR disk", True),
        ("ERROR -Timeout", "ERROR Timeout", False),
        ('-"health check"', "GET /health", True),
        ('-"health check"', "a health check", False),
        ("?ERROR ?WARN", "WARN low disk", True),
        ("?ERROR ?WARN", "INFO fine", False),
        ('{ $.level = "ERROR" }', POWERTOOLS_ERROR, True),
        ('{ $.level = "ERROR" }', POWERTOOLS_INFO, False),
        ("{ $.level = ERR* }", POWERTOOLS_ERROR, True),
        ('{ $.level != "INFO" }', POWERTOOLS_ERROR, True),
        ('{ $.missing != "INFO" }', POWERTOOLS_ERROR, False),
        ("{ $.status >= 500 }", POWERTOOLS_ERROR, True),
        ("{ $.status >= 500 }", POWERTOOLS_INFO, False),
        ("{ $.status = 201 }", POWERTOOLS_INFO, True),
        ('{ $.item.tags[1] = "b" }', POWERTOOLS_ERROR, True),
        ('{ $.item.tags[5] = "b" }', POWERTOOLS_ERROR, False),
        ('{ $.level = "INFO" || $.status > 500 }', POWERTOOLS_ERROR, True),
        ('{ $.level = "INFO" && $.status > 500 }', POWERTOOLS_ERROR, False),
        (
            '{ ($.level = "INFO" || $.status > 500) && $.message = "write*" }',
            POWERTOOLS_ERROR,
            True,
        ),
        ('{ $.level = "ERROR" }', "[ERROR] not json", False),
    ],
)
def test_the_supported_syntax_matches_as_cloudwatch_documents_it(
    pattern: str, message: str, matches: bool
) -> None:
    assert FilterPattern.parse(pattern).matches(message) is matches


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ("%ERR(OR)?%", "regular expressions (%...%) are not supported"),
        ("[ip, user, status=5*]", "space-delimited patterns ([...]) are not supported"),
        ("{ $.error IS TRUE }", "IS TRUE/FALSE/NULL and NOT EXISTS selectors are not supported"),
        ("?ERROR Timeout", "?terms mixed with required or -excluded terms are not supported"),
        ('"unbalanced', "unbalanced quote"),
        ('{ $.level = "ERROR"', "it ends too early"),
        ('{ $.level = "ERROR" } extra', "text after the closing }"),
        ("{ level = ERROR }", "expected a selector like $.level, found 'level'"),
        ('{ $.status > "high" }', "> compares numbers; 'high' is not one"),
    ],
)
def test_what_is_not_supported_is_refused_naming_the_pattern(pattern: str, says: str) -> None:
    with pytest.raises(UnsupportedFilterPattern) as refused:
        FilterPattern.parse(pattern)
    assert says in str(refused.value)
    assert repr(pattern) in str(refused.value)
