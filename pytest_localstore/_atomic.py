"""Crash-safe file replacement and an inter-process lock.

A registry write goes to a temporary file next to the target, is flushed and
``fsync``-ed, then moved over the target with ``os.replace``: a reader sees the
old file or the new one, never half of one, even if the writer is killed.
Writers take an exclusive lock on a separate lock file for the whole
read-modify-write. Both work on the real disk and inside pyfakefs (whose
``fcntl`` locks are no-ops, which is right for one process).
"""

from __future__ import annotations

import fcntl
import os

TEMP_SUFFIX = ".tmp"


def write_atomic(path: str, data: bytes, *, durable: bool = True) -> None:
    """Replace *path* with *data* in one step; with *durable*, on disk once this returns."""
    directory, name = os.path.split(path)
    temp = os.path.join(directory, f".{name}.{os.getpid()}{TEMP_SUFFIX}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.replace(temp, path)
    except BaseException:
        try:  # noqa: SIM105 -- contextlib stays out of the command line's start-up
            os.remove(temp)
        except OSError:
            pass
        raise
    if durable:
        _fsync_directory(directory)


def remove_stale_temps(path: str) -> None:
    """Delete temporary files that killed writers left beside *path*.

    Only call this while holding the lock: then no live writer owns one.
    """
    directory, name = os.path.split(path)
    start = f".{name}."
    try:
        entries = os.listdir(directory)
    except OSError:
        return
    for entry in entries:
        if entry.startswith(start) and entry.endswith(TEMP_SUFFIX):
            try:  # noqa: SIM105
                os.remove(os.path.join(directory, entry))
            except OSError:
                pass


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable."""
    try:
        fd = os.open(directory or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class ExclusiveLock:
    """An exclusive lock on *path* (created if missing), held for a ``with`` block."""

    def __init__(self, path: str, *, make_parents: bool = False) -> None:
        self.path = path
        self.make_parents = make_parents
        self._fd = -1

    def __enter__(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except FileNotFoundError:
            if not self.make_parents:
                raise
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _lock(fd)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def __exit__(self, *exc_info: object) -> None:
        fd, self._fd = self._fd, -1
        try:
            _unlock(fd)
        finally:
            os.close(fd)


def _lock(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_EX)


def _unlock(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)
