"""Per-test overhead of the unit layer's moto fixture versus the naive way.

The same test body (put an item, read it back) runs N times under each fixture in one
pytest process; the overhead of a test is its setup plus teardown time as pytest measures
it. Naive = what most SAM repositories do: a fresh ``mock_aws()``, new boto3 clients and
the table created again in every test.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import textwrap
from pathlib import Path

from bench.timing import PYTEST, ROOT, run_checked

TESTS_PER_STYLE = 60

GENERATED_TESTS = textwrap.dedent(
    """
    import boto3
    import pytest
    from moto import mock_aws

    pytestmark = pytest.mark.unit

    @pytest.fixture
    def naive_table():
        with mock_aws():
            resource = boto3.resource("dynamodb", region_name="us-east-1")
            resource.create_table(
                TableName="items",
                KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
            yield resource.Table("items")

    @pytest.fixture
    def harness_table(unit_aws):
        return unit_aws.table("ItemsTable")

    def body(table, n):
        table.put_item(Item={"id": f"item-{n}", "name": "widget"})
        assert table.get_item(Key={"id": f"item-{n}"})["Item"]["name"] == "widget"

    @pytest.mark.parametrize("n", range(COUNT))
    def test_harness(harness_table, n):
        body(harness_table, n)

    @pytest.mark.parametrize("n", range(COUNT))
    def test_naive(naive_table, n):
        body(naive_table, n)
    """
).replace("COUNT", str(TESTS_PER_STYLE))

TIMING_PLUGIN = textwrap.dedent(
    """
    import json, os
    overheads = {}

    def pytest_runtest_logreport(report):
        if report.when in ("setup", "teardown"):
            style = report.nodeid.split("::")[1].split("[")[0]
            overheads.setdefault(report.nodeid, [style, 0.0])[1] += report.duration

    def pytest_sessionfinish(session):
        with open(os.environ["BENCH_OUT"], "w") as out:
            json.dump(list(overheads.values()), out)
    """
)


def run() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        (work / "test_overhead.py").write_text(GENERATED_TESTS)
        (work / "bench_timing.py").write_text(TIMING_PLUGIN)
        out = work / "durations.json"
        env = {**os.environ, "BENCH_OUT": str(out), "PYTHONPATH": f"{work}{os.pathsep}{ROOT}"}
        command = [
            *PYTEST, "-c", str(ROOT / "pytest.ini"), "--rootdir", str(ROOT),
            "-p", "harness.plugin", "-p", "bench_timing", str(work / "test_overhead.py"),
        ]  # fmt: skip
        run_checked(command, env)
        rows = json.loads(out.read_text())
    harness_ms = statistics.median(sec * 1000 for style, sec in rows if style == "test_harness")
    naive_ms = statistics.median(sec * 1000 for style, sec in rows if style == "test_naive")
    return {"unit_overhead_ms_harness": harness_ms, "unit_overhead_ms_naive": naive_ms}
