"""Build commands run in a process group that dies with the harness, however it dies."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from harness.build.guarded import run_guarded

REPO = Path(__file__).resolve().parents[2]

# A build that starts a grandchild, reports both PIDs, then hangs.
HANGING_BUILD = textwrap.dedent(
    """
    import json, os, subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    print(json.dumps([os.getpid(), child.pid]), file=open(sys.argv[1], "w"), flush=True)
    time.sleep(600)
    """
)


def _wait_for_pids(path: Path) -> list[int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return json.loads(path.read_text())
        time.sleep(0.02)
    raise AssertionError(f"the build never wrote {path}")


def _gone(pids: list[int], is_running) -> list[int]:
    deadline = time.monotonic() + 15  # a bound for slow machines, not a timing assertion
    while (alive := [pid for pid in pids if is_running(pid)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


def test_output_and_exit_status_come_back(tmp_path):
    done = run_guarded([sys.executable, "-c", "print('built')"], cwd=tmp_path, timeout_s=60)
    assert done.stdout == "built\n"
    with pytest.raises(subprocess.CalledProcessError) as failed:
        run_guarded(
            [sys.executable, "-c", "import sys; sys.exit('no wheel for this')"],
            cwd=tmp_path,
            timeout_s=60,
        )
    assert failed.value.returncode == 1
    assert "no wheel for this" in failed.value.stderr


def test_a_timed_out_build_is_killed_with_its_children(tmp_path, is_running):
    pid_file = tmp_path / "pids"
    with pytest.raises(subprocess.TimeoutExpired):
        run_guarded([sys.executable, "-c", HANGING_BUILD, str(pid_file)], cwd=tmp_path, timeout_s=3)
    assert _gone(_wait_for_pids(pid_file), is_running) == []


@pytest.mark.parametrize("harness_signal", [signal.SIGINT, signal.SIGKILL])
def test_a_build_dies_with_the_harness(tmp_path, is_running, harness_signal):
    """Ctrl-C runs our cleanup; SIGKILL runs none, and the guard's pipe watch does it."""
    pid_file = tmp_path / "pids"
    harness = textwrap.dedent(
        f"""
        import signal, sys
        from pathlib import Path
        from harness.build.guarded import run_guarded
        signal.signal(signal.SIGINT, signal.default_int_handler)
        build = [sys.executable, "-c", {HANGING_BUILD!r}, {str(pid_file)!r}]
        run_guarded(build, cwd=Path({str(tmp_path)!r}), timeout_s=600)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", harness], cwd=REPO, stderr=subprocess.DEVNULL)
    try:
        pids = _wait_for_pids(pid_file)
        assert all(is_running(pid) for pid in pids)
        process.send_signal(harness_signal)
        process.wait(timeout=30)
    finally:
        process.kill()
    assert _gone(pids, is_running) == []
