"""Failure messages: one readable block per subject, closest to matching first."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from harness.template.match import Matcher, Mismatch, path_text, render
from harness.template.subjects import Subject

SHOWN_SUBJECTS = 5


def show_pattern(pattern: Any) -> str:
    """A pattern as its author would write it, matchers spelled out in angle brackets."""
    if isinstance(pattern, Matcher):
        return f"<{pattern.describe()}>"
    if isinstance(pattern, Mapping):
        inner = ", ".join(f"{json.dumps(key)}: {show_pattern(v)}" for key, v in pattern.items())
        return "{" + inner + "}"
    if isinstance(pattern, list | tuple):
        return "[" + ", ".join(show_pattern(item) for item in pattern) + "]"
    return render(pattern)


def mismatch_block(subject: Subject, mismatches: Sequence[Mismatch]) -> str:
    """The subject's heading, then one line per mismatch with its own line when it has one."""
    home = subject.locate(())
    lines = [subject.heading()]
    for mismatch in mismatches:
        where = subject.locate(mismatch.path)
        suffix = f"  ({where})" if where and where != home else ""
        lines.append(
            f"  {path_text(subject.full_path(mismatch.path))}: expected {mismatch.expected}, "
            f"found {render(mismatch.found)}{suffix}"
        )
    return "\n".join(lines)


def failure_message(
    summary: str,
    pattern: Any,
    failures: Sequence[tuple[Subject, Sequence[Mismatch]]] = (),
    offenders: Sequence[Subject] = (),
) -> str:
    """Summary, pattern, then blocks: ``failures`` (with mismatches) or bare ``offenders``.

    Failures are sorted by how many mismatches they have, so the resource that almost
    matched, usually the one the author meant, comes first.
    """
    lines = [summary]
    if pattern is not None:
        lines.append(f"pattern: {show_pattern(pattern)}")
    ranked = sorted(failures, key=lambda failure: len(failure[1]))
    blocks = [mismatch_block(subject, found) for subject, found in ranked[:SHOWN_SUBJECTS]]
    blocks += [subject.heading() for subject in offenders[:SHOWN_SUBJECTS]]
    hidden = [subject.logical_id for subject, _ in ranked[SHOWN_SUBJECTS:]]
    hidden += [subject.logical_id for subject in offenders[SHOWN_SUBJECTS:]]
    lines += ["", *blocks]
    if hidden:
        lines.append(f"... and {len(hidden)} more: {', '.join(hidden)}")
    return "\n".join(lines)
