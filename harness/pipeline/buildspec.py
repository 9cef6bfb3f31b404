"""A typed, validated model of CodeBuild buildspec files (version 0.2).

CodeBuild only reads a buildspec when a build starts, so a typo in it surfaces minutes into a
pipeline run, or never: a misspelt report key is silently ignored and the test report simply
goes missing. Loading every buildspec here lets the template suite check what the pipeline
relies on (each test action runs its tox environment, declares reports, exports what the
approval reads) before anything is deployed.

Unknown keys are errors on purpose: the model covers the subset of the buildspec syntax this
kind of project uses, and rejecting the rest is what turns ``base_directory`` into a failure
instead of a lost report. Every error names the file and the key path at fault, e.g.
``pipeline/buildspec-smoke.yml: phases.build.commands[2]: must be a string``.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

PHASE_NAMES = ("install", "pre_build", "build", "post_build")
TEST_REPORT_FORMATS = frozenset(
    {"JUNITXML", "CUCUMBERJSON", "TESTNGXML", "VISUALSTUDIOTRX", "NUNITXML", "NUNIT3XML"}
)
COVERAGE_REPORT_FORMATS = frozenset({"CLOVERXML", "COBERTURAXML", "JACOCOXML", "SIMPLECOV"})
REPORT_FORMATS = TEST_REPORT_FORMATS | COVERAGE_REPORT_FORMATS
ON_FAILURE_MODES = frozenset({"ABORT", "CONTINUE"})

_BATCH_ENV_KEYS = {"variables", "compute-type", "image", "type", "privileged-mode"}
_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SHELL_SEPARATORS = frozenset({"&&", "||", ";", "|"})


class BuildspecError(ValueError):
    """A buildspec that CodeBuild would reject or misread; names the file and the key path."""

    def __init__(self, source: str, key_path: str, problem: str) -> None:
        super().__init__(f"{source}: {key_path}: {problem}")
        self.source = source
        self.key_path = key_path
        self.problem = problem


@dataclass(frozen=True)
class Env:
    """The ``env`` section: variables the build sees and the ones it exports to the pipeline."""

    variables: Mapping[str, str] = field(default_factory=dict)
    parameter_store: Mapping[str, str] = field(default_factory=dict)
    secrets_manager: Mapping[str, str] = field(default_factory=dict)
    exported_variables: tuple[str, ...] = ()
    shell: str | None = None


@dataclass(frozen=True)
class Phase:
    """One build phase; ``finally_commands`` run even when ``commands`` fail."""

    name: str
    commands: tuple[str, ...] = ()
    finally_commands: tuple[str, ...] = ()
    runtime_versions: Mapping[str, str] = field(default_factory=dict)
    on_failure: str | None = None


@dataclass(frozen=True)
class ReportGroup:
    """A ``reports`` entry; ``name`` is a group name, an ARN, or a variable holding either."""

    name: str
    files: tuple[str, ...]
    base_directory: str | None = None
    file_format: str = "JUNITXML"
    discard_paths: bool = False

    @property
    def is_coverage(self) -> bool:
        return self.file_format in COVERAGE_REPORT_FORMATS

    def paths(self) -> tuple[str, ...]:
        """The file patterns relative to the source root, as a reviewer would write them."""
        if self.base_directory is None:
            return self.files
        return tuple(str(PurePosixPath(self.base_directory, name)) for name in self.files)


@dataclass(frozen=True)
class Artifacts:
    """The ``artifacts`` section (and each of its secondary artifacts)."""

    files: tuple[str, ...]
    name: str | None = None
    base_directory: str | None = None
    discard_paths: bool = False
    exclude_paths: tuple[str, ...] = ()
    secondary: Mapping[str, Artifacts] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchBuild:
    """One build of a batch: its identifier and the variables it adds to the buildspec's."""

    identifier: str
    variables: Mapping[str, str] = field(default_factory=dict)
    buildspec: str | None = None
    ignore_failure: bool = False


@dataclass(frozen=True)
class Batch:
    """The ``batch`` section: a ``build-list`` or a ``build-matrix``, expanded into builds.

    A matrix's builds are every combination of its ``dynamic.env.variables`` values, in
    the order the values are written (the first variable varying slowest), named
    ``<VAR1>_<value1>_<VAR2>_<value2>`` as CodeBuild does not promise any identifier.
    """

    kind: str
    builds: tuple[BatchBuild, ...]
    fast_fail: bool = False


@dataclass(frozen=True)
class Buildspec:
    """A loaded buildspec; ``source`` is the path it was read from, used in every message."""

    source: str
    phases: Mapping[str, Phase]
    env: Env = field(default_factory=Env)
    reports: Mapping[str, ReportGroup] = field(default_factory=dict)
    artifacts: Artifacts | None = None
    cache_paths: tuple[str, ...] = ()
    run_as: str | None = None
    batch: Batch | None = None

    def all_commands(self) -> tuple[str, ...]:
        """Every command in the order CodeBuild runs them (each phase, then its finally)."""
        return tuple(
            command
            for name in PHASE_NAMES
            if name in self.phases
            for command in (*self.phases[name].commands, *self.phases[name].finally_commands)
        )

    def runs_tox_env(self, name: str) -> bool:
        """Whether some command runs ``tox ... -e <name>`` (alone or in a comma list)."""
        return any(name in tox_envs(command) for command in self.all_commands())

    def report_files(self) -> tuple[str, ...]:
        """Every report file pattern, joined with its group's base directory."""
        return tuple(path for group in self.reports.values() for path in group.paths())


def tox_envs(command: str) -> frozenset[str]:
    """The environments a shell command asks tox to run via ``-e``/``--env``.

    Arguments after ``--`` belong to pytest and are ignored; a command tox does not appear in,
    or one the shell lexer cannot split, runs none.
    """
    try:
        tokens = shlex.split(command, comments=True)
    except ValueError:
        return frozenset()
    start = next((i for i, token in enumerate(tokens) if _is_tox(token)), None)
    if start is None:
        return frozenset()
    envs: set[str] = set()
    arguments = iter(tokens[start + 1 :])
    for token in arguments:
        if token == "--" or token in _SHELL_SEPARATORS:
            break
        if token in ("-e", "--env"):
            envs.update(next(arguments, "").split(","))
        elif token.startswith("--env="):
            envs.update(token.removeprefix("--env=").split(","))
        elif token.startswith("-e") and not token.startswith("--"):
            envs.update(token[2:].removeprefix("=").split(","))
    return frozenset(env for env in envs if env)


def _is_tox(token: str) -> bool:
    return token == "tox" or token.endswith("/tox")


def load_buildspec(path: str | Path) -> Buildspec:
    """Read and validate a buildspec file; raise :class:`BuildspecError` on any problem."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise BuildspecError(source, "(file)", f"cannot be read: {error.strerror}") from error
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(document)"
        problem = getattr(error, "problem", None) or str(error)
        raise BuildspecError(source, where, f"invalid YAML: {problem}") from error
    return parse_buildspec(document, source)


def parse_buildspec(document: object, source: str) -> Buildspec:
    """Validate an already-parsed buildspec (e.g. a mutated copy in a test)."""
    return _Parser(source).buildspec(document)


class _Parser:
    """Walks the document, carrying the source name so every error can name it."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key_path: str, problem: str) -> BuildspecError:
        return BuildspecError(self.source, key_path, problem)

    def buildspec(self, document: object) -> Buildspec:
        top = self.mapping(document, "(document)")
        self.known_keys(
            top,
            "",
            {"version", "run-as", "env", "phases", "reports", "artifacts", "cache", "batch"},
        )
        if "version" not in top:
            raise self.fail("version", "required; must be 0.2")
        if str(top["version"]) != "0.2":
            raise self.fail(
                "version",
                f"must be 0.2, found {top['version']!r} (0.1 runs every command in a new shell)",
            )
        if "phases" not in top:
            raise self.fail("phases", "required")
        phases = self.mapping(top["phases"], "phases")
        return Buildspec(
            source=self.source,
            phases={name: self.phase(name, value) for name, value in phases.items()},
            env=self.env(top["env"]) if "env" in top else Env(),
            reports={
                name: self.report_group(str(name), value)
                for name, value in self.mapping(top.get("reports", {}), "reports").items()
            },
            artifacts=self.artifacts(top["artifacts"], "artifacts") if "artifacts" in top else None,
            cache_paths=self.cache_paths(top["cache"]) if "cache" in top else (),
            run_as=self.optional_string(top, "run-as", ""),
            batch=self.batch(top["batch"]) if "batch" in top else None,
        )

    def batch(self, value: object) -> Batch:
        body = self.mapping(value, "batch")
        self.known_keys(body, "batch", {"fast-fail", "build-list", "build-matrix", "build-graph"})
        kinds = [kind for kind in ("build-list", "build-matrix", "build-graph") if kind in body]
        if len(kinds) != 1:
            raise self.fail("batch", "must hold exactly one of build-list, build-matrix")
        (kind,) = kinds
        if kind == "build-graph":
            raise self.fail("batch.build-graph", "is not modelled; use build-list or build-matrix")
        fast_fail = self.true_false(body, "fast-fail", "batch")
        if kind == "build-list":
            builds = self.build_list(body[kind])
        else:
            builds = self.build_matrix(body[kind])
        identifiers = [build.identifier for build in builds]
        if len(set(identifiers)) != len(identifiers):
            raise self.fail(f"batch.{kind}", "identifiers must be unique")
        return Batch(kind, builds, fast_fail)

    def build_list(self, value: object) -> tuple[BatchBuild, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail("batch.build-list", "must be a non-empty list of builds")
        builds = []
        for index, item in enumerate(value):
            where = f"batch.build-list[{index}]"
            body = self.mapping(item, where)
            self.known_keys(body, where, {"identifier", "env", "buildspec", "ignore-failure"})
            identifier = self.optional_string(body, "identifier", where) or f"build{index + 1}"
            if not _VARIABLE_NAME.match(identifier):
                raise self.fail(
                    f"{where}.identifier", "letters, digits and underscores only (CodeBuild)"
                )
            env = self.mapping(body.get("env", {}), f"{where}.env")
            self.known_keys(
                env,
                f"{where}.env",
                {"variables", "compute-type", "image", "type", "privileged-mode"},
            )
            builds.append(
                BatchBuild(
                    identifier=identifier,
                    variables=self.variables(env.get("variables", {}), f"{where}.env.variables"),
                    buildspec=self.optional_string(body, "buildspec", where),
                    ignore_failure=self.true_false(body, "ignore-failure", where),
                )
            )
        return tuple(builds)

    def build_matrix(self, value: object) -> tuple[BatchBuild, ...]:
        body = self.mapping(value, "batch.build-matrix")
        self.known_keys(body, "batch.build-matrix", {"static", "dynamic"})
        static = self.mapping(body.get("static", {}), "batch.build-matrix.static")
        dynamic = self.mapping(body.get("dynamic", {}), "batch.build-matrix.dynamic")
        env = self.mapping(dynamic.get("env", {}), "batch.build-matrix.dynamic.env")
        where = "batch.build-matrix.dynamic.env.variables"
        axes = self.mapping(env.get("variables", {}), where)
        if not axes:
            raise self.fail(where, "must list at least one variable and its values")
        combinations: list[dict[str, str]] = [{}]
        for name, values in axes.items():
            strings = self.strings(values, f"{where}.{name}")
            combinations = [{**done, str(name): item} for done in combinations for item in strings]
        ignore_failure = self.true_false(static, "ignore-failure", "batch.build-matrix.static")
        return tuple(
            BatchBuild(
                identifier="_".join(f"{name}_{_identifier_part(item)}" for name, item in c.items()),
                variables=c,
                ignore_failure=ignore_failure,
            )
            for c in combinations
        )

    def phase(self, name: object, value: object) -> Phase:
        where = f"phases.{name}"
        if name not in PHASE_NAMES:
            raise self.fail(where, f"unknown phase; expected one of {', '.join(PHASE_NAMES)}")
        body = self.mapping(value, where)
        self.known_keys(body, where, {"commands", "finally", "runtime-versions", "on-failure"})
        if "runtime-versions" in body and name != "install":
            raise self.fail(f"{where}.runtime-versions", "only allowed in the install phase")
        on_failure = self.optional_string(body, "on-failure", where)
        if on_failure is not None and on_failure not in ON_FAILURE_MODES:
            raise self.fail(
                f"{where}.on-failure", f"must be one of {', '.join(sorted(ON_FAILURE_MODES))}"
            )
        return Phase(
            name=str(name),
            commands=self.strings(body.get("commands", []), f"{where}.commands"),
            finally_commands=self.strings(body.get("finally", []), f"{where}.finally"),
            runtime_versions=self.runtime_versions(
                body.get("runtime-versions", {}), f"{where}.runtime-versions"
            ),
            on_failure=on_failure,
        )

    def runtime_versions(self, value: object, where: str) -> dict[str, str]:
        versions = self.mapping(value, where)
        for runtime, version in versions.items():
            if isinstance(version, float):
                raise self.fail(
                    f"{where}.{runtime}",
                    f"must be a quoted string, found {version!r} (YAML reads 3.10 as 3.1)",
                )
            if not isinstance(version, str | int) or isinstance(version, bool):
                raise self.fail(f"{where}.{runtime}", "must be a version string")
        return {str(runtime): str(version) for runtime, version in versions.items()}

    def env(self, value: object) -> Env:
        body = self.mapping(value, "env")
        self.known_keys(
            body,
            "env",
            {
                "variables",
                "parameter-store",
                "secrets-manager",
                "exported-variables",
                "shell",
            },
        )
        exported = self.strings(body.get("exported-variables", []), "env.exported-variables")
        for index, name in enumerate(exported):
            if not _VARIABLE_NAME.match(name):
                raise self.fail(
                    f"env.exported-variables[{index}]", f"{name!r} is not a variable name"
                )
        return Env(
            variables=self.variables(body.get("variables", {}), "env.variables"),
            parameter_store=self.variables(body.get("parameter-store", {}), "env.parameter-store"),
            secrets_manager=self.variables(body.get("secrets-manager", {}), "env.secrets-manager"),
            exported_variables=exported,
            shell=self.optional_string(body, "shell", "env"),
        )

    def variables(self, value: object, where: str) -> dict[str, str]:
        """Names to values; booleans and floats are refused because YAML rewrote them."""
        variables = self.mapping(value, where)
        for name, setting in variables.items():
            key = f"{where}.{name}"
            if not isinstance(name, str) or not _VARIABLE_NAME.match(name):
                raise self.fail(key, "is not a variable name")
            if isinstance(setting, bool | float):
                raise self.fail(
                    key, f"must be a string, found {setting!r} (quote it: YAML rewrote the value)"
                )
            if not isinstance(setting, str | int):
                raise self.fail(key, f"must be a string, found {type(setting).__name__}")
        return {name: str(setting) for name, setting in variables.items()}

    def report_group(self, name: str, value: object) -> ReportGroup:
        where = f"reports.{name}"
        body = self.mapping(value, where)
        self.known_keys(body, where, {"files", "base-directory", "file-format", "discard-paths"})
        if "files" not in body:
            raise self.fail(f"{where}.files", "required: the report files to upload")
        files = self.strings(body["files"], f"{where}.files")
        if not files:
            raise self.fail(f"{where}.files", "must list at least one file")
        file_format = body.get("file-format", "JUNITXML")
        if file_format not in REPORT_FORMATS:
            raise self.fail(
                f"{where}.file-format",
                f"{file_format!r} is not a CodeBuild report format; "
                f"expected one of {', '.join(sorted(REPORT_FORMATS))}",
            )
        return ReportGroup(
            name=name,
            files=files,
            base_directory=self.optional_string(body, "base-directory", where),
            file_format=file_format,
            discard_paths=self.yes_no(body, "discard-paths", where),
        )

    def artifacts(self, value: object, where: str) -> Artifacts:
        body = self.mapping(value, where)
        allowed = {"files", "name", "base-directory", "discard-paths", "exclude-paths"}
        if where == "artifacts":
            allowed.add("secondary-artifacts")
        self.known_keys(body, where, allowed)
        if "files" not in body:
            raise self.fail(f"{where}.files", "required")
        secondary = self.mapping(
            body.get("secondary-artifacts", {}), f"{where}.secondary-artifacts"
        )
        return Artifacts(
            files=self.strings(body["files"], f"{where}.files"),
            name=self.optional_string(body, "name", where),
            base_directory=self.optional_string(body, "base-directory", where),
            discard_paths=self.yes_no(body, "discard-paths", where),
            exclude_paths=self.strings(body.get("exclude-paths", []), f"{where}.exclude-paths"),
            secondary={
                str(name): self.artifacts(item, f"{where}.secondary-artifacts.{name}")
                for name, item in secondary.items()
            },
        )

    def cache_paths(self, value: object) -> tuple[str, ...]:
        body = self.mapping(value, "cache")
        self.known_keys(body, "cache", {"paths"})
        return self.strings(body.get("paths", []), "cache.paths")

    # -- primitives -------------------------------------------------------------------------

    def mapping(self, value: object, where: str) -> dict[object, object]:
        if not isinstance(value, dict):
            raise self.fail(where, f"must be a mapping, found {_kind(value)}")
        return value

    def strings(self, value: object, where: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(where, f"must be a list of strings, found {_kind(value)}")
        for index, item in enumerate(value):
            if isinstance(item, dict):
                raise self.fail(
                    f"{where}[{index}]",
                    "must be a string, found a mapping (quote an item that contains ': ')",
                )
            if not isinstance(item, str):
                raise self.fail(f"{where}[{index}]", f"must be a string, found {_kind(item)}")
        return tuple(value)

    def optional_string(self, body: dict[object, object], key: str, where: str) -> str | None:
        if key not in body:
            return None
        value = body[key]
        if not isinstance(value, str):
            raise self.fail(_join(where, key), f"must be a string, found {_kind(value)}")
        return value

    def yes_no(self, body: dict[object, object], key: str, where: str) -> bool:
        """CodeBuild spells booleans yes/no; YAML 1.1 may already have turned them into bools."""
        value = body.get(key, False)
        if isinstance(value, bool):
            return value
        if value in ("yes", "no"):
            return value == "yes"
        raise self.fail(_join(where, key), f"must be yes or no, found {value!r}")

    def true_false(self, body: dict[object, object], key: str, where: str) -> bool:
        value = body.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(_join(where, key), f"must be true or false, found {value!r}")
        return value

    def known_keys(self, body: dict[object, object], where: str, allowed: set[str]) -> None:
        for key in body:
            if key not in allowed:
                raise self.fail(
                    _join(where, str(key)),
                    f"unknown key; expected one of {', '.join(sorted(allowed))}",
                )


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _identifier_part(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", value)


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )
