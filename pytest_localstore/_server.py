"""What the servers for tests share: started here and stopped on leaving, or given and left alone.

:class:`~pytest_localstore.s3.S3Server`, :class:`~pytest_localstore.gcs.GcsServer`
and :class:`~pytest_localstore.azure.AzureServer` each add how to start their
server, make their filesystem client and make or remove a bucket or container.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Protocol, TypeVar

Self = TypeVar("Self", bound="ServerForTests")


class Running(Protocol):
    """A server this process started: it can be stopped."""

    def stop(self) -> None: ...


class ServerForTests:
    """An endpoint for tests: one this object started (:attr:`started_here`), or one given."""

    __test__ = False  # not a test class, whatever its name
    endpoint_url: str

    def __init__(self) -> None:
        self._running: Running | None = None
        self._fs: Any = None

    @property
    def started_here(self) -> bool:
        """Whether this object started the server (and so stops it, and all in it goes)."""
        return self._running is not None

    def stop(self) -> None:
        """Stop the server if this object started it (a given endpoint is left alone)."""
        if self._running is not None:
            self._running.stop()
            self._running = None

    def __enter__(self: Self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def filesystem(self) -> Any:
        """The fsspec filesystem for this endpoint, made once (a client session costs ~150 ms)."""
        if self._fs is None:
            self._fs = self._make_filesystem()
        return self._fs

    def _make_filesystem(self) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.endpoint_url!r})"
