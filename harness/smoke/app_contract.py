"""What the smoke gate must know of the app, derived from its template when not configured.

The health route (polled before anything is measured) and the output naming the deployed
stage (trusted for prod safety as well as ``--stage``) are the app's, so the harness never
names them; a repository sets ``harness_health_route`` and ``harness_stage_output``, or
takes these defaults:

* health route: the first GET route that needs no input (no path parameter, no
  authorizer, no API key), preferring one whose last segment says health (``health``,
  ``healthz``, ``ping``, ``status``), in template order;
* stage output: the output whose value is a ``Ref`` to the stage parameter.
"""

from __future__ import annotations

from harness.sam import Route, SamModel

HEALTH_NAMES = ("health", "healthz", "ping", "status")


def needs_no_input(route: Route) -> bool:
    """A GET anyone may send as is: no path parameter, no authorizer, no API key."""
    return (
        route.method == "GET"
        and route.path.startswith("/")
        and "{" not in route.path
        and route.authorizer is None
        and not route.api_key_required
    )


def health_route(model: SamModel) -> str | None:
    """The path of the route the gate polls, relative to the API's base (``health``)."""
    candidates = [route.path for route in model.routes if needs_no_input(route)]
    named = [path for path in candidates if path.rstrip("/").rpartition("/")[2] in HEALTH_NAMES]
    chosen = (named or candidates or [None])[0]
    return None if chosen is None else chosen.lstrip("/")


def stage_output(model: SamModel, stage_parameter: str) -> str | None:
    """The output whose value is ``!Ref <stage parameter>``, if the template has one."""
    for name, output in model.outputs.items():
        if isinstance(output, dict) and output.get("Value") == {"Ref": stage_parameter}:
            return name
    return None
