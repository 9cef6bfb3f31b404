"""After Ctrl-C, no Lambda worker process outlives the session or ``python -m harness up``."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

pytest_plugins = ["pytester"]

REPOSITORY = Path(__file__).resolve().parents[2]
_DEADLINE_S = 120


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_for(path: Path) -> str:
    deadline = time.monotonic() + _DEADLINE_S
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        time.sleep(0.1)
    raise AssertionError(f"{path} was never written")


def _interrupt(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    process.wait(timeout=_DEADLINE_S)


def test_an_interrupted_pytest_session_leaves_no_worker(
    pytester: pytest.Pytester, sample_app: Path
) -> None:
    shutil.copytree(sample_app.parent, pytester.path / "app")
    (pytester.path / ".cache").symlink_to(REPOSITORY / ".cache", target_is_directory=True)
    pytester.makeconftest('pytest_plugins = ["harness.pytest_plugin", "harness.fixtures.targets"]')
    pid_file = pytester.path / "worker.pid"
    pytester.makepyfile(
        f"""
        import time
        import requests

        def test_waits_for_ctrl_c(api_url):
            pid = requests.get(api_url + "env", timeout=30).json()["pid"]
            open({str(pid_file)!r}, "w").write(str(pid))
            time.sleep(600)
        """
    )
    session = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"],
        cwd=pytester.path,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker_pid = int(_wait_for(pid_file))
    assert _alive(worker_pid)
    _interrupt(session)
    assert not _alive(worker_pid)


def test_harness_up_serves_until_ctrl_c_and_leaves_no_worker(
    tmp_path: Path, sample_app: Path
) -> None:
    output = tmp_path / "up.out"
    with output.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "harness", "up", "--template", str(sample_app)],
            cwd=REPOSITORY,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        url = _wait_for_line(output, "ApiUrl: ").removeprefix("ApiUrl: ")
        worker_pid = requests.get(url + "env", timeout=30).json()["pid"]
    finally:
        _interrupt(server)
    assert server.returncode == 0
    assert not _alive(worker_pid)
    assert "Traceback" not in output.read_text()


def _wait_for_line(path: Path, prefix: str) -> str:
    deadline = time.monotonic() + _DEADLINE_S
    while time.monotonic() < deadline:
        for line in path.read_text().splitlines():
            if line.startswith(prefix):
                return line
        time.sleep(0.1)
    raise AssertionError(f"no line starting with {prefix!r} in {path}: {path.read_text()}")
