"""The deployed API keeps the OpenAPI document it serves: schemathesis, every check, bounded.

schemathesis runs as its own CLI (``schemathesis run``), every phase: examples, coverage,
fuzzing, and the stateful phase, which follows the document's links (create, then get and
delete the created item). Its pytest plugin is not used: its ``from_fixture`` loader, the only
way to test a URL known once a fixture has deployed the stack, sets pytest's private
``Node._nodeid``, which pytest 9 no longer has. The CLI's own report is what a failure shows,
one block per failing case with a ``curl`` line that reproduces it, and the JUnit file carries
it alone as the failure message (no traceback); the settings live in ``schemathesis.toml``
beside this module. The write routes' token reaches it in ``ITEMS_API_TOKEN``, which the
config names for the document's ``bearerAuth`` scheme: never on the command line, where any
process of the machine could read it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.requires("http_api"), pytest.mark.mutating]

CONFIG = Path(__file__).with_name("schemathesis.toml")
RUN_TIMEOUT_S = 120
_FAILURES_HEADING = "=== FAILURES ==="


def test_the_api_keeps_the_openapi_document_it_serves(api_url: str, api_token: str) -> None:
    cli = Path(sys.executable).with_name("schemathesis")
    run = subprocess.run(
        [str(cli), "--config-file", str(CONFIG), "--no-color", "run",
         api_url + "openapi.json", "--url", api_url.rstrip("/")],
        capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False,
        env={**os.environ, "COLUMNS": "100", "ITEMS_API_TOKEN": api_token},
    )  # fmt: skip
    if run.returncode != 0:
        pytest.fail(_failures_only(run.stdout + run.stderr), pytrace=False)


def _failures_only(report: str) -> str:
    """The report from its FAILURES section on (the progress lines above it say nothing)."""
    start = report.find(_FAILURES_HEADING)
    return "schemathesis found the API and its document disagree:\n" + (
        report[report.rfind("\n", 0, start) + 1 :] if start >= 0 else report
    )
