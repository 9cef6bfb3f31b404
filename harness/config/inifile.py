"""The ini values a command line reads: the file pytest would read, found the way pytest finds it.

So ``python -m harness up`` and ``init`` see the same ``harness_*`` keys as a pytest run in
the same directory. pytest's rules (its "Configuration" reference, ``customize.html``, for
pytest 9): from the directory upwards, the first directory holding one of, in this order,
``pytest.toml``/``.pytest.toml`` (table ``[pytest]``, always matches), ``pytest.ini``/
``.pytest.ini`` (section ``[pytest]``, always matches, even empty), ``pyproject.toml`` with
``[tool.pytest]`` or ``[tool.pytest.ini_options]``, ``tox.ini`` with ``[pytest]``,
``setup.cfg`` with ``[tool:pytest]``; failing all of them, the first ``pyproject.toml`` seen
marks the root with no values. Our own reader, not ``_pytest.config.findpaths``, because
that module is private and changed shape in pytest 9; ini files are read with
``iniconfig``, the parser pytest itself uses, so continuation lines mean the same.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import iniconfig

IniValues = dict[str, str | list[str]]


@dataclass(frozen=True)
class IniFile:
    """The file found (``None``: none), its directory (pytest's rootdir) and its values."""

    path: Path | None
    root: Path
    values: IniValues = field(default_factory=dict)


def _ini_section(section: str) -> Callable[[Path], IniValues | None]:
    def read(path: Path) -> IniValues | None:
        parsed = iniconfig.IniConfig(str(path))
        if section not in parsed:
            return None
        return dict(parsed[section].items())

    return read


def _always(read: Callable[[Path], IniValues | None]) -> Callable[[Path], IniValues | None]:
    return lambda path: read(path) or {}


def _toml_table(*keys: str) -> Callable[[Path], IniValues | None]:
    def read(path: Path) -> IniValues | None:
        node: Any = tomllib.loads(path.read_text())
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        if "ini_options" in node:  # pyproject.toml's INI-style table
            node = node["ini_options"]
        return {k: v if isinstance(v, list) else _toml_text(v) for k, v in node.items()}

    return read


def _toml_text(value: Any) -> str:
    """A TOML scalar as ini text: ``true`` rather than Python's ``True``."""
    return str(value).lower() if isinstance(value, bool) else str(value)


READERS: dict[str, Callable[[Path], IniValues | None]] = {
    "pytest.toml": _always(_toml_table("pytest")),
    ".pytest.toml": _always(_toml_table("pytest")),
    "pytest.ini": _always(_ini_section("pytest")),
    ".pytest.ini": _always(_ini_section("pytest")),
    "pyproject.toml": _toml_table("tool", "pytest"),
    "tox.ini": _ini_section("pytest"),
    "setup.cfg": _ini_section("tool:pytest"),
}


def find_ini(start: Path) -> IniFile:
    """The configuration pytest would use when run in ``start`` with no arguments."""
    start = start.resolve()
    first_pyproject: Path | None = None
    for directory in (start, *start.parents):
        for name, read in READERS.items():
            candidate = directory / name
            if not candidate.is_file():
                continue
            if name == "pyproject.toml" and first_pyproject is None:
                first_pyproject = candidate
            values = read(candidate)
            if values is not None:
                return IniFile(candidate, directory, values)
    if first_pyproject is not None:
        return IniFile(first_pyproject, first_pyproject.parent)
    return IniFile(None, start)
