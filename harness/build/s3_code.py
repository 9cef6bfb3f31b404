"""Code already on S3 (a ``sam package``'d template): its zip extracted into a build dir.

A packaged template's ``CodeUri``/``ContentUri`` is ``s3://bucket/key`` (or a
``Bucket``/``Key`` map). When the object is in the embedded target's own S3 (the pipeline
rehearsal's ``sam package`` puts it there), the worker runs exactly that zip: it is
fetched, extracted once into a content-addressed cache entry, and mounted like a local
build. An object the target's S3 does not hold stays a gap (no worker runs it).

One thing cannot run as built: ``sam build`` for ``arm64`` puts ``aarch64`` wheels of
native dependencies (``pydantic-core``...) in the zip, which an ``x86_64`` machine cannot
import. Each distribution whose wheel tag names another machine is replaced by the same
name and version built for this one (with uv, for the function's interpreter), and the
function is listed among the gaps saying which were replaced: the code and the pure-Python
dependencies stay the zip's own.
"""

from __future__ import annotations

import hashlib
import io
import platform
import shutil
import zipfile
from collections.abc import Callable, Mapping
from email.parser import Parser
from pathlib import Path
from typing import Any

from harness.build import builder
from harness.build.runtimes import find_interpreter

# Fetches (bucket, key) from the target's S3; ``None`` when there is no such object.
Downloader = Callable[[str, str], bytes | None]
_MACHINE_ALIASES = {"x86_64": ("x86_64", "amd64"), "aarch64": ("aarch64", "arm64")}


def s3_location(uri: Any) -> tuple[str, str] | None:
    """``(bucket, key)`` of an ``s3://`` string or a ``Bucket``/``Key`` map; else None."""
    if isinstance(uri, str) and uri.startswith("s3://"):
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        return (bucket, key) if key else None
    if isinstance(uri, Mapping) and isinstance(uri.get("Bucket"), str):
        key = uri.get("Key")
        return (uri["Bucket"], key) if isinstance(key, str) else None
    return None


def extract_code(archive: bytes, runtime: str | None, cache_dir: Path) -> tuple[Path, list[str]]:
    """The zip's contents as a read-only build dir, and the distributions replaced (above)."""
    digest = hashlib.sha256(archive).hexdigest()[:24]
    entry = cache_dir / "builds" / f"s3-{digest}-{platform.machine()}"
    replaced: list[str] = []

    def fill(staging: Path) -> None:
        with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
            bundle.extractall(staging)
        if runtime is not None and runtime.startswith("python"):
            replaced.extend(_replace_foreign_wheels(staging, runtime, cache_dir))
        (staging / ".harness-replaced").write_text("\n".join(replaced))

    build = builder.publish(entry, fill)
    marker = build / ".harness-replaced"
    return build, [line for line in marker.read_text().splitlines() if line]


def _replace_foreign_wheels(root: Path, runtime: str, cache_dir: Path) -> list[str]:
    foreign = [info for info in _dist_infos(root) if not _runs_here(info)]
    if not foreign:
        return []
    interpreter = find_interpreter(runtime)
    pins = []
    for info in foreign:
        metadata = Parser().parsestr((info / "METADATA").read_text(errors="replace"))
        pins.append(f"{metadata['Name']}=={metadata['Version']}")
        _remove_distribution(root, info)
    replacement = (
        cache_dir
        / "deps"
        / (
            "host-"
            + hashlib.sha256("\n".join([*pins, interpreter.version]).encode()).hexdigest()[:16]
        )
    )
    builder.publish(
        replacement,
        lambda staging: builder.install(
            ["--no-deps", *pins], staging, interpreter, root, "replacements for " + ", ".join(pins)
        ),
    )
    shutil.copytree(replacement, root, dirs_exist_ok=True)
    return pins


def _dist_infos(root: Path) -> list[Path]:
    return [path for path in root.glob("*.dist-info") if (path / "WHEEL").is_file()]


def _runs_here(info: Path) -> bool:
    machine = platform.machine()
    names = _MACHINE_ALIASES.get(machine, (machine,))
    for line in (info / "WHEEL").read_text(errors="replace").splitlines():
        if not line.startswith("Tag:"):
            continue
        platform_tag = line.split("-")[-1].strip()
        if platform_tag == "any" or any(name in platform_tag for name in names):
            return True
    return False


def _remove_distribution(root: Path, info: Path) -> None:
    """Delete a distribution's files as its RECORD lists them, then its dist-info."""
    record = info / "RECORD"
    if record.is_file():
        for line in record.read_text(errors="replace").splitlines():
            name = line.split(",", 1)[0]
            target = (root / name).resolve()
            if name and target.is_file() and root.resolve() in target.parents:
                target.unlink()
    shutil.rmtree(info, ignore_errors=True)
