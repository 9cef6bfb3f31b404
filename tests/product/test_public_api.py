"""``import harness`` is the API: light, complete, and the only thing the suites import."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import harness

REPOSITORY = Path(__file__).resolve().parents[2]
SUITES = REPOSITORY / "suites"
TARGET_SPECIFIC = ("harness.targets.embedded", "harness.targets.aws", "harness.targets.localstack")


def _harness_imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) of every ``import harness...`` / ``from harness... import``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "harness":
            found.append((node.lineno, node.module or "", [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [
                (node.lineno, a.name, []) for a in node.names if a.name.split(".")[0] == "harness"
            ]
    return found


SUITE_FILES = sorted(SUITES.rglob("*.py"))


@pytest.mark.parametrize("path", SUITE_FILES, ids=[str(p.relative_to(SUITES)) for p in SUITE_FILES])
def test_the_suites_import_only_the_public_api(path: Path) -> None:
    private = [
        f"{path.relative_to(REPOSITORY)}:{line}: {module} {names}"
        for line, module, names in _harness_imports(path)
        if module != "harness" or not set(names) <= set(harness.__all__)
    ]
    assert private == []


def test_the_integration_suite_uses_nothing_of_a_specific_target() -> None:
    used = {
        name
        for path in (SUITES / "integration").rglob("*.py")
        for _, _, names in _harness_imports(path)
        for name in names
    }
    homes = {name: getattr(harness, name).__module__ for name in used}
    assert {n: m for n, m in homes.items() if m.startswith(TARGET_SPECIFIC)} == {}
    assert used, "the integration suite imports nothing of the harness: the test proves nothing"


def test_every_public_name_resolves_and_is_listed_once() -> None:
    assert harness.__all__ == sorted(set(harness.__all__))
    for name in harness.__all__:
        assert getattr(harness, name) is not None, name
    assert set(harness.__all__) <= set(dir(harness))
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        _ = harness.Nothing  # type: ignore[attr-defined]


def test_import_harness_stays_light() -> None:
    """``dev.py`` imports ``harness.summary`` with the standard library alone."""
    heavy = ("pytest", "boto3", "moto", "yaml")
    probe = f"import sys, harness; print(sorted(m for m in {heavy} if m in sys.modules))"
    shown = subprocess.run(
        [sys.executable, "-I", "-c", probe],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.strip() == "[]"


def test_the_package_ships_its_types() -> None:
    package = Path(harness.__file__).parent
    assert (package / "py.typed").is_file()
    stub = ast.parse((package / "__init__.pyi").read_text())
    listed = {
        a.asname for node in stub.body if isinstance(node, ast.ImportFrom) for a in node.names
    }
    assert listed == set(harness.__all__)
