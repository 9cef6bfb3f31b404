"""CodeBuild's phase semantics in the executor, and the shard split, without a pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.pipeline.buildspec import parse_buildspec
from harness.pipeline.codebuild import BuildRequest, BuildResult, run_build
from harness.pipeline.sharding import ShardError, assign, parse_shard


def build(tmp_path: Path, document: dict) -> BuildResult:
    source = tmp_path / "src"
    source.mkdir(exist_ok=True)
    request = BuildRequest(
        project_name="p",
        buildspec=parse_buildspec({"version": 0.2, **document}, "buildspec.yml"),
        source_dir=source,
        secondary_sources={},
        variables={"FROM_ACTION": "action"},
        codebuild_variables={"CODEBUILD_BUILD_ID": "p:1"},
        cache_dir=None,
        timeout_s=60,
    )
    return run_build(
        request,
        container_root=tmp_path / "container",
        base_environment={},
        read_parameter=lambda kind, name: f"{kind}:{name}",
        log_path=tmp_path / "build.log",
    )


def test_state_carries_between_commands_and_post_build_runs_after_a_failed_build(
    tmp_path: Path,
) -> None:
    result = build(
        tmp_path,
        {
            "env": {"variables": {"FROM_ACTION": "buildspec"}, "exported-variables": ["OUT"]},
            "phases": {
                "install": {"commands": ["export OUT=a", "PLAIN=b", "mkdir -p sub && cd sub"]},
                "build": {"commands": ['export OUT="$OUT-$PLAIN-$(basename "$PWD")"', "false"]},
                "post_build": {"commands": ['export OUT="$OUT-$CODEBUILD_BUILD_SUCCEEDING"']},
            },
        },
    )
    assert result.status == "FAILED"
    assert result.exported == {"OUT": "a-b-sub-0"}
    assert [phase.status for phase in result.phases] == ["SUCCEEDED", "FAILED", "SUCCEEDED"]
    assert result.failure == "Error while executing command: false. Reason: exit status 1"


def test_a_failed_install_skips_every_later_phase_but_runs_its_finally(tmp_path: Path) -> None:
    result = build(
        tmp_path,
        {
            "phases": {
                "install": {"commands": ["exit 4", "echo never"], "finally": ["echo finally"]},
                "build": {"commands": ["echo build"]},
            }
        },
    )
    assert [phase.name for phase in result.phases] == ["install"]
    assert result.phases[0].exit_code == 4
    log = (tmp_path / "build.log").read_text()
    assert "finally" in log
    assert "never" not in log


def test_on_failure_continue_goes_on_to_the_next_phase_and_the_build_still_fails(
    tmp_path: Path,
) -> None:
    result = build(
        tmp_path,
        {
            "phases": {
                "install": {"commands": ["false"], "on-failure": "CONTINUE"},
                "build": {"commands": ["echo ran"]},
            }
        },
    )
    assert [phase.name for phase in result.phases] == ["install", "build"]
    assert result.status == "FAILED"


def test_start_build_overrides_win_over_the_buildspec(tmp_path: Path) -> None:
    result = build(
        tmp_path,
        {
            "env": {
                "variables": {"FROM_ACTION": "buildspec"},
                "parameter-store": {"SECRET": "/app/secret"},
                "exported-variables": ["FROM_ACTION", "SECRET"],
            },
            "phases": {"build": {"commands": ["true"]}},
        },
    )
    assert result.exported == {"FROM_ACTION": "action", "SECRET": "PARAMETER_STORE:/app/secret"}


def test_artifacts_follow_base_directory_and_discard_paths(tmp_path: Path) -> None:
    result = build(
        tmp_path,
        {
            "phases": {"build": {"commands": ["mkdir -p out/a/b", "echo x > out/a/b/f.txt"]}},
            "artifacts": {"base-directory": "out", "files": ["**/*"], "discard-paths": "yes"},
        },
    )
    assert result.artifact_dir is not None
    assert sorted(p.name for p in result.artifact_dir.rglob("*")) == ["f.txt"]


def test_artifacts_that_match_nothing_fail_the_build(tmp_path: Path) -> None:
    result = build(
        tmp_path,
        {"phases": {"build": {"commands": ["true"]}}, "artifacts": {"files": ["missing.zip"]}},
    )
    assert result.status == "FAILED"
    assert "no matching artifact paths found: missing.zip" in str(result.failure)


def test_shards_cover_every_test_once_deterministically_and_balanced() -> None:
    ids = [f"t{index}" for index in range(10)]
    durations = {"t0": 10.0, "t1": 9.0, "t2": 1.0}
    shards = assign(ids, durations, 2)
    assert sorted(test for shard in shards for test in shard) == sorted(ids)
    again = assign(list(reversed(ids)), durations, 2)
    assert [set(shard) for shard in shards] == [set(shard) for shard in again]
    weight = [sum(durations.get(test, 1.0) for test in shard) for shard in shards]
    assert abs(weight[0] - weight[1]) <= 2.0, weight
    assert "t0" in shards[0]
    assert "t1" in shards[1], "the two long tests land on different shards"


@pytest.mark.parametrize("text", ["0/2", "3/2", "1", "a/b"])
def test_a_malformed_shard_is_refused_naming_it(text: str) -> None:
    with pytest.raises(ShardError, match=text.replace("/", "/")):
        parse_shard(text)


def test_shard_option_keeps_one_shard_of_the_collected_tests(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["harness.pytest_plugin"]')
    pytester.makeini("[pytest]\nharness_test_durations = durations.json\n")
    pytester.makepyfile(test_some="\n".join(f"def test_{n}(): pass" for n in "abcd"))
    durations = {"a": 5, "b": 1, "c": 1, "d": 1}
    (pytester.path / "durations.json").write_text(
        json.dumps({f"test_some.py::test_{name}": seconds for name, seconds in durations.items()})
    )
    pytester.runpytest("--shard", "1/2").assert_outcomes(passed=1)
    pytester.runpytest("--shard", "2/2").assert_outcomes(passed=3)
    first = pytester.runpytest("--shard", "1/2", "--co", "-q").stdout.str()
    assert "test_some.py::test_a" in first, "the long test is alone on the first shard"
    bad = pytester.runpytest("--shard", "3/2")
    assert "--shard '3/2': K must be between 1 and N" in bad.stderr.str()
