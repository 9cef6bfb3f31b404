"""Adopting the harness as the README says: install the wheel, ``harness init``, run the layers.

On a copy of ``fixtures/apps/http_hello``, a ``sam init``-shaped app that is not ours: the
files ``init`` writes, that it never overwrites, and that every layer it starts passes on
its first run against the embedded target, from a wheel installed in a fresh venv. And on
a copy of ``fixtures/apps/rest_hello`` (``sam init``'s REST hello world, no ``CodeUri``,
its own ``HelloWorldApi`` output), suites written by hand against the public API run with
nothing but a ``pytest.ini``: the plugin comes by its entry point.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.cli.init import main as init
from harness.pipeline.buildspec import load_buildspec

REPOSITORY = Path(__file__).resolve().parents[2]
FIXTURE_APP = REPOSITORY / "fixtures" / "apps" / "http_hello"
REST_APP = REPOSITORY / "fixtures" / "apps" / "rest_hello"
WRITTEN = [
    "pytest.ini",
    "tox.ini",
    "pipeline/buildspec-integration.yml",
    "pipeline/buildspec-smoke.yml",
    "suites/template/test_template.py",
    "suites/unit/test_handlers.py",
    "suites/integration/test_routes.py",
    "suites/smoke/test_smoke.py",
]
LAYERS = ("unit", "template", "integration", "smoke")


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "app"
    shutil.copytree(FIXTURE_APP, copy)
    monkeypatch.chdir(copy)
    for name in ("HARNESS_APP_TEMPLATE", "HARNESS_SUITES_DIR", "HARNESS_STAGE"):
        monkeypatch.delenv(name, raising=False)
    return copy


def test_init_writes_each_file_once_and_says_what_comes_next(
    app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert init([]) == 0
    first = capsys.readouterr().out
    assert [line.split()[1] for line in first.splitlines() if line.startswith("wrote")] == WRITTEN
    assert "python -m pytest suites" in first
    assert "tox" in first.split("Next:")[1]
    for buildspec in ("buildspec-integration.yml", "buildspec-smoke.yml"):
        commands = load_buildspec(app / "pipeline" / buildspec).phases["build"].commands
        assert "--target aws" in commands[0]
    ini = (app / "pytest.ini").read_text()
    assert "harness_app_template = template.yaml" in ini
    assert "HC101 HelloWorldFunction: baseline from harness init (X-Ray tracing is off)" in ini

    (app / "suites" / "unit" / "test_handlers.py").write_text("# mine now\n")
    assert init([]) == 0
    second = capsys.readouterr().out
    assert "wrote" not in second
    assert [line.split()[1] for line in second.splitlines() if line.startswith("kept")] == WRITTEN
    assert (app / "suites" / "unit" / "test_handlers.py").read_text() == "# mine now\n"


def test_init_leaves_an_existing_pytest_configuration_alone(
    app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (app / "pyproject.toml").write_text('[tool.pytest.ini_options]\naddopts = "-q"\n')
    assert init([]) == 0
    out = capsys.readouterr().out
    assert not (app / "pytest.ini").exists()
    assert "kept     pyproject.toml (add the harness_* keys" in out
    assert "harness_check_pack = true" in out


def test_init_names_what_it_could_not_find(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (app / "template.yaml").rename(app / "sam.yaml")
    assert init([]) == 2
    assert "no SAM template at" in capsys.readouterr().err
    assert init(["--app-template", "sam.yaml"]) == 0


def _uv() -> Path:
    uv = Path(sys.executable).parent / "uv"
    if not uv.is_file():
        pytest.skip(f"no uv beside {sys.executable}: install the harness's dependencies (uv~=0.9)")
    return uv


def test_the_wheel_installed_in_a_fresh_venv_adopts_an_app_whose_layers_all_pass(
    app: Path, tmp_path: Path
) -> None:
    uv = _uv()
    dist, venv = tmp_path / "dist", tmp_path / "venv"
    subprocess.run([uv, "build", "--wheel", "--out-dir", dist, "-q", REPOSITORY], check=True)
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, venv], check=True)
    python = venv / "bin" / "python"
    wheel = next(dist.glob("*.whl"))
    subprocess.run([uv, "pip", "install", "-q", "--python", python, wheel], check=True)

    adopted = subprocess.run(
        [python, "-m", "harness", "init"], cwd=app, capture_output=True, text=True, check=False
    )
    assert adopted.returncode == 0, adopted.stderr
    run = subprocess.run(
        [python, "-m", "pytest", "suites", "-p", "no:cacheprovider", "--junitxml=junit.xml"],
        cwd=app,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-4000:]
    where = subprocess.run(
        [python, "-c", "import harness; print(harness.__file__)"],
        cwd=app,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(venv), "the wheel's harness, not this checkout"
    outcomes = {layer: {"passed": 0, "failed": 0} for layer in LAYERS}
    for case in ET.parse(app / "junit.xml").getroot().iter("testcase"):
        layer = next(layer for layer in LAYERS if f"suites.{layer}" in case.get("classname", ""))
        failed = case.find("failure") is not None or case.find("error") is not None
        skipped = case.find("skipped") is not None
        outcomes[layer]["failed" if failed else "passed"] += 0 if skipped else 1
    assert all(o["passed"] > 0 and o["failed"] == 0 for o in outcomes.values()), outcomes


def test_a_rest_app_runs_its_own_suites_with_only_a_pytest_ini(tmp_path: Path) -> None:
    repository = tmp_path / "their-repo"
    shutil.copytree(REST_APP, repository)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HARNESS_")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"],
        cwd=repository,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 passed" in result.stdout
