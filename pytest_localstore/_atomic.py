"""Crash-safe file replacement and an inter-process lock.

A registry write goes to a temporary file next to the target, is flushed and
``fsync``-ed, then moved over the target with ``os.replace``: a reader sees the
old file or the new one, never half of one, even if the writer is killed.
Writers take an exclusive lock on a separate lock file for the whole
read-modify-write. Both work on the real disk and inside pyfakefs (whose
``fcntl`` locks are no-ops, which is right for one process).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator

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
        with contextlib.suppress(OSError):
            os.remove(temp)
        raise
    if durable:
        _fsync_directory(directory)


def remove_stale_temps(path: str) -> None:
    """Delete temporary files that killed writers left beside *path*.

    Only call this while holding the lock: then no live writer owns one.
    """
    directory, name = os.path.split(path)
    start = f".{name}."
    with contextlib.suppress(OSError):
        for entry in os.listdir(directory):
            if entry.startswith(start) and entry.endswith(TEMP_SUFFIX):
                with contextlib.suppress(OSError):
                    os.remove(os.path.join(directory, entry))


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable."""
    try:
        fd = os.open(directory or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def exclusive_lock(path: str, make_parents: bool = False) -> Iterator[None]:
    """Hold an exclusive lock on *path* (created if missing) for the block."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except FileNotFoundError:
        if not make_parents:
            raise
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _lock(fd)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


def _lock(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_EX)


def _unlock(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)
