"""Import the shipped template suite's modules, so mutation tests call its real checks."""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

SUITE = Path(__file__).parents[2] / "suites" / "template"
# As under pytest (rootdir-relative "prepend" imports): the suite's modules import their
# shared helper modules by name.
if str(SUITE) not in sys.path:
    sys.path.insert(0, str(SUITE))


@cache
def suite_module(name: str) -> ModuleType:
    """``suites/template/<name>.py``, imported once under a name of its own."""
    spec = importlib.util.spec_from_file_location(f"template_suite_{name}", SUITE / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Registered before it runs, as importlib's recipe says: its dataclasses look it up.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
