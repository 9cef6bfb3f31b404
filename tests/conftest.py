"""The harness's own tests drive pytest sessions of their own through ``pytester``."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.build.runtimes import Interpreter, find_interpreter

pytest_plugins = ["pytester"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "rehearsal: rehearses this repository's whole pipeline (minutes); deselected by "
        "`tox -e tests` by default, run by `.ci/run` (`dev.py tests -- -m rehearsal`)",
    )


@pytest.fixture
def require_interpreter() -> Callable[[str], Interpreter]:
    """``require_interpreter("python3.12")``: that runtime's own interpreter, or a skip.

    The one home for tests that need a specific Lambda runtime's interpreter: on a machine
    with only the current Python they skip, naming what is missing and how to install it,
    instead of failing on the harness's documented fallback.
    """

    def require(runtime: str) -> Interpreter:
        interpreter = find_interpreter(runtime)
        if not interpreter.exact:
            pytest.skip(f"no {runtime} interpreter (pyenv or PATH); {interpreter.install_hint}")
        return interpreter

    return require
