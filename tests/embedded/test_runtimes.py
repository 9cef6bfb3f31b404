"""Choosing the interpreter for a Lambda runtime."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from harness.build import runtimes
from harness.build.runtimes import UnsupportedRuntimeError, find_interpreter


@pytest.fixture(autouse=True)
def fresh_cache():
    find_interpreter.cache_clear()
    yield
    find_interpreter.cache_clear()


def test_python312_is_found_and_really_is_312(require_interpreter):
    interpreter = require_interpreter("python3.12")
    assert interpreter.version.startswith("3.12.")
    assert "shims" not in interpreter.path.parts
    answer = subprocess.run(
        [interpreter.path, "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert answer.stdout.strip() == "(3, 12)"


def test_missing_version_falls_back_to_current_interpreter_inexactly(monkeypatch, tmp_path):
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    interpreter = find_interpreter("python3.99")
    assert not interpreter.exact
    assert str(interpreter.path) == sys.executable
    assert interpreter.install_hint == "install it with `pyenv install 3.99`"


def test_a_set_pyenv_root_hides_the_home_pyenv(monkeypatch, tmp_path):
    home = tmp_path / "home"
    (home / ".pyenv" / "versions").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    assert runtimes._pyenv_roots() == [tmp_path / "empty"]
    monkeypatch.delenv("PYENV_ROOT")
    assert runtimes._pyenv_roots() == [home / ".pyenv"]


def test_newest_patch_release_wins(monkeypatch, tmp_path):
    for version in ("3.12.1", "3.12.10", "3.12.9", "3.12-dev"):
        binary = tmp_path / "versions" / version / "bin" / "python3.12"
        binary.parent.mkdir(parents=True)
        binary.write_text("")
    monkeypatch.setattr(runtimes, "_pyenv_roots", lambda: [tmp_path])
    interpreter = find_interpreter("python3.12")
    assert (interpreter.version, interpreter.exact) == ("3.12.10", True)


@pytest.mark.parametrize("runtime", ["nodejs20.x", "java21", "python2.7", "provided.al2023"])
def test_non_python3_runtimes_are_rejected_by_name(runtime):
    with pytest.raises(UnsupportedRuntimeError, match=re.escape(runtime)):
        find_interpreter(runtime)
