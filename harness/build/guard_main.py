"""Runs a command and takes its whole process group down when the harness goes away.

Started by :mod:`harness.build.guarded` as
``python -I -S guard_main.py WATCH_FD COMMAND...``, as the leader of a new process group.
The harness holds the write end of the pipe whose read end is ``WATCH_FD``; the kernel
closes it when the harness exits for any reason, SIGKILL included, and this guard then
kills the group: the command and everything it started. Standard library only.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading


def main() -> None:
    watch_fd, command = int(sys.argv[1]), sys.argv[2:]
    child = subprocess.Popen(command)
    threading.Thread(target=_watch, args=(watch_fd,), daemon=True).start()
    code = child.wait()
    sys.exit(128 - code if code < 0 else code)


def _watch(fd: int) -> None:
    while os.read(fd, 1024):
        pass
    os.killpg(os.getpgrp(), signal.SIGKILL)


if __name__ == "__main__":
    main()
