"""Run a build command so that it can never outlive the harness.

``uv pip install`` (and the interpreters it starts to build sdists) must die with the
harness: on Ctrl-C, on teardown, and on SIGKILL, where no Python code runs. Two choices
were weighed. ``PR_SET_PDEATHSIG`` (via ``ctypes`` in a ``preexec_fn``) is Linux only,
reaches only the direct child (not the interpreters uv starts), and ``preexec_fn`` is
unsafe in a process with threads, which the harness always has (moto, log readers). So a
watchdog instead: the command runs under :mod:`guard_main`, the leader of its own process
group, which watches a pipe whose other end only this process holds; when the pipe closes
(the harness is gone, however it died) the guard kills the whole group. It costs one
interpreter start per build, and builds are cached.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

_GUARD_MAIN = Path(__file__).with_name("guard_main.py")


def run_guarded(
    command: Sequence[str], *, cwd: Path, timeout_s: float
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` (output captured as text) in a process group that dies with us.

    Raises ``CalledProcessError`` on a non-zero exit and ``TimeoutExpired`` after
    ``timeout_s``; on a timeout, on Ctrl-C and on any other exception the group is killed
    before the exception propagates.
    """
    with guarded_popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        stdout, stderr = process.communicate(timeout=timeout_s)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, list(command), stdout, stderr)
    return subprocess.CompletedProcess(list(command), 0, stdout, stderr)


@contextlib.contextmanager
def guarded_popen(
    command: Sequence[str], *, cwd: Path, **popen: Any
) -> Iterator[subprocess.Popen[Any]]:
    """``command`` started under the guard (see module doc); killed, group and all, if the
    block raises (a timeout, Ctrl-C); the block waits for it to end otherwise."""
    watch_read, watch_write = os.pipe()
    try:
        process = subprocess.Popen(
            [sys.executable, "-I", "-S", str(_GUARD_MAIN), str(watch_read), *command],
            pass_fds=(watch_read,),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            **popen,
        )
    except BaseException:
        os.close(watch_write)
        raise
    finally:
        os.close(watch_read)
    try:
        yield process
    except BaseException:
        kill_group(process)
        process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
        raise
    finally:
        os.close(watch_write)


def kill_group(process: subprocess.Popen[Any]) -> None:
    """SIGKILL the process group a :func:`guarded_popen` command leads."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
