"""The lint helper: errors fail, warnings are reported, ignores need reasons.

Findings are checked both from cfn-lint in this process and from the child process the
template layer lints in, where they cross a process boundary before being located.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.template import Template
from harness.template.lint import LintRunner
from harness.template.lint_process import LintProcess
from harness.template.lint_report import LintFinding, LintReport, LintWarning
from harness.template.transform import transformed_template

TEMPLATES = Path(__file__).parents[2] / "fixtures" / "templates"
WARNING = LintFinding("W3005", "warning", "obsolete DependsOn", "t.yaml:3")
ERROR = LintFinding("E3012", "error", "wrong type", "t.yaml:7")


@pytest.fixture(scope="module", params=["in-process", "child-process"])
def runner(request: pytest.FixtureRequest) -> Iterator[LintRunner | LintProcess]:
    """The same behaviour is owed by the runner and by the process the layer lints in."""
    if request.param == "in-process":
        yield LintRunner()
        return
    process = LintProcess()
    yield process
    process.close()


def test_errors_fail_with_rule_and_location() -> None:
    with pytest.raises(AssertionError, match=r"1 error\(s\) in t.yaml\n  t.yaml:7: E3012"):
        LintReport("t.yaml", (ERROR,)).assert_clean()


def test_warnings_are_reported_not_failed() -> None:
    with pytest.warns(LintWarning, match="W3005"):
        assert LintReport("t.yaml", (WARNING,)).assert_clean() == [WARNING]


def test_an_ignore_needs_a_reason() -> None:
    report = LintReport("t.yaml", (ERROR,))
    with pytest.raises(ValueError, match="E3012 needs a written reason"):
        report.assert_clean(ignore={"E3012": " "})
    assert report.assert_clean(ignore={"E3012": "the schema lags the service"}) == []


def test_serverless_rules_run_on_the_source_file(runner: LintRunner | LintProcess) -> None:
    report = runner.lint(TEMPLATES / "small_sam.yaml")
    tracing = [f for f in report.findings if f.rule_id == "WS1000"]
    assert tracing
    assert tracing[0].location.endswith("small_sam.yaml:29")


def test_transformed_findings_point_at_the_sam_resource(runner: LintRunner | LintProcess) -> None:
    template = transformed_template(TEMPLATES / "small_sam.yaml", {"Stage": "dev"}, "us-east-1")
    report = runner.lint(template)
    tracing = [f for f in report.findings if f.rule_id == "WS1000"]
    assert [f.location.split(" (")[0] for f in tracing] == ["WriteFunction"]
    assert "from SAM WriteFunction" in tracing[0].location


def test_a_schema_error_fails_assert_clean(runner: LintRunner | LintProcess) -> None:
    document = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"Nope": 1}}}}
    with pytest.raises(AssertionError, match="E3002"):
        runner.lint(Template(document, label="inline")).assert_clean()
