"""The Source action's artifact of a git ref: the tree of that commit, with or without
tarfile's extraction filters (Python 3.11.4 added them; Debian 12's 3.11.2 lacks them)."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from harness.pipeline.source import export_source
from tests.pipeline.conftest import git


@pytest.mark.parametrize("filters", [True, False], ids=["filters", "no-filters"])
def test_a_ref_exports_that_commits_tree(
    mini_repo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    filters: bool,
) -> None:
    (mini_repo / "later.txt").write_text("after the first commit\n")
    git(mini_repo, "add", "-A")
    git(mini_repo, "commit", "-qm", "later")
    if not filters:  # as before Python 3.11.4: no filters, and no ``filter`` argument
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
        unfiltered = tarfile.TarFile.extractall

        def extractall(self: tarfile.TarFile, path: str | Path = ".", **kwargs: object) -> None:
            if "filter" in kwargs:
                raise TypeError("extractall() got an unexpected keyword argument 'filter'")
            unfiltered(self, path, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(tarfile.TarFile, "extractall", extractall)
    exported = tmp_path / "exported"
    export_source(mini_repo, "HEAD~1", exported)
    tracked = git(mini_repo, "ls-tree", "-r", "--name-only", "HEAD~1").split()
    assert sorted(str(p.relative_to(exported)) for p in exported.rglob("*") if p.is_file()) == (
        sorted(tracked)
    )
    assert not (exported / "later.txt").exists()
