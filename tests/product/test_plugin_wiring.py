"""The plugin as an installed package offers it: by entry point, once, decided early."""

from __future__ import annotations

import textwrap

import pytest

REGISTRATIONS = textwrap.dedent(
    """
    def test_registered_once(pytestconfig):
        manager = pytestconfig.pluginmanager
        names = [getattr(p, "__name__", "") for p in manager.get_plugins()]
        assert names.count("harness.plugin.options") == 1
        assert manager.has_plugin("harness.plugin")

    def test_fixtures_come_with_it(harness_settings):
        assert harness_settings.target == "embedded"
    """
)


@pytest.mark.parametrize(
    "conftest",
    [
        None,
        'pytest_plugins = ["harness.plugin"]',
        'pytest_plugins = ["harness.pytest_plugin", "harness.plugin.targets"]',
    ],
    ids=["entry-point-only", "conftest-names-it", "conftest-names-the-old-module"],
)
def test_the_entry_point_loads_the_plugin_and_a_conftest_never_loads_it_twice(
    pytester: pytest.Pytester, conftest: str | None
) -> None:
    if conftest:
        pytester.makeconftest(conftest)
    pytester.makepyfile(test_plugin=REGISTRATIONS)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_it_can_be_switched_off(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest_subprocess("-p", "no:harness.plugin", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "harness settings" not in result.stdout.str()


def test_requires_is_decided_before_any_session_fixture_is_built(
    pytester: pytest.Pytester,
) -> None:
    """Were the target started, this one would fail the session; the tests skip instead."""
    pytester.makeconftest(
        textwrap.dedent(
            """
            import pytest

            @pytest.fixture(scope="session")
            def target():
                raise AssertionError("a session fixture was built for a skipped test")
            """
        )
    )
    pytester.makepyfile(
        textwrap.dedent(
            """
            import harness
            import pytest

            pytestmark = pytest.mark.requires("http_api")

            @harness.requires("deploy")
            def test_deploys(stack):
                raise AssertionError("must not run")

            @pytest.mark.requires("deploy", "logs")
            def test_release(target):
                raise AssertionError("must not run")
            """
        )
    )
    result = pytester.runpytest("-rs", "-p", "no:cacheprovider", "--target", "aws")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(
        [
            "*target 'aws' lacks capability deploy",
            "*target 'aws' lacks capability deploy",
        ]
    )


def test_an_unknown_capability_is_refused_naming_the_known_ones(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "import pytest\n\n@pytest.mark.requires('alarm')\ndef test_x():\n    pass\n"
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "requires() names unknown capabilities ['alarm']; known: alarms" in result.stderr.str()


def test_a_tests_folder_layout_gets_its_layer_markers(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nharness_suites_dir = tests\n")
    for layer in ("unit", "template", "integration", "smoke"):
        marker = "\nimport pytest\npytestmark = pytest.mark.readonly\n" if layer == "smoke" else ""
        (pytester.path / "tests" / layer).mkdir(parents=True)
        (pytester.path / "tests" / layer / f"test_{layer}.py").write_text(
            f"{marker}\ndef test_in_{layer}(request):\n"
            f"    assert request.node.get_closest_marker('{layer}')\n"
        )
    (pytester.path / "tests" / "test_loose.py").write_text("def test_loose():\n    pass\n")
    for layer in ("unit", "template", "integration"):
        selected = pytester.runpytest("tests", "-m", layer, "-p", "no:cacheprovider")
        selected.assert_outcomes(passed=1, deselected=4)
    offline = pytester.runpytest("tests", "-m", "unit or template", "-p", "no:cacheprovider")
    offline.assert_outcomes(passed=2, deselected=3)


def test_the_pipeline_fixtures_come_from_the_plugin(pytester: pytest.Pytester) -> None:
    (pytester.path / "ci").mkdir()
    (pytester.path / "ci" / "pipeline.yaml").write_text(
        "Resources:\n  Pipeline:\n    Type: AWS::CodePipeline::Pipeline\n"
    )
    pytester.makeini("[pytest]\nharness_pipeline_template = ci/pipeline.yaml\n")
    pytester.makepyfile(
        textwrap.dedent(
            """
            def test_pipeline(pipeline_template, repo_root):
                assert pipeline_template.resource("Pipeline").type == "AWS::CodePipeline::Pipeline"
                assert (repo_root / "ci").is_dir()

            def test_bootstrap(bootstrap_template):
                pass
            """
        )
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*stage-bootstrap.yaml: no such template (set it with the option harness_stage_boot*"]
    )
