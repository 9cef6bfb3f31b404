"""The harness's pytest plugin: installing the package is enough, pytest finds it by entry point.

``pyproject.toml`` declares it under ``pytest11`` as ``harness.plugin``, the name of this
module, so a ``conftest.py`` that also names it (``pytest_plugins = ["harness.plugin"]``)
finds it registered already and does not register it twice; ``-p no:harness.plugin``
switches it off. It only lists its parts, each a module of one job: the options and the
header, the layer markers, the offline fence, the ``requires`` marker, the target and its
stack, the emulation gaps, failure logs, the unit and template layers' fixtures, the check
pack and the smoke gate. The engines they wire live outside :mod:`harness.plugin` and
know nothing of pytest, the way pytest-httpserver keeps its plugin a few fixtures around
its server.
"""

# In dependency order: a part imports only parts listed before it, so pytest imports each
# one itself first and rewrites its asserts.
pytest_plugins = (
    "harness.plugin.options",
    "harness.plugin.layers",
    "harness.plugin.isolation",
    "harness.plugin.gaps",
    "harness.plugin.targets",
    "harness.plugin.requires",
    "harness.plugin.failure_logs",
    "harness.plugin.unit",
    "harness.plugin.template",
    "harness.plugin.checks",
    "harness.plugin.smoke_gate",
    "harness.plugin.smoke_fixtures",
    "harness.plugin.sharding",
)
