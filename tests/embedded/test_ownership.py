"""Leftovers of dead harness processes are swept by their owner's PID, never by age."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import pytest

from harness.build.builder import sweep_staging
from harness.build.ownership import owned_tempdir, process_alive, sweep_dead_owners
from harness.targets.embedded.target import EmbeddedTarget


@pytest.fixture(scope="module")
def dead_pid() -> int:
    """The PID of a process that has exited and been reaped."""
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(finished.stdout)


def test_an_owned_dir_names_this_process(tmp_path):
    owned = owned_tempdir("harness-embedded-", tmp_path)
    assert owned.name.startswith(f"harness-embedded-owner-{os.getpid()}-")


def test_the_sweep_removes_a_dead_owners_dir_and_keeps_a_live_ones(tmp_path, dead_pid):
    dead = tmp_path / f"harness-embedded-owner-{dead_pid}-abc123_x"
    live = owned_tempdir("harness-embedded-", tmp_path)
    ownerless = tmp_path / "harness-embedded-k2j3h4g5"  # made before owners were named
    other = tmp_path / f"something-else-owner-{dead_pid}-abc123_x"
    for directory in (dead, ownerless, other):
        directory.mkdir()
        (directory / "file").write_text("left behind")
    assert not process_alive(dead_pid)
    assert sweep_dead_owners(tmp_path, "harness-embedded-") == [dead]
    assert not dead.exists()
    assert live.is_dir()
    assert ownerless.is_dir()
    assert other.is_dir()


def test_half_built_cache_entries_of_dead_builders_are_swept(tmp_path, dead_pid):
    builds = tmp_path / "builds"
    builds.mkdir()
    finished = builds / "src-0123456789abcdef"
    half_built = builds / f".src-0123456789abcdef.owner-{dead_pid}-q1w2e3r4"
    still_building = owned_tempdir(".src-fedcba9876543210.", builds)
    for directory in (finished, half_built):
        directory.mkdir()
    assert sweep_staging(tmp_path) == [half_built]
    assert finished.is_dir()
    assert still_building.is_dir()


def test_the_embedded_target_sweeps_at_start(tmp_path, dead_pid, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead_workdir = tmp_path / f"harness-embedded-owner-{dead_pid}-abc123_x"
    dead_workdir.mkdir()
    cache = tmp_path / "cache"
    dead_staging = cache / "deps" / f".python3.12-3.12.1-00ff.owner-{dead_pid}-zz99yy88"
    dead_staging.mkdir(parents=True)
    target = EmbeddedTarget(region="us-east-1", cache_dir=cache)
    try:
        assert not dead_workdir.exists()
        assert not dead_staging.exists()
        assert target._workdir.parent == tmp_path
        assert target._workdir.name.startswith(f"harness-embedded-owner-{os.getpid()}-")
    finally:
        target.teardown()
