"""Our state beside moto's, on moto's own backend objects.

moto keeps each service's state in a backend per account and region; what it has no field
for (an alarm's history items, a deployment's lifecycle events, custom deployment
configurations) is kept in a dict attached to that same backend, so it is shared exactly
as moto's state is (every target in one process shares moto's backends) and vanishes with
it when moto resets.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_ATTRIBUTE = "_harness_extensions"
_LOCK = threading.Lock()


def extension(backend: Any, name: str, factory: Callable[[], T]) -> T:
    """The ``name`` extension of ``backend``, made by ``factory`` the first time."""
    with _LOCK:
        extensions: dict[str, Any] = backend.__dict__.setdefault(_ATTRIBUTE, {})
        if name not in extensions:
            extensions[name] = factory()
        return extensions[name]
