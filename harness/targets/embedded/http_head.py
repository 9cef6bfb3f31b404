"""Reads the request line and header block of an HTTP/1.x request for ``http.server`` handlers.

``http.server`` hands the header block to the ``email`` package's parser, built for mail
messages: on this target it was 40 % of the API front's own CPU a request, so the API front
reads heads through :class:`HeadParsing` instead (moto's server, cheroot, has a parser of
its own). No library fits: the fast parsers (``h11``, ``httptools``) bring their own
connection handling, not a drop-in for ``http.server``'s, which the front keeps.

It keeps ``http.server``'s limits and answers: a line over 64 KiB or more than 100
headers is a 431, HTTP/2 or later a 505, a malformed request line a 400; keep-alive by
version and ``Connection``; ``Expect: 100-continue`` answered. A header line without a
colon, with space before the colon, or folded (obsolete line folding) is a 400, as RFC
9112 (sections 5.1 and 5.2) lets a server answer; values are trimmed of spaces and tabs.
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

__all__ = ["HeadParsing", "HeaderFields"]

MAX_LINE_BYTES = 65536
MAX_HEADERS = 100


class HeaderFields:
    """A request's header fields in arrival order, duplicates kept; names match in any case.

    The part of ``http.client.HTTPMessage`` that ``http.server`` and the front use.
    """

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        self._fields = fields
        self._first: dict[str, str] = {}
        for name, value in fields:
            self._first.setdefault(name.lower(), value)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._first.get(name.lower(), default)

    def items(self) -> list[tuple[str, str]]:
        return list(self._fields)


class HeadParsing(BaseHTTPRequestHandler):
    """Mix in before an ``http.server`` handler class to replace its ``parse_request``."""

    def parse_request(self) -> bool:
        """Request line and headers; on failure answered through ``send_error``."""
        self.command = None  # type: ignore[assignment]
        self.request_version = self.default_request_version
        self.close_connection = True
        words = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n").split()
        if len(words) != 3:
            self.send_error(400, f"Bad request syntax ({' '.join(words)!r})")
            return False
        command, path, version = words
        number = _http_version(version)
        if number is None:
            self.send_error(400, f"Bad request version ({version!r})")
            return False
        if number >= (2, 0):
            self.send_error(505, f"Invalid HTTP version ({version})")
            return False
        self.command, self.request_version = command, version
        self.path = "/" + path.lstrip("/") if path.startswith("//") else path
        fields = self._read_header_fields()
        if fields is None:
            return False
        self.headers = HeaderFields(fields)  # type: ignore[assignment]
        connection = (self.headers.get("connection") or "").lower()
        self.close_connection = number < (1, 1) and connection != "keep-alive"
        if connection == "close":
            self.close_connection = True
        expect = (self.headers.get("expect") or "").lower()
        if expect == "100-continue" and number >= (1, 1):
            return self.handle_expect_100()
        return True

    def _read_header_fields(self) -> list[tuple[str, str]] | None:
        """``(name, value)`` pairs up to the blank line; None once an error is answered."""
        fields: list[tuple[str, str]] = []
        while True:
            line = self.rfile.readline(MAX_LINE_BYTES + 1)
            if len(line) > MAX_LINE_BYTES:
                self.send_error(431, "Line too long")
                return None
            if line in (b"\r\n", b"\n", b""):
                return fields
            if len(fields) == MAX_HEADERS:
                self.send_error(431, "Too many headers")
                return None
            name, colon, value = line.decode("iso-8859-1").partition(":")
            if not colon or not name or name != name.strip():
                self.send_error(400, f"Bad header line {line[:80]!r}")
                return None
            fields.append((name, value.strip(" \t\r\n")))


def _http_version(word: str) -> tuple[int, int] | None:
    """``HTTP/1.1`` as ``(1, 1)``; None when ``word`` is no HTTP version."""
    major, dot, minor = word.removeprefix("HTTP/").partition(".")
    if not word.startswith("HTTP/") or not dot or not (major.isdigit() and minor.isdigit()):
        return None
    if len(major) > 10 or len(minor) > 10:
        return None
    return int(major), int(minor)
