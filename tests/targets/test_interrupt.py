"""After Ctrl-C, no Lambda worker process outlives the session or ``python -m harness up``."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

pytest_plugins = ["pytester"]

REPOSITORY = Path(__file__).resolve().parents[2]
_DEADLINE_S = 120
_STOP_BOUND_S = 10
"""Far below the 30-s request a stop used to wait for; the 2-s goal is a benchmark's."""

# `python -m harness` with Python's own Ctrl-C handler, which a background shell job
# would otherwise have inherited as "ignore"; PATCH runs first.
LAUNCH = """
import runpy, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
{patch}
sys.argv = ["harness", *sys.argv[1:]]
runpy.run_module("harness", run_name="__main__")
"""

LONG_HANDLER = """\
import os, time

def lambda_handler(event, context):
    if event["rawPath"] == "/long":
        print("sleeping for 30 s", flush=True)
        time.sleep(30)
    return {"pid": os.getpid(), "endpoint": os.environ["AWS_ENDPOINT_URL"]}
"""


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
    pytester.makeconftest('pytest_plugins = ["harness.plugin", "harness.plugin.targets"]')
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


def _descendants(pid: int) -> list[int]:
    """Every live process below ``pid``, found through the parent PIDs in /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, pending = [], [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return [child for child in found if _alive(child)]


def _listening(url: str) -> bool:
    parts = urlsplit(url)
    with socket.socket() as probe:
        return probe.connect_ex((parts.hostname, parts.port)) == 0


def _start_up(tmp_path: Path, template: Path, patch: str = "") -> tuple[subprocess.Popen, Path]:
    output = tmp_path / "up.out"
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    with output.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-c", LAUNCH.format(patch=patch), "up", "--template", str(template)],
            cwd=REPOSITORY,
            env={**os.environ, "TMPDIR": str(temporary)},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    return server, output


def test_harness_up_stops_at_once_during_a_long_request_and_leaves_nothing(
    tmp_path: Path, write_app
) -> None:
    template = write_app(LONG_HANDLER, paths=("/info", "/long"), timeout=60)
    server, output = _start_up(tmp_path, template)
    outcome: list[object] = []
    try:
        url = _wait_for_line(output, "ApiUrl: ").removeprefix("ApiUrl: ")
        endpoint = requests.get(url + "info", timeout=30).json()["endpoint"]

        def long_request() -> None:
            try:
                outcome.append(requests.get(url + "long", timeout=60).status_code)
            except requests.RequestException as error:
                outcome.append(error)

        client = threading.Thread(target=long_request)
        client.start()
        logs = tmp_path / "tmp"
        deadline = time.monotonic() + _DEADLINE_S
        while not any("sleeping for 30 s" in log.read_text() for log in logs.rglob("*.log")):
            assert time.monotonic() < deadline, "the long request never started"
            time.sleep(0.05)
        processes = _descendants(server.pid)
        assert processes, "no worker process found under harness up"
        server.send_signal(signal.SIGINT)
        server.wait(timeout=_STOP_BOUND_S)
        client.join(_STOP_BOUND_S)
    finally:
        server.kill()
    assert server.returncode == 0, output.read_text()
    assert outcome, "the client of the long request was left waiting"
    assert [pid for pid in processes if _alive(pid)] == []
    assert not _listening(url)
    assert not _listening(endpoint)
    assert list((tmp_path / "tmp").glob("harness-embedded-*")) == []
    assert "Traceback" not in output.read_text()


def test_a_second_ctrl_c_stops_harness_up_at_once(tmp_path: Path, sample_app: Path) -> None:
    slow_teardown = textwrap.dedent(
        """
        import time
        from harness.targets.embedded.target import EmbeddedTarget
        real_teardown = EmbeddedTarget.teardown
        def slow_teardown(self):
            time.sleep(600)
            real_teardown(self)
        EmbeddedTarget.teardown = slow_teardown
        """
    )
    server, output = _start_up(tmp_path, sample_app, patch=slow_teardown)
    try:
        url = _wait_for_line(output, "ApiUrl: ").removeprefix("ApiUrl: ")
        worker_pid = requests.get(url + "env", timeout=30).json()["pid"]
        server.send_signal(signal.SIGINT)
        _wait_for_line(output, "Stopping")
        server.send_signal(signal.SIGINT)
        server.wait(timeout=_STOP_BOUND_S)
    finally:
        server.kill()
    assert server.returncode == 128 + signal.SIGINT
    assert "Stopped at once" in output.read_text()
    deadline = time.monotonic() + 15  # the worker sees its pipe close and kills its group
    while _alive(worker_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(worker_pid)
