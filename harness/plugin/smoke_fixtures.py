"""The smoke gate's fixtures: the stack it checks, its client, synthetic data, latency.

Everything the app must tell the gate is a setting (``harness_health_route``,
``harness_stage_output``, ``harness_smoke_latency_paths``), derived from the template when
unset (:mod:`harness.smoke.app_contract`), or the ``smoke_synthetic_contract`` fixture
the repository defines in its smoke conftest: how its records are deleted and listed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from harness.plugin.smoke_gate import GateRecorder, allowed_by
from harness.settings import HarnessSettings
from harness.smoke.app_contract import health_route, stage_output
from harness.smoke.client import ApiClient, ClientSettings, SigV4RequestAuth
from harness.smoke.latency import LatencyFigures, measure
from harness.smoke.report import commit_id
from harness.smoke.safety import SafetyMode, decide
from harness.smoke.synthetic import SyntheticContract, SyntheticData, run_id, sweep
from harness.smoke.warmup import NotReady, wait_until_ready
from harness.targets.base import Stack, StackNotReady

log = logging.getLogger("harness.smoke")


@pytest.fixture(scope="session")
def smoke_run() -> SyntheticData:
    """This run's synthetic ids: ``smoke-<CodeBuild build id or uuid>-<n>``."""
    return SyntheticData(run_id(os.environ))


@pytest.fixture(scope="session")
def smoke_synthetic_contract() -> SyntheticContract | None:
    """How the app deletes and lists synthetic records; the repository overrides this.

    ``None`` here: a repository whose smoke tests create data defines this fixture in its
    smoke ``conftest.py``, returning a :class:`~harness.smoke.synthetic.SyntheticContract`.
    """
    return None


@pytest.fixture(scope="session")
def smoke_health_route(harness_settings: HarnessSettings, request: pytest.FixtureRequest) -> str:
    """The path warm-up polls (``harness_health_route``, else derived from the template)."""
    if harness_settings.health_route:
        return harness_settings.health_route.lstrip("/")
    derived = health_route(request.getfixturevalue("sam_model"))
    if derived is None:
        pytest.fail(
            f"{harness_settings.app_template}: no GET route that needs no input to poll as the "
            "health check; name one with the option harness_health_route",
            pytrace=False,
        )
    return derived


@pytest.fixture(scope="session")
def smoke_stack(
    request: pytest.FixtureRequest,
    harness_settings: HarnessSettings,
    smoke_run: SyntheticData,
    smoke_gate: GateRecorder,
) -> Stack:
    """The stack under test, with an API the gate can reach, or the session ends here."""
    try:
        stack: Stack = request.getfixturevalue("stack")
        stack.api_url  # noqa: B018 - a stack without an API fails the gate now, not per test
    except (pytest.fail.Exception, pytest.skip.Exception, pytest.exit.Exception) as unresolved:
        smoke_gate.abort(f"stack not resolved: {unresolved}")
    except StackNotReady as not_ready:
        smoke_gate.abort(str(not_ready))
    smoke_gate.fact("target", harness_settings.target)
    smoke_gate.fact("stack", stack.name)
    smoke_gate.fact("region", stack.region)
    deployed = _deployed_stage(request, harness_settings, stack)
    seen = f" (stack output {deployed[0]} {deployed[1]})" if deployed else ""
    smoke_gate.fact("stage", f"{harness_settings.stage}{seen}")
    smoke_gate.fact("commit", commit_id(os.environ, request.config.rootpath))
    smoke_gate.fact("run_id", smoke_run.run)
    return stack


def _deployed_stage(
    request: pytest.FixtureRequest, settings: HarnessSettings, stack: Stack
) -> tuple[str, str] | None:
    """(output, value) of the stack's stage output, when the app has one."""
    name = settings.stage_output
    if name is None and settings.app_template.is_file():
        name = stage_output(request.getfixturevalue("sam_model"), settings.stage_parameter)
    if name is None or name not in stack.outputs:
        return None
    return name, stack.outputs[name]


@pytest.fixture(scope="session")
def smoke_mode(
    request: pytest.FixtureRequest,
    smoke_stack: Stack,
    harness_settings: HarnessSettings,
    smoke_gate: GateRecorder,
) -> SafetyMode:
    """Readonly-only on prod (by ``--stage`` or by the stack's stage output)."""
    deployed = _deployed_stage(request, harness_settings, smoke_stack)
    mode = decide(harness_settings.stage, deployed, allowed_by(harness_settings))
    smoke_gate.fact("safety", mode.reason)
    if mode.overridden:
        log.warning("smoke gate: %s", mode.reason)
        smoke_gate.note("prod_mutating_override", f"OVERRIDE: {mode.reason}")
    return mode


@pytest.fixture(scope="session")
def smoke_api(
    smoke_stack: Stack,
    harness_settings: HarnessSettings,
    smoke_health_route: str,
    smoke_gate: GateRecorder,
) -> Iterator[ApiClient]:
    """A client of the stack's API, warmed up: its health route answered 200."""
    auth = SigV4RequestAuth(smoke_stack.region) if harness_settings.smoke_sigv4 else None
    client = ApiClient(smoke_stack.api_url, ClientSettings(), auth)
    try:
        ready = wait_until_ready(
            client, smoke_health_route, deadline_s=harness_settings.smoke_ready_timeout_s
        )
    except NotReady as not_ready:
        client.close()
        smoke_gate.abort(str(not_ready))
    smoke_gate.fact("time_to_ready_s", f"{ready.seconds:.2f} ({ready.attempts} attempts)")
    yield client
    client.close()


@pytest.fixture(scope="session")
def smoke_contract(
    request: pytest.FixtureRequest,
    smoke_api: ApiClient,
    smoke_run: SyntheticData,
    smoke_gate: GateRecorder,
) -> SyntheticContract:
    """The repository's contract, once stale synthetic data of crashed runs is swept.

    Only tests that create data ask for it (through ``synthetic_data``), and they never run
    on prod, so a readonly gate never sweeps.
    """
    contract = request.getfixturevalue("smoke_synthetic_contract")
    if contract is None:
        pytest.fail(
            "a smoke test creates synthetic data, but no smoke_synthetic_contract fixture "
            "says how to delete it: define one in the smoke layer's conftest.py "
            "(see harness.SyntheticContract)",
            pytrace=False,
        )
    settings: HarnessSettings = request.getfixturevalue("harness_settings")
    max_age = timedelta(minutes=settings.smoke_sweep_max_age_minutes)
    swept = sweep(smoke_api, contract, max_age, datetime.now(UTC), smoke_run.prefix)
    smoke_gate.fact("swept_records", str(len(swept)))
    return contract


@pytest.fixture
def synthetic_data(
    smoke_api: ApiClient, smoke_run: SyntheticData, smoke_contract: SyntheticContract
) -> Iterator[SyntheticData]:
    """Ids for the records a test creates; every one is deleted after it, pass or fail."""
    yield smoke_run
    problems = smoke_run.delete_all(smoke_api, smoke_contract)
    if problems:
        pytest.fail("synthetic data left behind: " + "; ".join(problems), pytrace=False)


@pytest.fixture(scope="session")
def smoke_latency(
    smoke_api: ApiClient,
    harness_settings: HarnessSettings,
    smoke_health_route: str,
    smoke_gate: GateRecorder,
) -> LatencyFigures:
    """p50/p95/max of readonly requests after warm-up, recorded whatever they are."""
    figures = measure(
        smoke_api,
        harness_settings.smoke_latency_paths or (smoke_health_route,),
        harness_settings.smoke_latency_samples,
        harness_settings.smoke_latency_budget_ms,
    )
    for name, value in figures.as_properties().items():
        smoke_gate.record_property(name, value)
    smoke_gate.report.facts["latency"] = figures.describe()
    return figures
