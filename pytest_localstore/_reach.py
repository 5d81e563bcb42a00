"""Whether an endpoint answers at all, told in one line within seconds.

The cloud clients retry a refused connection for half a minute or more
(gcsfs six times with back-off, Azure's SDK with 15 s waits), so a wrong
endpoint is found here first, with one TCP connection and a short timeout.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from .errors import LocalStoreError

#: Seconds to wait for a connection, or for the first answer to a request.
TIMEOUT = 5.0


def check_reachable(url: str, what: str, timeout: float = TIMEOUT) -> None:
    """A one-line LocalStoreError unless something accepts a TCP connection at *url*'s host and port."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise LocalStoreError(f"invalid {what} endpoint {url!r}: the port is not a number") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LocalStoreError(f"invalid {what} endpoint {url!r}: expected http://HOST:PORT or https://HOST")
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            pass
    except OSError as error:
        reason = "no answer" if isinstance(error, TimeoutError) else error.strerror or str(error)
        raise LocalStoreError(f"cannot reach {what} at {url}: {reason}".rstrip()) from None


def first_line(error: BaseException) -> str:
    """The first line of *error*'s message, or its type's name."""
    lines = str(error).strip().splitlines()
    return lines[0].strip() if lines else type(error).__name__
