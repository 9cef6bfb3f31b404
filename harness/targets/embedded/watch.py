"""What ``harness up --watch`` watches: the template and every local code folder it names.

Like ``sam sync --watch``: a change to the template or to a function's or layer's code
starts a release of the running stack. The folders are few and small, so they are polled
(a fingerprint of every file's path, size and modification time, twice a second) rather
than watched through inotify: no extra dependency, the same on every platform, and a
burst of saves (an editor writing a file in three steps) settles before the release
starts because the fingerprint must hold still for one poll.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path

from harness.build.builder import is_ignored
from harness.sam import read_sam_model

POLL_S = 0.5


def watched_paths(template: Path, parameters: Mapping[str, str]) -> list[Path]:
    """The template and the local code folders of its functions and layers."""
    model = read_sam_model(template, parameters)
    folders = {f.code_dir for f in model.functions.values() if f.code_dir is not None}
    folders |= {layer.content_dir for layer in model.layers.values() if layer.content_dir}
    return [template, *sorted(folders)]


def fingerprint(paths: list[Path]) -> frozenset[tuple[str, int, int]]:
    """Every file under ``paths`` (ignored ones aside) with its size and modification time."""
    entries: set[tuple[str, int, int]] = set()
    for root in paths:
        candidates = [root] if root.is_file() else root.rglob("*")
        for path in candidates:
            if path.is_file() and not any(is_ignored(part) for part in path.parts):
                stat = path.stat()
                entries.add((str(path), stat.st_size, stat.st_mtime_ns))
    return frozenset(entries)


def wait_for_change(template: Path, parameters: Mapping[str, str], stop: threading.Event) -> bool:
    """Block until the watched files change and then hold still; False if ``stop`` is set."""
    paths = watched_paths(template, parameters)
    before = fingerprint(paths)
    while not stop.wait(POLL_S):
        now = fingerprint(paths)
        if now == before:
            continue
        while not stop.wait(POLL_S):
            settled = fingerprint(paths)
            if settled == now:
                return True
            now = settled
    return False
