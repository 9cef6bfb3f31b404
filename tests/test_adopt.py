"""The README's "Adopt it in your SAM repository", followed to the letter on an app not ours.

The REST hello world of ``fixtures/apps/rest_hello`` carries the two files the README
tells a team to add (``conftest.py``, ``pytest.ini``) and tests in the layer folders; it
is copied to a fresh directory and pytest runs there, in a process of its own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "rest_hello"


def test_a_copied_sam_app_runs_the_unit_and_integration_layers(tmp_path: Path) -> None:
    repository = tmp_path / "their-repo"
    shutil.copytree(APP, repository)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HARNESS_")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-m",
            "unit or integration",
        ],
        cwd=repository,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout
