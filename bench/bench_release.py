"""Releases on the embedded target: the items app's prod canary, and its rollback.

* ``release_s_canary``: ``EmbeddedTarget.update`` of the items app at ``Stage=prod``
  (``Canary10Percent5Minutes`` on both functions, deployed in parallel) after a code change,
  at the default clock (60): the whole release, packaging and stack update included, from
  the call to its return. ``release_s_canary_nominal`` is the part the clock dictates (five
  minutes at 60: 5 s), so their difference is what the release costs beyond waiting.
* ``rollback_s``: a release whose read function fails every request: from the first failing
  request (one of the canary's 10 %) to ``get_alias`` showing the alias back on the old
  version with no weights, i.e. alarm period, evaluation and CodeDeploy's reaction.

The app is copied to a temporary folder, so the repository's code is never changed.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "harness-builds"
PARAMETERS = {"Stage": "prod"}
BAD_RELEASE = """

def handler(event, context):  # the bad release: every request fails
    raise RuntimeError("bench: a release that fails")
"""


def run() -> dict[str, float]:
    from harness.targets.embedded.release.clock import DEFAULT_TIME_SCALE
    from harness.targets.embedded.release.configs import PREDEFINED
    from harness.targets.embedded.target import EmbeddedTarget

    canary = PREDEFINED["CodeDeployDefault.LambdaCanary10Percent5Minutes"]
    with tempfile.TemporaryDirectory(prefix="bench-release-") as workdir:
        app = Path(workdir) / "app"
        shutil.copytree(ROOT / "app", app, ignore=shutil.ignore_patterns("__pycache__"))
        template = app / "template.yaml"
        read = app / "src" / "items" / "read.py"
        target = EmbeddedTarget(region="us-east-1", cache_dir=CACHE)
        try:
            stack = target.deploy(template, "bench-release", PARAMETERS)
            read.write_text(read.read_text() + "\n# a new release\n")
            started = time.perf_counter()
            good = target.update(stack.name, template, PARAMETERS)
            release_s = time.perf_counter() - started
            assert good.status == "UPDATE_COMPLETE", good.reason
            read.write_text(read.read_text() + BAD_RELEASE)
            rollback_s = _rollback_s(target, stack, template)
        finally:
            target.teardown()
    return {
        "release_s_canary": round(release_s, 3),
        "release_s_canary_nominal": round(canary.nominal_duration_s / DEFAULT_TIME_SCALE, 3),
        "rollback_s": round(rollback_s, 3),
    }


def _rollback_s(target, stack, template: Path) -> float:  # type: ignore[no-untyped-def]
    """Traffic until the alias is back: first failing request to the alias on the old version."""
    client = stack.client("lambda")
    function = stack.outputs["ItemsReadFunctionName"]
    old = client.get_alias(FunctionName=function, Name="live")["FunctionVersion"]
    release = target.begin_update(stack.name, template, PARAMETERS)
    release.started.wait()
    session = requests.Session()
    first_failure: float | None = None
    back: float | None = None
    while back is None and (first_failure is not None or release.running):
        status = session.get(stack.api_url + "health", timeout=30).status_code
        if status >= 500 and first_failure is None:
            first_failure = time.perf_counter()
        if first_failure is not None:
            alias = client.get_alias(FunctionName=function, Name="live")
            if alias["FunctionVersion"] == old and not alias.get("RoutingConfig"):
                back = time.perf_counter()
    result = release.result()
    if not result.rolled_back or first_failure is None or back is None:
        raise RuntimeError(f"the bad release was not seen failing and rolled back: {result}")
    return back - first_failure
