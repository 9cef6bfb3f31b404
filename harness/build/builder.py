"""Build Lambda functions the way ``sam build`` does, without Docker, with a cache.

A build directory holds the function's code plus its ``requirements.txt``
dependencies installed *for the function's runtime interpreter* (wheels differ
between 3.11 and 3.12). Installing is the slow part, so dependency sets are
cached by (sha256 of requirements.txt, runtime, interpreter version); the build
directory itself is addressed by a digest of the code plus that dependency set,
so an unchanged function is not rebuilt at all and a code-only change costs a
copy of the code plus hard links to the cached dependencies (no data copied).

Every cache entry is filled in a private staging directory and renamed into
place, so two pytest-xdist workers building at once never see half an entry:
the loser of the rename race discards its copy and uses the winner's. A staging
dir names its owner's PID (:mod:`ownership`), so :func:`sweep_staging` removes
those a killed harness left behind. Installers run under :func:`run_guarded`:
they die with the harness, even when it is killed.
"""

from __future__ import annotations

import fnmatch
import hashlib
import importlib.metadata
import io
import os
import shutil
import subprocess
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from harness.build.guarded import run_guarded
from harness.build.ownership import owned_tempdir, sweep_dead_owners
from harness.build.runtimes import Interpreter, find_interpreter

# Never part of a build: bytecode, tool caches, VCS and virtualenvs, SAM's and our caches, and
# node_modules (``sam build`` of a Python function copies none of them either).
_IGNORED = (
    "__pycache__",
    "*.pyc",
    "*.pyo",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    ".git",
    ".aws-sam",
    ".cache",
    ".tox",
    ".venv",
    "node_modules",
)
_INSTALL_TIMEOUT_S = 600
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_CACHE_AREAS = ("deps", "builds", "layers")
LAYER_PYTHON_DIR = "python"


class PackagingError(RuntimeError):
    """A function could not be built; the message names its code dir or requirements file."""


def build_function(code_dir: Path, runtime: str, cache_dir: Path) -> Path:
    """Return a build dir with ``code_dir``'s code and its dependencies for ``runtime``.

    The returned directory is shared and must be treated as read-only.
    """
    return _build(code_dir, cache_dir, runtime=runtime, subdir="")


def build_layer(content_dir: Path, build_method: str | None, cache_dir: Path) -> Path:
    """Return a layer's build dir, laid out as its zip will be (``python/...`` for Python).

    As ``sam build`` does: a ``BuildMethod: python3.x`` layer gets its code and its
    ``requirements.txt`` dependencies installed under ``python/``; a layer without a
    BuildMethod is not built, its folder is packaged as it is.
    """
    if build_method is None:
        return copy_code(content_dir, cache_dir)
    return _build(content_dir, cache_dir, runtime=build_method, subdir=LAYER_PYTHON_DIR)


def copy_code(code_dir: Path, cache_dir: Path) -> Path:
    """Return a build dir with ``code_dir``'s files as they are, nothing installed."""
    return _build(code_dir, cache_dir, runtime=None, subdir="")


def mount_layers(layer_builds: Sequence[Path], runtime: str, cache_dir: Path) -> list[Path]:
    """The ``sys.path`` entries a function's layers give it, as Lambda mounts them in ``/opt``.

    Lambda extracts a function's layers into ``/opt`` in the function's order, a later
    layer's file replacing an earlier one's ("the order in which you add the layers is
    the order in which Lambda merges the layer content into the execution environment"),
    and the Python runtime searches ``/opt/python/lib/python3.x/site-packages`` and
    ``/opt/python`` after the function's own code and before its bundled libraries.
    Here the merged ``/opt`` is a cache entry of hard links, keyed by the layers' builds.
    """
    if not layer_builds:
        return []
    cache_dir = cache_dir.resolve()
    key = hashlib.sha256("\0".join(build.name for build in layer_builds).encode()).hexdigest()
    opt = cache_dir / "opt" / key[:16]

    def fill(staging: Path) -> None:
        for build in layer_builds:
            shutil.copytree(build, staging, copy_function=_link_replacing, dirs_exist_ok=True)

    publish(opt, fill)
    python = opt / LAYER_PYTHON_DIR
    candidates = (python / "lib" / runtime / "site-packages", python)
    return [path for path in candidates if path.is_dir()]


def _build(source_dir: Path, cache_dir: Path, *, runtime: str | None, subdir: str) -> Path:
    """A content-addressed build: ``source_dir``'s files (and dependencies) under ``subdir``."""
    source_dir, cache_dir = source_dir.resolve(), cache_dir.resolve()
    if not source_dir.is_dir():
        raise PackagingError(f"code dir {source_dir} does not exist")
    files = _files(source_dir, skip=cache_dir)
    requirements = source_dir / "requirements.txt"
    deps = None
    if runtime is not None and requirements.is_file():
        deps = _cached_install(
            ["-r", str(requirements)],
            requirements.read_bytes(),
            source=str(requirements),
            interpreter=find_interpreter(runtime),
            runtime=runtime,
            entries=cache_dir / "deps",
            cwd=source_dir,
        )
    digest = hashlib.sha256(_digest_of(source_dir, files))
    digest.update(deps.name.encode() if deps else b"no-deps")
    digest.update(subdir.encode())
    build = cache_dir / "builds" / f"{source_dir.name}-{digest.hexdigest()[:16]}"

    def fill(staging: Path) -> None:
        target = staging / subdir
        for file in files:
            destination = target / file.relative_to(source_dir)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, destination)
        if deps is not None:
            shutil.copytree(deps, target, copy_function=_link_unless_present, dirs_exist_ok=True)

    return publish(build, fill)


def runtime_layer(runtime: str, cache_dir: Path) -> Path:
    """Return a dir with boto3 installed for ``runtime``'s interpreter.

    The real Lambda Python runtime ships boto3, so functions do not list it;
    workers put this dir last on ``sys.path`` the way the runtime does. It holds the
    newest boto3 that is not newer than the harness's own and supports the interpreter
    (the resolver honours ``Requires-Python``: boto3 1.43 dropped Python 3.9, so a
    python3.9 function gets the last 1.42), so emulated and unit layers agree wherever
    the interpreter allows.
    """
    cache_dir = cache_dir.resolve()
    try:
        requirement = f"boto3<={importlib.metadata.version('boto3')}"
    except importlib.metadata.PackageNotFoundError:
        requirement = "boto3"
    return _cached_install(
        [requirement],
        requirement.encode(),
        source=f"the runtime layer ({requirement})",
        interpreter=find_interpreter(runtime),
        runtime=runtime,
        entries=cache_dir / "layers",
        cwd=cache_dir,
    )


def zip_build(paths: Iterable[Path]) -> bytes:
    """Zip the given dirs into one archive whose bytes depend only on file names and contents.

    Deterministic (sorted entries, fixed timestamps, no bytecode) so the same
    code uploads as the same S3 object and CloudFormation sees no change. When
    two dirs hold the same relative path, the first wins, as on ``sys.path``.
    """
    buffer = io.BytesIO()
    seen: set[str] = set()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for root in paths:
            for file in _files(root):
                name = file.relative_to(root).as_posix()
                if name in seen:
                    continue
                seen.add(name)
                entry = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
                mode = 0o755 if os.access(file, os.X_OK) else 0o644
                entry.external_attr = (0o100000 | mode) << 16
                entry.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(entry, file.read_bytes())
    return buffer.getvalue()


def _cached_install(
    requirement_args: Sequence[str],
    key_material: bytes,
    *,
    source: str,
    interpreter: Interpreter,
    runtime: str,
    entries: Path,
    cwd: Path,
) -> Path:
    """Install requirements into a cache entry keyed by their text and the interpreter."""
    digest = hashlib.sha256(key_material).hexdigest()[:16]
    entry = entries / f"{runtime}-{interpreter.version}-{digest}"
    return publish(
        entry, lambda staging: install(requirement_args, staging, interpreter, cwd, source)
    )


def install(
    requirement_args: Sequence[str], target: Path, interpreter: Interpreter, cwd: Path, source: str
) -> None:
    """Install with uv when available (fast, shares its wheel cache), else with pip."""
    try:
        from uv import find_uv_bin

        command = [find_uv_bin(), "pip", "install", "--python", str(interpreter.path)]
    except (ImportError, FileNotFoundError):
        command = [str(interpreter.path), "-m", "pip", "install", "--disable-pip-version-check"]
    command += ["--target", str(target), *requirement_args]
    try:
        run_guarded(command, cwd=cwd, timeout_s=_INSTALL_TIMEOUT_S)
    except subprocess.CalledProcessError as error:
        raise PackagingError(
            f"installing {source} for {interpreter.path} failed (exit {error.returncode}):\n"
            f"{error.stderr.strip() or error.stdout.strip()}"
        ) from error
    except (OSError, subprocess.TimeoutExpired) as error:
        raise PackagingError(
            f"installing {source} for {interpreter.path} failed: {error}"
        ) from error


def publish(entry: Path, fill: Callable[[Path], None]) -> Path:
    """Return ``entry``, filling it first through a staging dir and an atomic rename."""
    if entry.is_dir():
        return entry
    entry.parent.mkdir(parents=True, exist_ok=True)
    staging = owned_tempdir(f".{entry.name}.", entry.parent)
    try:
        fill(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        staging.rename(entry)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not entry.is_dir():
            raise
    return entry


def sweep_staging(cache_dir: Path) -> list[Path]:
    """Remove half-built entries of harness processes that died while building."""
    return [
        removed
        for area in _CACHE_AREAS
        if (cache_dir / area).is_dir()
        for removed in sweep_dead_owners(cache_dir / area, ".")
    ]


def _link_unless_present(source: str, destination: str) -> None:
    """Hard-link a cached dependency file; the function's own file wins on a clash.

    Never writes through an existing name: that file may itself be a link
    into the shared cache.
    """
    if os.path.lexists(destination):
        return
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def _link_replacing(source: str, destination: str) -> None:
    """Hard-link a layer's file into a private merge, replacing an earlier layer's file.

    The earlier name is unlinked first, never written through: it is a link into the
    shared cache.
    """
    if os.path.lexists(destination):
        os.unlink(destination)
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def _files(root: Path, skip: Path | None = None) -> list[Path]:
    """Regular files under ``root`` in a stable order, ignored names and ``skip`` left out.

    ``skip`` is the build cache: when a code folder contains it (``CodeUri: .`` at the
    project root), copying it into a build would copy the cache into itself.
    """
    found: list[Path] = []
    for directory, subdirs, names in os.walk(root, followlinks=True):
        subdirs[:] = sorted(
            d
            for d in subdirs
            if not is_ignored(d) and (skip is None or Path(directory, d).resolve() != skip)
        )
        found.extend(Path(directory, name) for name in sorted(names) if not is_ignored(name))
    return found


def is_ignored(name: str) -> bool:
    """Whether a file or folder name is never part of a build (caches, VCS, virtualenvs)."""
    return any(fnmatch.fnmatch(name, pattern) for pattern in _IGNORED)


def _digest_of(root: Path, files: Iterable[Path]) -> bytes:
    """Digest of every file's relative path and contents: the build's identity."""
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.digest()
