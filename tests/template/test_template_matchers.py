"""Each matcher, passing and failing, and what its mismatches say."""

from __future__ import annotations

from typing import Any

import pytest

from harness.template.match import (
    Absent,
    AnyOf,
    Capture,
    Contains,
    Each,
    Exactly,
    JsonString,
    Not,
    Present,
    RefersTo,
    Regex,
    Satisfies,
    match,
)

FUNCTION = {
    "Type": "AWS::Lambda::Function",
    "Properties": {
        "Runtime": "python3.12",
        "Timeout": 10,
        "TracingConfig": {"Mode": "Active"},
        "Layers": ["a", "b", "c"],
        "Enabled": True,
        "Format": '{"requestId": "$context.requestId"}',
        "Role": {"Fn::GetAtt": ["FunctionRole", "Arn"]},
    },
}


@pytest.mark.parametrize(
    "pattern",
    [
        {"Properties": {"TracingConfig": {"Mode": "Active"}}},
        {"Properties": {"Layers": ["a", "b", "c"]}},
        {"Properties": {"Handler": Absent(), "Runtime": Present()}},
        {"Properties": {"Runtime": Not("python3.9")}},
        {"Properties": {"Runtime": AnyOf("python3.12", "python3.13")}},
        {"Properties": {"Runtime": Regex(r"^python3\.1[23]$")}},
        {"Properties": {"Layers": Contains(["c", "a"])}},
        {"Properties": {"Layers": Each(Regex("^[abc]$"))}},
        {"Properties": {"Format": JsonString({"requestId": Present()})}},
        {"Properties": {"Timeout": Satisfies(lambda t: t < 30, "below 30")}},
        {"Properties": {"Role": RefersTo("FunctionRole")}},
        {"Properties": {"Enabled": True}},
        Exactly({"Type": "AWS::Lambda::Function", "Properties": FUNCTION["Properties"]}),
    ],
)
def test_matching_patterns_pass(pattern: Any) -> None:
    result = match(pattern, FUNCTION)
    assert result.ok, result.mismatches


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        (
            {"Properties": {"TracingConfig": {"Mode": "PassThrough"}}},
            "Properties.TracingConfig.Mode",
            "'PassThrough'",
        ),
        ({"Properties": {"Layers": ["a", "b"]}}, "Properties.Layers[2]", "no item (a list of 2)"),
        ({"Properties": {"Layers": ["a", "b", "c", "d"]}}, "Properties.Layers[3]", "'d'"),
        ({"Properties": {"Runtime": Absent()}}, "Properties.Runtime", "absent"),
        ({"Properties": {"Handler": Present()}}, "Properties.Handler", "present"),
        (
            {"Properties": {"Runtime": Not(Regex("python"))}},
            "Properties.Runtime",
            "not a string matching /python/",
        ),
        (
            {"Properties": {"Runtime": AnyOf("nodejs20.x", "java21")}},
            "Properties.Runtime",
            "any of 'nodejs20.x' | 'java21'",
        ),
        ({"Properties": {"Runtime": AnyOf()}}, "Properties.Runtime", "any of (no options)"),
        (
            {"Properties": {"Runtime": Regex("^node")}},
            "Properties.Runtime",
            "a string matching /^node/",
        ),
        (
            {"Properties": {"Layers": Contains(["a", "z"])}},
            "Properties.Layers",
            "a list containing 'z'",
        ),
        ({"Properties": {"Layers": Each("a")}}, "Properties.Layers[1]", "'a'"),
        (
            {"Properties": {"Format": JsonString({"status": Present()})}},
            "Properties.Format.status",
            "present",
        ),
        ({"Properties": {"Runtime": JsonString({})}}, "Properties.Runtime", "a JSON string of"),
        (
            {"Properties": {"Timeout": Satisfies(lambda t: t > 30, "above 30")}},
            "Properties.Timeout",
            "above 30",
        ),
        (
            {"Properties": {"Role": RefersTo("OtherRole")}},
            "Properties.Role",
            "a reference to OtherRole",
        ),
        ({"Properties": {"Enabled": 1}}, "Properties.Enabled", "1"),
        ({"Properties": {"Timeout": {"Ref": "T"}}}, "Properties.Timeout", "an object like"),
        (
            Exactly({"Type": "AWS::Lambda::Function"}),
            "Properties",
            "absent (not in the exact pattern)",
        ),
        (
            Exactly({"Properties": {"Runtime": "python3.12"}, "Type": Present()}),
            "Properties.Timeout",
            "absent (not in the exact pattern)",
        ),
    ],
)
def test_mismatches_name_the_path_and_the_expectation(
    pattern: Any, path: str, expected: str
) -> None:
    result = match(pattern, FUNCTION)
    assert not result.ok
    rendered = [str(mismatch) for mismatch in result.mismatches]
    assert any(line.startswith(f"{path}: expected {expected}") for line in rendered), rendered


def test_every_mismatch_is_reported_not_only_the_first() -> None:
    result = match(
        {"Properties": {"Runtime": "java21", "Timeout": 900, "Handler": Present()}}, FUNCTION
    )
    assert [m.path[-1] for m in result.mismatches] == ["Runtime", "Timeout", "Handler"]
    assert "found 'python3.12'" in str(result.mismatches[0])


def test_contains_pairs_items_without_reusing_one() -> None:
    assert match(Contains([Present(), "a"]), ["a", "b"]).ok
    assert not match(Contains(["a", "a"]), ["a", "b"]).ok
    assert not match(Contains(["a"]), "a").ok


def test_refers_to_finds_sub_variables_and_nested_refs() -> None:
    assert match(RefersTo("Table"), {"Fn::Sub": "arn:aws:dynamodb:::table/${Table}"}).ok
    assert match(RefersTo("Table"), {"Fn::Sub": "${Table.Arn}/index/*"}).ok
    assert match(RefersTo("Table"), {"Fn::Sub": ["x/${t}", {"t": {"Ref": "Table"}}]}).ok
    assert not match(RefersTo("Table"), {"Fn::Sub": "${TableTwo}"}).ok
    assert not match(RefersTo("Table"), "*").ok


def test_capture_records_only_values_of_a_full_match() -> None:
    runtime = Capture()
    assert match({"Properties": {"Runtime": runtime}}, FUNCTION).ok
    assert runtime.value == "python3.12"
    missed = Capture(Regex("python"))
    assert not match({"Properties": {"Runtime": missed, "Timeout": 1}}, FUNCTION).ok
    assert missed.values == []
    with pytest.raises(AssertionError, match="captured nothing"):
        _ = missed.value


def test_capture_inside_not_and_failed_alternatives_records_nothing() -> None:
    inside_not = Capture()
    assert match({"Properties": {"Runtime": Not(inside_not)}}, {"Properties": {}}).ok
    assert inside_not.values == []
    second = Capture("python3.12")
    assert match({"Properties": {"Runtime": AnyOf(Capture("java21"), second)}}, FUNCTION).ok
    assert second.values == ["python3.12"]
