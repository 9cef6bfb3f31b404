"""One CodeBuild build, run for real on this machine with CodeBuild's semantics.

What the CodeBuild user guide's buildspec reference and "Build phase transitions" say,
and what this executor does:

* buildspec 0.2 runs every command in the same shell: each command here runs in its own
  ``bash`` that starts from the state the previous one left (exported and plain variables,
  working directory), so ``export`` and ``cd`` carry over between commands and phases;
* phases run in order ``install``, ``pre_build``, ``build``, ``post_build``; the first
  failing command ends its phase's ``commands``, then its ``finally`` block runs; a failed
  ``install`` or ``pre_build`` skips every later phase, a failed ``build`` still runs
  ``post_build`` (with ``CODEBUILD_BUILD_SUCCEEDING=0``); ``on-failure: CONTINUE`` goes on
  to the next phase; artifacts and reports are gathered after ``build`` ran, even when it
  failed ("the UPLOAD_ARTIFACTS phase is always attempted");
* variables: the buildspec's ``env`` (plain, ``parameter-store``, ``secrets-manager``),
  then the project's, then the action's (start-build overrides win, as documented), each
  ``PARAMETER_STORE``/``SECRETS_MANAGER`` one read from the target's SSM and Secrets
  Manager; CodeBuild's own ``CODEBUILD_*`` and ``AWS_REGION`` always;
  ``exported-variables`` are read from the shell after the last phase;
* ``runtime-versions``: ``python: "3.12"`` puts that interpreter (pyenv's, else one on
  PATH, else ours with a warning) first on ``PATH``, in a fresh virtual environment with
  pip, as the image's runtime would be;
* the container: a fresh home (``/root`` in CodeBuild's images) and temp dir per build;
  the project's credentials come from a container-credentials endpoint
  (:mod:`harness.pipeline.credentials`), as CodeBuild's do; ``AWS_ENDPOINT_URL`` points
  every AWS client at the embedded target;
* ``cache`` paths of a project with a ``LOCAL`` custom cache: a path under ``/root`` is
  that path in the build's home, linked to a directory of the rehearsal's cache that
  outlives the build (CodeBuild links its local cache the same way); paths in the source
  directory likewise. Other absolute paths cannot be given to a build that runs on this
  machine and are reported, never silently dropped.

The builds of a batch run concurrently, each in its own container.
"""

from __future__ import annotations

import glob
import os
import shlex
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from uv import find_uv_bin

from harness.build.guarded import guarded_popen, kill_group
from harness.build.runtimes import find_interpreter
from harness.pipeline.buildspec import PHASE_NAMES, Artifacts, Buildspec
from harness.pipeline.reports import ReportSummary, summarize_reports

CONTAINER_HOME = "/root"
_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# What the host's network needs (registries behind a proxy or a private CA) is passed on:
# a CodeBuild container reaches PyPI through its VPC the same way.
_NETWORK_SETTINGS = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "PIP_CERT",
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_FIND_LINKS",
    "PIP_DEFAULT_TIMEOUT",
    "UV_INDEX_URL",
    "UV_EXTRA_INDEX_URL",
    "UV_NATIVE_TLS",
    "UV_SYSTEM_CERTS",
    "PYENV_ROOT",
    "LANG",
    "TERM",
)
# Shell variables of bash itself, never carried from one command to the next.
_SHELL_OWN = (
    "BASH*|EUID|PPID|UID|SHELLOPTS|FUNCNAME|GROUPS|HISTCMD|LINENO|RANDOM|SECONDS|SRANDOM|"
    "EPOCH*|PIPESTATUS|DIRSTACK|COMP*|_|__*|OPTIND|OPTERR|OPTARG|IFS|PS?|HOSTNAME|HOSTTYPE|"
    "MACHTYPE|OSTYPE|SHLVL|PWD|OLDPWD|COLUMNS|LINES|HIST*"
)
_STATE_SAVER = f"""__harness_save() {{
  __rc=$?
  {{ export -p
    for __v in $(compgen -v); do
      case $__v in {_SHELL_OWN}) ;;
        *) declare -p "$__v" 2>/dev/null | grep -v '^declare -[a-zA-Z]*r' ;;
      esac
    done
  }} > "$__HARNESS_STATE/env.next" && mv "$__HARNESS_STATE/env.next" "$__HARNESS_STATE/env.sh"
  pwd > "$__HARNESS_STATE/cwd"
  exit $__rc
}}
trap __harness_save EXIT
"""

ParameterReader = Callable[[str, str], str]


@dataclass(frozen=True)
class BuildRequest:
    """Everything one build needs; ``variables`` are the start-build overrides (the
    project's and the action's, resolved, in that order); ``identifier`` and
    ``batch_variables`` a batch build's (they override the buildspec's ``env``)."""

    project_name: str
    buildspec: Buildspec
    source_dir: Path
    secondary_sources: Mapping[str, Path]
    variables: Mapping[str, str]
    codebuild_variables: Mapping[str, str]
    cache_dir: Path | None
    timeout_s: float
    identifier: str | None = None
    batch_variables: Mapping[str, str] = field(default_factory=dict)


@dataclass
class PhaseResult:
    name: str
    status: str = "SUCCEEDED"
    seconds: float = 0.0
    failed_command: str | None = None
    exit_code: int | None = None


@dataclass
class BuildResult:
    """The build's outcome, as its record and the pipeline need it."""

    build_id: str
    identifier: str | None
    status: str
    seconds: float
    phases: list[PhaseResult]
    exported: dict[str, str]
    reports: list[ReportSummary]
    artifact_dir: Path | None
    log: Path
    failure: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"


class Container:
    """The directories of one build (home, temp, shell state), removed with :meth:`close`."""

    def __init__(self, root: Path, source: Path) -> None:
        self.root = root
        self.source = source
        self.home = root / "home"
        self.tmp = root / "tmp"
        self.state = root / "state"
        for directory in (self.home, self.tmp, self.state):
            directory.mkdir(parents=True, exist_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def run_build(
    request: BuildRequest,
    *,
    container_root: Path,
    base_environment: Mapping[str, str],
    read_parameter: ParameterReader,
    log_path: Path,
    on_phase: Callable[[str], None] = lambda _phase: None,
) -> BuildResult:
    """Run ``request``'s buildspec in a fresh container at ``container_root``.

    The container's path is the same for every build of a project (and batch identifier),
    as ``/root`` is in CodeBuild's images: what a cached directory holds (a virtual
    environment, scripts with their interpreter's path) keeps working in the next build.
    It is emptied before and after the build.
    """
    build_id = request.codebuild_variables.get("CODEBUILD_BUILD_ID", uuid.uuid4().hex)
    started = time.monotonic()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(container_root, ignore_errors=True)
    with log_path.open("a", encoding="utf-8") as log:
        container = Container(container_root, request.source_dir)
        try:
            return _Build(request, container, log, read_parameter, on_phase).run(
                build_id, started, base_environment, log_path
            )
        finally:
            container.close()


class _Build:
    def __init__(
        self,
        request: BuildRequest,
        container: Container,
        log: TextIO,
        read_parameter: ParameterReader,
        on_phase: Callable[[str], None],
    ) -> None:
        self.request = request
        self.container = container
        self.log = log
        self.read_parameter = read_parameter
        self.on_phase = on_phase
        self.warnings: list[str] = []
        self.deadline = 0.0

    def say(self, message: str) -> None:
        stamp = time.strftime("%Y/%m/%d %H:%M:%S")
        self.log.write(f"[Container] {stamp} {message}\n")
        self.log.flush()

    def run(
        self,
        build_id: str,
        started: float,
        base_environment: Mapping[str, str],
        log_path: Path,
    ) -> BuildResult:
        spec = self.request.buildspec
        self.deadline = time.monotonic() + self.request.timeout_s
        phases: list[PhaseResult] = []
        failure: str | None = None
        try:
            environment = self._environment(base_environment)
        except (LookupError, ValueError) as error:
            failure = f"DOWNLOAD_SOURCE: {error}"
            self.say(failure)
            return self._result(
                build_id,
                started,
                status="FAILED",
                phases=[],
                exported={},
                reports=[],
                artifact_dir=None,
                log=log_path,
                failure=failure,
            )
        self._write_state(environment)
        succeeding = True
        ran_build = False
        skip_rest = False
        for name in PHASE_NAMES:
            phase = spec.phases.get(name)
            if phase is None or skip_rest:
                continue
            self.on_phase(name)
            result = self._phase(name, phase.commands, phase.finally_commands, succeeding)
            phases.append(result)
            ran_build = ran_build or name == "build"
            if result.status == "FAILED":
                succeeding = False
                failure = failure or (
                    f"Error while executing command: {result.failed_command}. "
                    f"Reason: exit status {result.exit_code}"
                    if result.failed_command
                    else f"phase {name} failed"
                )
                if phase.on_failure == "CONTINUE":
                    continue
                if name in ("install", "pre_build"):
                    skip_rest = True
                if result.exit_code == _TIMED_OUT:
                    skip_rest = True
        exported = self._exported(spec.env.exported_variables)
        reports: list[ReportSummary] = []
        artifact_dir: Path | None = None
        if ran_build or not skip_rest:
            reports = summarize_reports(spec.reports, self.container.source, self._shell_value)
            if spec.artifacts is not None:
                try:
                    artifact_dir = self._artifacts(spec.artifacts)
                except ArtifactError as error:
                    succeeding = False
                    failure = failure or f"UPLOAD_ARTIFACTS: {error}"
                    self.say(failure)
        status = "SUCCEEDED" if succeeding else "FAILED"
        self.say(f"Build {status}" + (f": {failure}" if failure else ""))
        return self._result(
            build_id,
            started,
            status=status,
            phases=phases,
            exported=exported,
            reports=reports,
            artifact_dir=artifact_dir,
            log=log_path,
            failure=failure,
        )

    def _result(self, build_id: str, started: float, **outcome: object) -> BuildResult:
        return BuildResult(
            build_id=build_id,
            identifier=self.request.identifier,
            seconds=round(time.monotonic() - started, 2),
            warnings=self.warnings,
            **outcome,  # type: ignore[arg-type]
        )

    # -- environment --------------------------------------------------------------------

    def _environment(self, base: Mapping[str, str]) -> dict[str, str]:
        spec = self.request.buildspec
        container = self.container
        environment = {name: os.environ[name] for name in _NETWORK_SETTINGS if name in os.environ}
        environment |= {
            "HOME": str(container.home),
            "TMPDIR": str(container.tmp),
            "PATH": _PATH,
            "CODEBUILD_SRC_DIR": str(container.source),
            **{
                f"CODEBUILD_SRC_DIR_{name}": str(path)
                for name, path in self.request.secondary_sources.items()
            },
            **base,
        }
        environment |= spec.env.variables
        environment |= {
            name: self.read_parameter("PARAMETER_STORE", reference)
            for name, reference in spec.env.parameter_store.items()
        }
        environment |= {
            name: self.read_parameter("SECRETS_MANAGER", reference)
            for name, reference in spec.env.secrets_manager.items()
        }
        environment |= self.request.batch_variables
        environment |= self.request.variables
        environment |= self.request.codebuild_variables
        environment["CODEBUILD_BUILD_SUCCEEDING"] = "1"
        environment["PATH"] = self._runtime_path(environment["PATH"])
        self._link_caches()
        return environment

    def _runtime_path(self, path: str) -> str:
        install = self.request.buildspec.phases.get("install")
        versions = install.runtime_versions if install is not None else {}
        python = versions.get("python")
        if python is None:
            return path
        interpreter = find_interpreter(f"python{python}")
        if not interpreter.exact:
            warning = (
                f"runtime-versions python {python}: not installed here, the build runs "
                f"on {interpreter.version} ({interpreter.install_hint})"
            )
            self.warnings.append(warning)
            self.say(warning)
        venv = self.container.root / "runtime"
        subprocess.run(
            [
                find_uv_bin(),
                "venv",
                "--quiet",
                "--seed",
                "--python",
                str(interpreter.path),
                str(venv),
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
        )
        self.say(f"Selecting 'python' runtime version '{python}' ({interpreter.path})")
        return f"{venv / 'bin'}:{path}"

    def _link_caches(self) -> None:
        cache_dir = self.request.cache_dir
        if cache_dir is None:
            return
        for pattern in self.request.buildspec.cache_paths:
            prefix = _static_prefix(pattern)
            if prefix.startswith(CONTAINER_HOME + "/"):
                inside = self.container.home / prefix.removeprefix(CONTAINER_HOME + "/")
            elif not prefix.startswith("/"):
                inside = self.container.source / prefix
            else:
                self.warnings.append(
                    f"cache path {pattern}: outside the build's home and source directory; "
                    "not cached by the rehearsal"
                )
                continue
            kept = cache_dir / prefix.lstrip("/")
            kept.mkdir(parents=True, exist_ok=True)
            if inside.exists() or inside.is_symlink():
                continue
            inside.parent.mkdir(parents=True, exist_ok=True)
            inside.symlink_to(kept, target_is_directory=True)

    def _write_state(self, environment: Mapping[str, str]) -> None:
        lines = [f"export {name}={shlex.quote(value)}" for name, value in environment.items()]
        (self.container.state / "env.sh").write_text("\n".join(lines) + "\n")
        (self.container.state / "cwd").write_text(str(self.container.source))

    # -- phases -------------------------------------------------------------------------

    def _phase(
        self,
        name: str,
        commands: Sequence[str],
        finally_commands: Sequence[str],
        succeeding: bool,
    ) -> PhaseResult:
        started = time.monotonic()
        result = PhaseResult(name)
        self.say(f"Entering phase {name.upper()}")
        self._set_variable("CODEBUILD_BUILD_SUCCEEDING", "1" if succeeding else "0")
        for command in commands:
            code = self._command(command)
            if code != 0:
                result.status, result.failed_command, result.exit_code = "FAILED", command, code
                break
        for command in finally_commands:
            code = self._command(command)
            if code != 0 and result.status == "SUCCEEDED":
                result.status, result.failed_command, result.exit_code = "FAILED", command, code
        result.seconds = round(time.monotonic() - started, 2)
        self.say(f"Phase complete: {name.upper()} State: {result.status}")
        if result.failed_command:
            self.say(
                f"Phase context status code: COMMAND_EXECUTION_ERROR Message: Error while "
                f"executing command: {result.failed_command}. Reason: exit status "
                f"{result.exit_code}"
            )
        return result

    def _command(self, command: str) -> int:
        self.say(f"Running command {command}")
        state = self.container.state
        script = state / "command.sh"
        script.write_text(
            f"{_STATE_SAVER}\n. {shlex.quote(str(state / 'env.sh'))}\n"
            f'cd "$(cat {shlex.quote(str(state / "cwd"))})"\n{command}\n'
        )
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            self.say("Build timed out")
            return _TIMED_OUT
        with guarded_popen(
            ["bash", "--noprofile", "--norc", str(script)],
            cwd=self.container.source,
            env={"__HARNESS_STATE": str(state), "PATH": _PATH},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        ) as process:
            while True:
                try:
                    return process.wait(timeout=min(remaining, _CANCEL_POLL_S))
                except subprocess.TimeoutExpired:
                    remaining = self.deadline - time.monotonic()
                    if remaining > 0 and not _CANCELLED.is_set():
                        continue
                kill_group(process)
                process.wait()
                if _CANCELLED.is_set():
                    self.say("Build stopped: the rehearsal was interrupted")
                else:
                    self.say(f"Build timed out after {self.request.timeout_s:.0f} s")
                return _TIMED_OUT

    def _set_variable(self, name: str, value: str) -> None:
        with (self.container.state / "env.sh").open("a") as state:
            state.write(f"export {name}={shlex.quote(value)}\n")

    def _shell_value(self, name: str) -> str:
        """A variable's value in the build's shell as the last command left it."""
        script = (
            f". {shlex.quote(str(self.container.state / 'env.sh'))} >/dev/null 2>&1; "
            f'printf %s "${{{name}-}}"'
        )
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-c", script],
            capture_output=True,
            text=True,
            check=False,
            env={"PATH": _PATH},
        )
        return result.stdout

    def _exported(self, names: Sequence[str]) -> dict[str, str]:
        return {name: self._shell_value(name) for name in names}

    # -- artifacts ----------------------------------------------------------------------

    def _artifacts(self, artifacts: Artifacts) -> Path:
        output = self.container.source.parent / f"artifact-{uuid.uuid4().hex[:8]}"
        collect_artifacts(artifacts, self.container.source, output)
        return output


_TIMED_OUT = -1
_CANCEL_POLL_S = 0.5
_CANCELLED = threading.Event()


def cancel_builds() -> None:
    """Stop every running build's command (Ctrl-C): each build then ends as failed."""
    _CANCELLED.set()


def allow_builds() -> None:
    _CANCELLED.clear()


class ArtifactError(RuntimeError):
    """The buildspec's artifact files match nothing (CodeBuild fails UPLOAD_ARTIFACTS)."""


def collect_artifacts(artifacts: Artifacts, source: Path, output: Path) -> None:
    """Copy ``files`` (under ``base-directory``; ``discard-paths`` flattens) to ``output``."""
    output.mkdir(parents=True)
    bases = [source]
    if artifacts.base_directory is not None:
        bases = [Path(found) for found in sorted(glob.glob(str(source / artifacts.base_directory)))]
        bases = [base for base in bases if base.is_dir()]
    copied = 0
    for base in bases:
        for pattern in artifacts.files:
            for found in sorted(glob.glob(str(base / pattern), recursive=True)):
                path = Path(found)
                if not path.is_file():
                    continue
                relative = path.relative_to(base)
                if any(Path(found).match(exclude) for exclude in artifacts.exclude_paths):
                    continue
                target = output / (relative.name if artifacts.discard_paths else relative)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
                copied += 1
    if copied == 0:
        where = f" under {artifacts.base_directory}" if artifacts.base_directory else ""
        raise ArtifactError(
            f"no matching artifact paths found: {', '.join(artifacts.files)}{where}"
        )


def _static_prefix(pattern: str) -> str:
    """The directory part of a cache path before its first glob character."""
    parts = []
    for part in pattern.split("/"):
        if any(char in part for char in "*?["):
            break
        parts.append(part)
    return "/".join(parts).rstrip("/") or "."
