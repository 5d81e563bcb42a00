"""Noticing writes to a config directory that a test run must leave alone.

:class:`ConfigDirGuard` takes a cheap picture of a directory (its entries two
levels deep, with size and modification time) and later says what changed.
The pytest plugin points it at the config directory a user would have without
the plugin and checks it after every test.
"""

from __future__ import annotations

import os
import stat

from ._tree import difference, disk_tree

Picture = dict[str, tuple[int, int, int]]


def _signature(path: str, st: os.stat_result, listed: bool) -> tuple[int, int, int]:
    """A directory whose entries are in the picture is described by them, not by its own mtime."""
    return (st.st_mode, 0, 0) if listed else (st.st_mode, st.st_size, st.st_mtime_ns)


class ConfigDirGuard:
    """Watches one directory for entries created, removed or changed."""

    def __init__(self, path: str | os.PathLike[str], depth: int = 2) -> None:
        self.path = os.path.abspath(os.fspath(path))
        self.depth = depth
        self._before = self.picture()

    def picture(self) -> Picture:
        """``{relative path: (mode, size, mtime_ns)}`` for the directory and below."""
        try:
            top = os.lstat(self.path)
        except OSError:
            return {}
        if not stat.S_ISDIR(top.st_mode):
            return {"": _signature(self.path, top, False)}
        return {"": (top.st_mode, 0, 0), **disk_tree(self.path, _signature, depth=self.depth)}

    def changes(self) -> list[str]:
        """What changed since the last call (or since creation), one phrase each."""
        after = self.picture()
        before, self._before = self._before, after
        lost, made, changed = difference(before, after)
        found = [f"{self._where(rel)} created" for rel in made]
        found += [f"{self._where(rel)} removed" for rel in lost]
        found += [f"{self._where(rel)} changed" for rel in changed]
        return found

    def _where(self, rel: str) -> str:
        return os.path.join(self.path, rel) if rel else self.path
