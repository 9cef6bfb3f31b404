"""Keep the offline layers (unit, template) from ever reaching a real AWS endpoint.

Two guards, because each alone leaves a hole:

* pytest-socket's ``allow_hosts`` marker blocks ``connect()`` to anything but loopback.
  It checks *after* name resolution, so its error can only name an IP address, and on a
  machine without DNS the test dies earlier with botocore's vague "Could not connect".
* :func:`loopback_only_resolution` therefore refuses to *resolve* a non-loopback name and
  raises :class:`RealEndpointBlocked` naming the host and port the code reached for.
  pytest-socket has no resolution guard, which is why this one is ours.

:data:`OFFLINE_AWS_ENV` supplies fake credentials and a region so boto3 never looks for
real ones (a developer's ``~/.aws`` profile must not leak into a unit test).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")

OFFLINE_AWS_ENV: dict[str, str] = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}

# Variables that would make boto3 look beyond the fake credentials above.
OFFLINE_AWS_UNSET = (
    "AWS_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
)


class RealEndpointBlocked(RuntimeError):
    """An offline-layer test tried to reach a host that is not loopback.

    A ``RuntimeError`` rather than an ``OSError`` on purpose: urllib3 and botocore turn
    ``OSError`` into retries and a generic "could not connect"; this must surface as is.
    """

    def __init__(self, host: str, port: object) -> None:
        self.host = host
        super().__init__(
            f"harness isolation: this test tried to reach {host}:{port}, but unit and "
            "template tests may only talk to loopback (use the moto fixtures instead)"
        )


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and any loopback address, IPv4 or IPv6."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@contextmanager
def loopback_only_resolution() -> Iterator[None]:
    """Within the block, resolving any non-loopback host raises :class:`RealEndpointBlocked`."""
    real_getaddrinfo = socket.getaddrinfo

    def guarded_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and not is_loopback(str(name)):
            raise RealEndpointBlocked(str(name), port)
        return real_getaddrinfo(host, port, *args, **kwargs)

    socket.getaddrinfo = guarded_getaddrinfo
    try:
        yield
    finally:
        socket.getaddrinfo = real_getaddrinfo
