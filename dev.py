#!/usr/bin/env python3
"""The two commands of the README, on any machine with Python 3.11+ and nothing else.

    python3 dev.py main     # every layer against the embedded target, then a summary
    python3 dev.py tests    # the harness's own tests

It creates a private virtual environment holding only tox and tox-uv (so it works on a
system Python whose pip refuses installs, PEP 668), then hands over to tox, which builds
each layer's environment with uv. Anything after ``--`` goes to pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TOOL_VENV = ROOT / ".cache" / "tool-venv"
TOOL_REQUIREMENTS = ("tox~=4.20", "tox-uv~=1.20")
COMMANDS = {
    "main": ("lint,unit,template,integration,smoke", "every layer against the embedded target"),
    "tests": ("tests", "the harness's own tests"),
}


def tool_python() -> Path:
    """The tool venv's interpreter, created or refreshed when the pins above change."""
    python = TOOL_VENV / "bin" / "python"
    stamp = TOOL_VENV / "requirements.txt"
    wanted = "\n".join(TOOL_REQUIREMENTS) + "\n"
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    print(f"dev.py: preparing {TOOL_VENV.relative_to(ROOT)} (tox, tox-uv)", flush=True)
    try:
        venv.EnvBuilder(clear=True, with_pip=True).create(TOOL_VENV)
    except subprocess.CalledProcessError as error:
        sys.exit(
            f"dev.py: could not create a virtual environment with pip ({error}); on Debian "
            "or Ubuntu install the python3-venv package first"
        )
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", *TOOL_REQUIREMENTS],
        check=True,
    )
    stamp.write_text(wanted)
    return python


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        names = "\n".join(f"  {name:<6} {help}" for name, (_, help) in COMMANDS.items())
        print(f"usage: python3 dev.py COMMAND [-- pytest args]\n\n{names}", file=sys.stderr)
        return 2
    envs, _ = COMMANDS[argv[0]]
    extra = argv[2:] if argv[1:2] == ["--"] else argv[1:]
    python = tool_python()
    reports = ROOT / "reports"
    reports.mkdir(exist_ok=True)
    for stale in reports.glob("*.xml"):
        stale.unlink()
    tox = [str(python), "-m", "tox", "run", "-q", "-e", envs]
    if extra:
        tox += ["--", *extra]
    # uv trusts the platform's certificate store, as pip does, so a machine whose CA
    # bundle is only installed system-wide (a TLS-inspecting proxy, say) works too.
    env = {"UV_SYSTEM_CERTS": "1", "UV_NATIVE_TLS": "1", **os.environ}
    result = subprocess.run(tox, cwd=ROOT, env=env, check=False)
    sys.path.insert(0, str(ROOT))
    from harness.summary import print_summary

    summary_ok = print_summary(reports, expected=envs.split(","))
    return result.returncode or (0 if summary_ok else 1)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
