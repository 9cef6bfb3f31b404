"""Verification harness for SAM applications shipped through AWS CodePipeline.

``import harness`` is the public API: ``harness.Template``, ``harness.Stack``,
``harness.requires``... (``__all__``; each is explained with an example in
``docs/public-api.md``). Everything else is private, by name or by package.

The names are imported on first use, not here, because ``import harness`` must stay
light: ``dev.py`` imports :mod:`harness.summary` with nothing but the standard library, and
a unit test session must not pay for the SAM translator or cfn-lint. The list of names
lives once, in the type stub next to this file (``__init__.pyi``, which type checkers read);
this module reads its ``from ... import ... as ...`` lines, the way scientific Python's
``lazy_loader.attach_stub`` does. Not that library itself: ``dev.py``'s plain interpreter
could not import it.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import Any


def _exports() -> dict[str, str]:
    """Public name -> the module it lives in, from the stub."""
    stub = ast.parse(Path(__file__).with_suffix(".pyi").read_text(encoding="utf-8"))
    return {
        alias.asname or alias.name: node.module
        for node in stub.body
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }


_EXPORTS = _exports()
__all__ = sorted(_EXPORTS)  # noqa: PLE0605 - read from the stub, the names' one list


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'harness' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
