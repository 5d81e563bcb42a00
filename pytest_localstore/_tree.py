"""Snapshots of a directory tree and what differs between two: one helper for every watcher.

The config-directory guard, the contract's watch outside a root and its
check of a store's tree each take a snapshot (relative path -> what they care
about: a signature, bytes, ``None`` for a directory) and compare two;
:func:`disk_tree` takes one of a directory on disk, :func:`difference` compares.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping
from typing import NamedTuple, TypeVar

V = TypeVar("V")


class Difference(NamedTuple):
    """What one snapshot has that the other lacks, and what both have but differently; sorted."""

    missing: list[str]
    extra: list[str]
    changed: list[str]

    def __bool__(self) -> bool:
        return bool(self.missing or self.extra or self.changed)


def difference(expected: Mapping[str, V], found: Mapping[str, V]) -> Difference:
    """*missing*: in *expected* only; *extra*: in *found* only; *changed*: in both, not equal."""
    return Difference(
        sorted(expected.keys() - found.keys()),
        sorted(found.keys() - expected.keys()),
        sorted(key for key in expected.keys() & found.keys() if expected[key] != found[key]),
    )


def disk_tree(
    top: str,
    describe: Callable[[str, os.stat_result, bool], V],
    *,
    depth: int | None = None,
    prefix: str = "",
) -> dict[str, V]:
    """``{prefix + relative path: describe(path, lstat, listed)}`` for each entry below *top*.

    Links are not followed. *depth* levels at most (None: all); *listed* says
    whether a directory's entries are in the snapshot too (so it may be described
    by them rather than by its own mtime). *top* itself is left out, and so is an
    entry that cannot be read (gone meanwhile, no permission).
    """
    found: dict[str, V] = {}

    def add(path: str, rel: str, left: int | None) -> None:
        try:
            names = os.listdir(path)
        except OSError:
            return
        for name in names:
            below = os.path.join(path, name)
            try:
                st = os.lstat(below)
            except OSError:
                continue
            listed = stat.S_ISDIR(st.st_mode) and (left is None or left > 1)
            found[prefix + rel + name] = describe(below, st, listed)
            if listed:
                add(below, f"{rel}{name}/", None if left is None else left - 1)

    add(top, "", depth)
    return found
