"""Names the harness's plugin, which pytest also finds by its entry point: registered once."""

pytest_plugins = ["harness.plugin"]
