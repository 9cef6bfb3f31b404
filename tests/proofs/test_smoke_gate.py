"""The smoke gate, run for real (``suites/smoke`` in a pytest subprocess) against broken apps.

Each test deploys one copy of ``app/`` on the embedded target, broken in one way, and
checks that the gate fails naming the check that caught it; the good copy must pass. A
probe plugin in the session writes the local API's request log and the synthetic items
left in the table to ``probe.json`` just before the target is torn down.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
MUTATING_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

PROBE = """
import json
from pathlib import Path

import pytest

from harness.plugin.targets import STACK_KEY


@pytest.fixture(scope="session", autouse=True)
def _probe(request, target):
    yield
    stack = request.config.stash.get(STACK_KEY, None)
    if stack is None:
        return
    table = stack.client("dynamodb").scan(TableName=stack.outputs["TableName"])
    Path("probe.json").write_text(json.dumps({
        "requests": [
            [r.method, r.path, r.status]
            for api in stack.front.apis.values()
            for r in api.request_log
        ],
        "leftover": [i["id"]["S"] for i in table["Items"] if i["id"]["S"].startswith("smoke-")],
    }))
"""

GET_ITEM_ROUTE = """\
        GetItem:
          Type: HttpApi
          Properties:
            ApiId: !Ref ItemsApi
            Method: GET
            Path: /items/{id}
"""
STAGE_OUTPUT = """\
  Stage:
    Description: Stage this stack was deployed as.
    Value: !Ref Stage
"""


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{path} no longer contains {old!r}: update this proving test"
    path.write_text(text.replace(old, new))


@pytest.fixture
def gate(pytester: pytest.Pytester) -> Callable[..., pytest.RunResult]:
    """``gate(*args, breakage=None)``: run ``suites/smoke`` on a copy of ``app/``, broken or not."""
    shutil.copytree(REPOSITORY / "app", pytester.path / "app", ignore=_no_bytecode)
    shutil.copytree(REPOSITORY / "suites" / "smoke", pytester.path / "suites" / "smoke")
    (pytester.path / ".cache").symlink_to(REPOSITORY / ".cache", target_is_directory=True)
    shutil.copy(REPOSITORY / "pytest.ini", pytester.path / "pytest.ini")
    pytester.makepyfile(smoke_probe=PROBE)
    pytester.makeconftest('pytest_plugins = ["harness.plugin", "smoke_probe"]')

    def run(*args: str, breakage: Callable[[Path], None] | None = None) -> pytest.RunResult:
        if breakage is not None:
            breakage(pytester.path / "app")
        return pytester.runpytest_subprocess("suites/smoke", "-p", "no:cacheprovider", *args)

    return run


def _no_bytecode(directory: str, names: list[str]) -> list[str]:
    return [name for name in names if name == "__pycache__"]


def _probe(pytester: pytest.Pytester) -> dict[str, Any]:
    return json.loads((pytester.path / "probe.json").read_text())


def _verdict(result: pytest.RunResult) -> str:
    """The gate's one-screen summary, from its banner to the verdict line."""
    text = result.stdout.str()
    assert "= smoke gate =" in text, text
    return text[text.index("= smoke gate =") : text.index("smoke gate verdict:") + 30]


def _failed_checks(result: pytest.RunResult) -> set[str]:
    return {line.split()[2] for line in _verdict(result).splitlines() if line.startswith("FAILED ")}


def test_the_good_app_passes_and_reports_its_context(
    gate: Callable[..., pytest.RunResult], pytester: pytest.Pytester
) -> None:
    result = gate()

    assert result.ret == 0, result.stdout.str()
    result.assert_outcomes(passed=13)
    assert "smoke gate verdict: PASS" in _verdict(result)
    junit = ET.parse(pytester.path / "reports" / "smoke-dev.xml").getroot()
    properties = {p.get("name"): p.get("value") for p in junit.iter("property")}
    assert {"target", "stack", "region", "commit", "emulation_gap", "latency_p95_ms"} <= set(
        properties
    )
    assert properties["target"] == "embedded"
    assert _probe(pytester)["leftover"] == []


def test_a_missing_route_fails_the_checks_that_use_it(
    gate: Callable[..., pytest.RunResult],
) -> None:
    result = gate(breakage=lambda app: _replace(app / "template.yaml", GET_ITEM_ROUTE, ""))

    assert result.ret == 1
    assert "test_items_read.py::test_unknown_item_is_404_naming_the_id" in _failed_checks(result)
    assert "smoke gate verdict: FAIL" in _verdict(result)


def test_a_raising_handler_fails_mid_test_and_leaves_no_synthetic_item(
    gate: Callable[..., pytest.RunResult], pytester: pytest.Pytester
) -> None:
    def read_handler_raises(app: Path) -> None:
        _replace(
            app / "src" / "items" / "routes_read.py",
            "    return store.fetch_item(item_id)",
            '    raise RuntimeError("broken on purpose")',
        )

    result = gate(breakage=read_handler_raises)

    assert result.ret == 1
    assert "test_items_write.py::test_create_read_delete_round_trip" in _failed_checks(result)
    probe = _probe(pytester)
    assert ["POST", "/items", 201] in probe["requests"], "no item was created before the failure"
    assert probe["leftover"] == []


def test_a_wrong_table_name_fails_listing_and_the_round_trip(
    gate: Callable[..., pytest.RunResult],
) -> None:
    result = gate(
        breakage=lambda app: _replace(
            app / "template.yaml", "TABLE_NAME: !Ref ItemsTable", "TABLE_NAME: no-such-table"
        )
    )

    assert result.ret == 1
    assert {
        "test_items_read.py::test_list_returns_a_page_and_each_item_reads_back",
        "test_items_write.py::test_create_read_delete_round_trip",
    } <= _failed_checks(result)


def test_an_exceeded_latency_budget_fails_only_the_latency_check(
    gate: Callable[..., pytest.RunResult],
) -> None:
    result = gate("--smoke-latency-budget-ms", "0.001")

    assert result.ret == 1
    assert _failed_checks(result) == {"test_latency.py::test_p95_latency_is_within_budget"}
    result.stdout.fnmatch_lines(["*p95 * ms (budget 0.001 ms)*"])


def test_a_health_route_that_never_answers_aborts_the_gate_naming_it(
    gate: Callable[..., pytest.RunResult], pytester: pytest.Pytester
) -> None:
    result = gate("--health-route", "/no-such-health", "--smoke-ready-timeout-s", "1")

    assert result.ret == 1
    result.stdout.fnmatch_lines(["*smoke gate: warm-up: GET http://127.0.0.1:*/no-such-health*"])
    assert "ABORTED" in _verdict(result)
    assert "smoke gate verdict: FAIL" in _verdict(result)
    junit = (pytester.path / "reports" / "smoke-dev.xml").read_text()
    assert 'name="gate_aborted"' in junit


def test_without_a_stage_output_the_gate_still_runs_on_the_stage_it_is_given(
    gate: Callable[..., pytest.RunResult],
) -> None:
    result = gate(breakage=lambda app: _replace(app / "template.yaml", STAGE_OUTPUT, ""))

    assert result.ret == 0, result.stdout.str()
    assert "stage: dev\n" in _verdict(result) + "\n"


def test_prod_sends_no_mutating_request_to_the_api(
    gate: Callable[..., pytest.RunResult], pytester: pytest.Pytester
) -> None:
    result = gate("--stage", "prod")

    assert result.ret == 0, result.stdout.str()
    result.assert_outcomes(passed=10, deselected=3)
    requests = _probe(pytester)["requests"]
    assert requests, "the probe saw no request at all"
    assert [r for r in requests if r[0] in MUTATING_METHODS] == []
    assert (pytester.path / "reports" / "smoke-prod.xml").is_file()
    result.stdout.fnmatch_lines(["note: deselected 3 mutating test(s): --stage prod*"])
