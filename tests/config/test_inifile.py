"""The command line finds the ini file pytest would, and reads it the way pytest does."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from harness.config.inifile import find_ini


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_pytest_ini_wins_even_when_empty_and_over_other_files(tmp_path: Path) -> None:
    _write(tmp_path / "tox.ini", "[pytest]\nharness_stage = staging\n")
    ini = _write(tmp_path / "pytest.ini", "")
    found = find_ini(tmp_path)
    assert (found.path, found.root, found.values) == (ini, tmp_path, {})


def test_pyproject_ini_options_keep_lists_and_lower_case_booleans(tmp_path: Path) -> None:
    _write(
        tmp_path / "pyproject.toml",
        """
        [tool.pytest.ini_options]
        harness_check_pack = true
        harness_parameters = ["A=1", "B=2"]
        """,
    )
    values = find_ini(tmp_path).values
    assert values == {"harness_check_pack": "true", "harness_parameters": ["A=1", "B=2"]}


def test_tox_ini_counts_only_with_a_pytest_section_and_search_goes_upwards(
    tmp_path: Path,
) -> None:
    _write(tmp_path / "repo" / "tox.ini", "[tox]\nenv_list = unit\n")
    _write(tmp_path / "tox.ini", "[pytest]\nharness_region =\n    eu-west-1\n")
    deep = tmp_path / "repo" / "a" / "b"
    deep.mkdir(parents=True)
    found = find_ini(deep)
    assert found.root == tmp_path
    assert str(found.values["harness_region"]).strip() == "eu-west-1"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("setup.cfg", "[tool:pytest]\nharness_stage = prod\n"),
        ("pytest.toml", '[pytest]\nharness_stage = "prod"\n'),
    ],
)
def test_setup_cfg_and_pytest_toml(tmp_path: Path, name: str, text: str) -> None:
    _write(tmp_path / name, text)
    assert find_ini(tmp_path).values == {"harness_stage": "prod"}


def test_a_bare_pyproject_marks_the_root_without_values(tmp_path: Path) -> None:
    _write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    deep = tmp_path / "src"
    deep.mkdir()
    found = find_ini(deep)
    assert (found.root, found.values) == (tmp_path, {})
