"""The harness's own tests drive pytest sessions of their own through ``pytester``."""

pytest_plugins = ["pytester"]
