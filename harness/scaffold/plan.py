"""The files ``harness init`` would write for one SAM template, with their contents.

Starter tests must pass on their first run against the embedded target, so they assert
only what holds for any correct app: handlers import, routes answer without a 5xx and
as API Gateway answers, the health route answers 200 within the latency budget. A path
parameter is filled with ``example`` (a greedy ``{proxy+}`` with ``example/path``), ``ANY``
is sent as ``GET`` and an HTTP API's ``$default`` route as ``/``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath
from string import Template

from harness.sam import Route, SamModel
from harness.smoke.app_contract import health_route

_GREEDY = re.compile(r"\{[^}/]+\+\}")
_PARAMETER = re.compile(r"\{[^}/]+\}")


@dataclass(frozen=True)
class PlannedFile:
    """One file to write, relative to the repository root."""

    path: PurePosixPath
    text: str


@dataclass(frozen=True)
class Plan:
    """The files, and what a person should know before the first run."""

    files: tuple[PlannedFile, ...]
    notes: tuple[str, ...]


def _render(name: str, **values: str) -> str:
    """A file of ``files/``, its ``${placeholders}`` filled; one without values as it is (the
    buildspecs' ``$VARIABLES`` are the shell's)."""
    text = resources.files("harness.scaffold").joinpath("files", f"{name}.tmpl").read_text()
    return Template(text).substitute(values) if values else text


def example_path(path: str) -> str:
    """A request path for a route: parameters filled, ``$default`` as ``/``."""
    if not path.startswith("/"):
        return "/"
    return _PARAMETER.sub("example", _GREEDY.sub("example/path", path))


def requests_of(routes: list[Route]) -> list[tuple[str, str]]:
    """(method, path) to send, one per route, in template order."""
    sent = [("GET" if r.method == "ANY" else r.method, example_path(r.path)) for r in routes]
    return list(dict.fromkeys(sent))


def _listing(values: list) -> str:
    """A Python list literal, one entry a line, as ruff format writes it."""
    if not values:
        return "[]"
    return "[\n" + "".join(f"    {_literal(value)},\n" for value in values) + "]"


def _literal(value: object) -> str:
    """A string or tuple of strings in double quotes, as ruff format writes it."""
    if isinstance(value, tuple):
        return "(" + ", ".join(json.dumps(v) for v in value) + ")"
    return json.dumps(value)


def _mapping(values: dict[str, str]) -> str:
    """A Python dict literal, one entry a line, as ruff format writes it."""
    if not values:
        return "{}"
    entries = "".join(f"    {json.dumps(k)}: {json.dumps(v)},\n" for k, v in values.items())
    return "{\n" + entries + "}"


def _ignores(lines: list[str]) -> str:
    if not lines:
        return ""
    return "harness_check_ignores =\n" + "".join(f"    {line}\n" for line in lines)


@dataclass(frozen=True)
class Baseline:
    """What fails on the day of adoption (:mod:`harness.scaffold.baseline`)."""

    check_ignores: tuple[str, ...] = ()
    lint_ignores: tuple[tuple[str, str], ...] = ()


def plan(
    model: SamModel, root: Path, suites_dir: str = "suites", baseline: Baseline | None = None
) -> Plan:
    """Everything ``init`` writes for ``model`` in the repository at ``root``."""
    baseline = baseline or Baseline()
    template = PurePosixPath(model.path.resolve().relative_to(root.resolve()).as_posix())
    python = [f for f in model.functions.values() if f.is_python and f.handler]
    routes = [r for r in model.routes if r.function_id is not None]
    unit_routes = [r for r in routes if r.function_id in {f.logical_id for f in python}]
    health = health_route(model)
    notes = []
    missing = [n for n, p in model.parameters.items() if p.default is None]
    parameters = ""
    if missing:
        lines = "".join(f"#     {name}=<value>\n" for name in missing)
        parameters = (
            f"# Parameters without a default need a value here:\n# harness_parameters =\n{lines}"
        )
        notes.append(
            f"{template} has parameters without a default ({', '.join(missing)}): give them "
            "values in harness_parameters before the first run"
        )
    requirements = sorted(
        {
            "    -r "
            + (f.code_dir / "requirements.txt").resolve().relative_to(root.resolve()).as_posix()
            for f in python
            if f.code_dir is not None and (f.code_dir / "requirements.txt").is_file()
        }
    )
    suites = PurePosixPath(suites_dir)
    files = [
        PlannedFile(
            PurePosixPath("pytest.ini"),
            _render(
                "pytest.ini",
                app_template=str(template),
                suites_dir=suites_dir,
                check_ignores=_ignores(list(baseline.check_ignores)),
                parameters=parameters,
            ),
        ),
        PlannedFile(
            PurePosixPath("tox.ini"),
            _render("tox.ini", suites_dir=suites_dir, requirements="\n".join(requirements)),
        ),
        PlannedFile(
            PurePosixPath("pipeline/buildspec-integration.yml"),
            _render("buildspec-integration.yml"),
        ),
        PlannedFile(PurePosixPath("pipeline/buildspec-smoke.yml"), _render("buildspec-smoke.yml")),
        PlannedFile(
            suites / "template" / "test_template.py",
            _render(
                "test_template.py",
                template=str(template),
                lint_baseline=_mapping(dict(baseline.lint_ignores)),
            ),
        ),
        PlannedFile(
            suites / "unit" / "test_handlers.py",
            _render(
                "test_handlers.py",
                functions=_listing([f.logical_id for f in python]),
                routes=_listing(requests_of(unit_routes)),
            ),
        ),
        PlannedFile(
            suites / "integration" / "test_routes.py",
            _render("test_routes.py", routes=_listing(requests_of(routes))),
        ),
    ]
    if health is None:
        notes.append(
            "no GET route needs no input, so no smoke test was written: name the health "
            "route with harness_health_route, then write the gate's tests"
        )
    else:
        files.append(
            PlannedFile(
                suites / "smoke" / "test_smoke.py",
                _render("test_smoke.py", health=f"GET /{health}"),
            )
        )
    return Plan(tuple(files), tuple(notes))
