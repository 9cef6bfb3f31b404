"""The README and docs/ say what the code has: every option, every public name, the tree."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

import harness
from harness.settings import OPTIONS

REPOSITORY = Path(__file__).resolve().parents[2]
README = (REPOSITORY / "README.md").read_text()
PUBLIC_API = (REPOSITORY / "docs" / "public-api.md").read_text()


@pytest.mark.parametrize("option", OPTIONS, ids=[option.name for option in OPTIONS])
def test_the_readme_lists_every_option(option) -> None:
    row = next((line for line in README.splitlines() if line.startswith(f"| `{option.flag}")), "")
    assert f"`{option.env_vars[0]}`" in row
    assert f"`{option.ini_key}`" in row


def test_docs_show_every_public_name() -> None:
    shown = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", PUBLIC_API))
    assert sorted(set(harness.__all__) - shown) == []


def _layout_paths() -> list[str]:
    section = README.split("## Layout", 1)[1].split("\n## ", 1)[0]
    cells = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return [path for cell in cells for path in re.findall(r"`([^`]+)`", cell)]


def test_the_layout_table_matches_the_tree() -> None:
    listed = _layout_paths()
    for path in listed:
        expanded = re.sub(r"\{([^}]*)\}", lambda m: m.group(1).split(",")[0], path)
        assert (REPOSITORY / expanded).exists(), f"the layout table lists {path}, not in the tree"
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPOSITORY, capture_output=True, text=True, check=True
    ).stdout.split()
    top = {name.split("/")[0] + ("/" if "/" in name else "") for name in tracked}
    top = {name for name in top if not name.startswith(".") or name == ".ci/"}
    described = {path.split("/")[0] + ("/" if "/" in path else "") for path in listed}
    described |= {".ci/" for path in listed if path == ".ci/run"}
    assert sorted(top - described - {"README.md", "pyproject.toml", "pytest.ini", "tox.ini"}) == []
