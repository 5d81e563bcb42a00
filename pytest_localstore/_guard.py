"""Noticing writes to a config directory that a test run must leave alone.

:class:`ConfigDirGuard` takes a cheap picture of a directory (its entries two
levels deep, with size and modification time) and later says what changed.
The pytest plugin points it at the config directory a user would have without
the plugin and checks it after every test.
"""

from __future__ import annotations

import os
import stat

Picture = dict[str, tuple[int, int, int]]


class ConfigDirGuard:
    """Watches one directory for entries created, removed or changed."""

    def __init__(self, path: str | os.PathLike[str], depth: int = 2) -> None:
        self.path = os.path.abspath(os.fspath(path))
        self.depth = depth
        self._before = self.picture()

    def picture(self) -> Picture:
        """``{relative path: (mode, size, mtime_ns)}`` for the directory and below."""
        result: Picture = {}
        self._add(self.path, "", self.depth, result)
        return result

    def _add(self, path: str, rel: str, depth: int, result: Picture) -> None:
        try:
            st = os.lstat(path)
        except OSError:
            return
        if not stat.S_ISDIR(st.st_mode) or depth <= 0:
            result[rel] = (st.st_mode, st.st_size, st.st_mtime_ns)
            return
        # A listed directory is described by its entries, not by its own mtime.
        result[rel] = (st.st_mode, 0, 0)
        try:
            names = os.listdir(path)
        except OSError:
            return
        for name in names:
            self._add(os.path.join(path, name), f"{rel}/{name}" if rel else name, depth - 1, result)

    def changes(self) -> list[str]:
        """What changed since the last call (or since creation), one phrase each."""
        after = self.picture()
        before, self._before = self._before, after
        found = [f"{self._where(rel)} created" for rel in sorted(after.keys() - before.keys())]
        found += [f"{self._where(rel)} removed" for rel in sorted(before.keys() - after.keys())]
        found += [
            f"{self._where(rel)} changed"
            for rel in sorted(after.keys() & before.keys())
            if after[rel] != before[rel]
        ]
        return found

    def _where(self, rel: str) -> str:
        return os.path.join(self.path, rel) if rel else self.path
