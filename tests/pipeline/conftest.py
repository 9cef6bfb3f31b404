"""Throwaway git repositories holding the fixture pipelines, and a way to rehearse them."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.pipeline.actions import APPROVE
from harness.pipeline.progress import Progress
from harness.pipeline.record import RunRecord
from harness.pipeline.rehearsal import RehearsalOptions, rehearse

FIXTURES = Path(__file__).parents[2] / "fixtures"
MINI = FIXTURES / "pipelines" / "mini"
RELEASE = FIXTURES / "pipelines" / "release"
CANARY_APP = FIXTURES / "apps" / "canary"


def git(repo: Path, *arguments: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *arguments],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def committed_repository(repo: Path, pipeline: Path, **folders: Path) -> Path:
    """``pipeline``'s files (and each of ``folders`` under its name) committed on ``main``."""
    shutil.copytree(pipeline, repo)
    for name, source in folders.items():
        shutil.copytree(source, repo / name)
    (repo / "gitignore").rename(repo / ".gitignore")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", f"{pipeline.name} pipeline")
    return repo


@pytest.fixture
def mini_repo(tmp_path: Path) -> Path:
    """The mini pipeline committed on ``main`` of a new repository."""
    return committed_repository(tmp_path / "repo", MINI)


Rehearse = Callable[..., RunRecord]


@pytest.fixture
def run_mini(mini_repo: Path, tmp_path: Path) -> Rehearse:
    """Rehearse the mini repository; keyword arguments go to :class:`RehearsalOptions`."""

    def run(**options: object) -> RunRecord:
        settings = {
            "repo": mini_repo,
            "template": mini_repo / "pipeline.yaml",
            "approval": APPROVE,
            "record_path": tmp_path / "rehearsal.json",
            "stack_name": "mini",
            **options,
        }
        return rehearse(RehearsalOptions(**settings), Progress(io.StringIO(), live=False))

    return run
