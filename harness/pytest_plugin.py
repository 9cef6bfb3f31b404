"""The plugin's former module name, for ``conftest.py`` files that still name it.

It registers nothing itself: it only names :mod:`harness.plugin`, which pytest skips when
the entry point has registered it already, so naming both never registers anything twice.
"""

pytest_plugins = ["harness.plugin"]
