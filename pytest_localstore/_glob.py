"""Glob inside a store root without ever listing a directory outside it.

The semantics are those of ``glob.glob(pattern)`` without ``recursive``, as
ZenML's local store has them: ``*``, ``?`` and ``[...]`` match within one path
component, ``**`` is the same as ``*``, names starting with ``.`` match only a
pattern component that starts with ``.``, and results are full paths in no
particular order. The difference: every directory is reached through the
store's own confined lookups (:class:`GlobTree`), so a link inside the root
that points out is never followed.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from typing import Protocol

from .errors import PathOutsideStoreError

_MAGIC = re.compile(r"[*?[]")


class GlobTree(Protocol):
    """The confined lookups a glob needs, on paths relative to the root (``""`` is the root)."""

    def full(self, below: str) -> str:
        """The absolute path of *below*."""

    def stat_below(self, below: str) -> os.stat_result | None:
        """``stat`` with links followed inside the root; None if absent (outside: refused)."""

    def lexists_below(self, below: str) -> bool:
        """Whether the name exists, a dangling link included."""

    def names_below(self, below: str) -> list[str]:
        """The entry names of a directory."""


def has_magic(text: str) -> bool:
    """Whether *text* holds a glob wildcard."""
    return _MAGIC.search(text) is not None


def confined_glob(tree: GlobTree, below: str) -> list[str]:
    """Full paths of the entries matching *below*, a pattern relative to the root."""
    parts = [part for part in below.split("/") if part]
    literal: list[str] = []
    while parts and not has_magic(parts[0]):
        literal.append(parts.pop(0))
    base = "/".join(literal)
    st = tree.stat_below(base)
    if not parts:
        return [tree.full(base)] if st is not None or tree.lexists_below(base) else []
    if st is None or not stat.S_ISDIR(st.st_mode):
        return []
    found = [base]
    last = len(parts) - 1
    for index, part in enumerate(parts):
        found = [
            path for directory in found for path in _expand(tree, directory, part, want_dirs=index != last)
        ]
    return [tree.full(path) for path in found]


def _join(directory: str, name: str) -> str:
    return f"{directory}/{name}" if directory else name


def _expand(tree: GlobTree, directory: str, part: str, want_dirs: bool) -> list[str]:
    """The entries of *directory* matching one pattern component."""
    if not has_magic(part):
        path = _join(directory, part)
        if want_dirs:
            return [path] if _is_confined_dir(tree, path) else []
        return [path] if tree.lexists_below(path) else []
    try:
        names = tree.names_below(directory)
    except OSError:
        return []
    if not part.startswith("."):
        names = [name for name in names if not name.startswith(".")]
    matches = [_join(directory, name) for name in fnmatch.filter(names, part)]
    if want_dirs:
        return [path for path in matches if _is_confined_dir(tree, path)]
    return matches


def _is_confined_dir(tree: GlobTree, below: str) -> bool:
    """A directory we may descend into: inside the root after resolution."""
    try:
        st = tree.stat_below(below)
    except PathOutsideStoreError:
        return False
    return st is not None and stat.S_ISDIR(st.st_mode)
