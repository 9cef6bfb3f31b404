"""Building functions like ``sam build``: dependencies per runtime, cached, atomically."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from harness.build import builder as packager
from harness.build.builder import (
    PackagingError,
    build_function,
    runtime_layer,
    zip_build,
)
from harness.build.runtimes import UnsupportedRuntimeError
from harness.targets.embedded.workers import FunctionSpec, WorkerRegistry

WITH_DEPS = Path(__file__).resolve().parents[2] / "fixtures" / "functions" / "with_deps"


@pytest.fixture
def install_calls(monkeypatch) -> list[list[str]]:
    """Every installer run, recorded (the real installer still runs)."""
    calls: list[list[str]] = []
    real_install = packager.install

    def counting(requirement_args, *args, **kwargs):
        calls.append(list(requirement_args))
        real_install(requirement_args, *args, **kwargs)

    monkeypatch.setattr(packager, "install", counting)
    return calls


@pytest.fixture
def code_dir(tmp_path) -> Path:
    copy = tmp_path / "src"
    shutil.copytree(WITH_DEPS, copy)
    return copy


def test_build_has_code_and_dependencies_and_is_cached(code_dir, tmp_path, install_calls):
    cache = tmp_path / "cache"
    build = build_function(code_dir, "python3.12", cache)
    assert (build / "uses_six.py").is_file()
    assert (build / "six.py").is_file()
    assert len(install_calls) == 1

    assert build_function(code_dir, "python3.12", cache) == build
    (code_dir / "extra.py").write_text("VALUE = 1\n")
    rebuilt = build_function(code_dir, "python3.12", cache)
    assert rebuilt != build
    assert (rebuilt / "extra.py").is_file()
    assert (rebuilt / "six.py").is_file()
    assert len(install_calls) == 1  # neither an unchanged build nor a code change reinstalls


def test_changed_requirements_reinstall(code_dir, tmp_path, install_calls):
    cache = tmp_path / "cache"
    build_function(code_dir, "python3.12", cache)
    (code_dir / "requirements.txt").write_text("six==1.16.0\n")
    build = build_function(code_dir, "python3.12", cache)
    assert len(install_calls) == 2
    assert "1.16.0" in (build / "six.py").read_text()


def test_dependencies_are_cached_per_runtime(code_dir, tmp_path, install_calls):
    cache = tmp_path / "cache"
    build_function(code_dir, "python3.12", cache)
    build_function(code_dir, "python3.13", cache)
    assert len(install_calls) == 2
    assert len(list((cache / "deps").iterdir())) == 2


def test_function_runs_from_its_build_with_the_runtime_layer(code_dir, tmp_path):
    cache = tmp_path / "cache"
    spec = FunctionSpec(
        "UsesSix",
        "uses_six.handler",
        [build_function(code_dir, "python3.12", cache), runtime_layer("python3.12", cache)],
        "python3.12",
        {},
        30,
        128,
    )
    with WorkerRegistry(log_dir=tmp_path / "logs") as registry:
        registry.start([spec])
        result = registry.invoke("UsesSix", {})
    assert result.error is None, result.logs
    assert result.payload["six"] == "1.17.0"
    assert result.payload["boto3"]


def test_uninstallable_requirement_names_the_file(code_dir, tmp_path):
    (code_dir / "requirements.txt").write_text("this-package-does-not-exist-anywhere==0.0.0\n")
    with pytest.raises(PackagingError, match=re.escape(str(code_dir / "requirements.txt"))):
        build_function(code_dir, "python3.12", tmp_path / "cache")
    assert not list((tmp_path / "cache" / "deps").iterdir())  # no half-filled cache entry


def test_missing_code_dir_and_unsupported_runtime_are_named(tmp_path):
    with pytest.raises(PackagingError, match="nowhere"):
        build_function(tmp_path / "nowhere", "python3.12", tmp_path / "cache")
    with pytest.raises(UnsupportedRuntimeError, match=re.escape("nodejs20.x")):
        build_function(WITH_DEPS, "nodejs20.x", tmp_path / "cache")


def test_zip_is_deterministic_and_skips_bytecode(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    for root in (first, second):
        (root / "pkg" / "__pycache__").mkdir(parents=True)
        (root / "pkg" / "__init__.py").write_text("")
        (root / "pkg" / "__pycache__" / "x.cpython-312.pyc").write_bytes(b"\0")
        (root / "app.py").write_text(f"ROOT = {root.name!r}\n")
    (second / "only_second.py").write_text("")
    archive = zip_build([first, second])
    assert archive == zip_build([first, second])
    names = zipfile.ZipFile(io.BytesIO(archive)).namelist()
    assert names == ["app.py", "pkg/__init__.py", "only_second.py"]
    assert zipfile.ZipFile(io.BytesIO(archive)).read("app.py") == b"ROOT = 'first'\n"
