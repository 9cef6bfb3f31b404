"""Where a SAM function's HTTP routes land in its Python code, read statically.

"Every route resolves to a handler" is checked by reading source with ``ast``, never by
importing it: importing a handler runs its module code (clients, Powertools, pydantic)
and needs the function's dependencies installed, and the template layer must stay fast
and side-effect free. Routes registered with Powertools' resolver or ``Router``
decorators (``@router.get("/items/<id>")``) are found in the handler's module and in the
modules whose ``router`` it includes.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HTTP_METHODS = frozenset({"get", "post", "put", "delete", "patch", "head", "options"})
_PATH_PARAMETER = re.compile(r"\{[^}]+\}|<[^>]+>")

RouteSignature = tuple[str, str]
"""Method and path with parameter names erased, so ``/items/{id}`` == ``/items/<id>``."""


def route_signature(method: str, path: str) -> RouteSignature:
    """What a template route and a code route must share to be the same route."""
    return method.upper(), _PATH_PARAMETER.sub("{}", path)


@dataclass(frozen=True)
class HandlerCode:
    """The source behind a ``Handler`` setting, and the routes its code registers."""

    module_file: Path
    function: str
    defined: bool
    routes: frozenset[RouteSignature]


def handler_code(code_dir: Path, handler: str) -> HandlerCode:
    """Read the module a Python ``Handler`` (``package.module.function``) points at."""
    module_name, _, function = handler.rpartition(".")
    module_file = _module_file(code_dir, module_name)
    if module_file is None:
        return HandlerCode(
            code_dir / f"{module_name.replace('.', '/')}.py", function, False, frozenset()
        )
    tree = ast.parse(module_file.read_text(encoding="utf-8"), str(module_file))
    routes = set(_decorated_routes(tree))
    for included in _included_router_modules(tree, code_dir):
        routes |= set(_decorated_routes(ast.parse(included.read_text(encoding="utf-8"))))
    return HandlerCode(module_file, function, _defines(tree, function), frozenset(routes))


def _module_file(code_dir: Path, module_name: str) -> Path | None:
    base = code_dir.joinpath(*module_name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _defines(tree: ast.Module, name: str) -> bool:
    """A top-level ``def name`` or ``name = ...`` (a handler may be a wrapped callable)."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            return True
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in node.targets
        ):
            return True
    return False


def _decorated_routes(tree: ast.Module) -> Iterator[RouteSignature]:
    """``@x.get("/path")``-style decorators; ``@x.route("/p", method=[...])`` too."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for decorator in node.decorator_list:
            if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)):
                continue
            path = _literal(decorator.args[0]) if decorator.args else None
            if not isinstance(path, str):
                continue
            verb = decorator.func.attr
            if verb in HTTP_METHODS:
                yield route_signature(verb, path)
            elif verb == "route":
                methods = _route_methods(decorator)
                yield from (route_signature(method, path) for method in methods)


def _route_methods(decorator: ast.Call) -> list[str]:
    for keyword in decorator.keywords:
        if keyword.arg == "method":
            value = _literal(keyword.value)
            return [value] if isinstance(value, str) else list(value or [])
    positional = _literal(decorator.args[1]) if len(decorator.args) > 1 else None
    if isinstance(positional, str):
        return [positional]
    return list(positional or ["ANY"])


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def _included_router_modules(tree: ast.Module, code_dir: Path) -> Iterator[Path]:
    """Modules whose ``router`` the handler module passes to ``include_router``."""
    imported: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                imported[alias.asname or alias.name] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "include_router"
            and node.args
            and isinstance(node.args[0], ast.Attribute)
            and isinstance(node.args[0].value, ast.Name)
            and node.args[0].value.id in imported
        ):
            module_file = _module_file(code_dir, imported[node.args[0].value.id])
            if module_file is not None:
                yield module_file
