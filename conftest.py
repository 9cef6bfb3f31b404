"""Loads the harness's pytest plugin; everything else lives in ``harness/``."""

pytest_plugins = ["harness.pytest_plugin"]
