"""Glob inside a store root without ever listing a directory outside it.

The semantics are those of ``glob.glob(pattern)`` without ``recursive``, as
ZenML's local store has them: ``*``, ``?`` and ``[...]`` match within one path
component, ``**`` is the same as ``*``, names starting with ``.`` match only a
pattern component that starts with ``.``, and results are full paths in no
particular order. The difference: every directory is confined before it is
listed, so a link inside the root that points out is never followed.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat

from ._confine import Confinement
from .errors import PathOutsideStoreError

_MAGIC = re.compile(r"[*?[]")


def has_magic(text: str) -> bool:
    """Whether *text* holds a glob wildcard."""
    return _MAGIC.search(text) is not None


def confined_glob(confinement: Confinement, pattern: str) -> list[str]:
    """Expand *pattern* (already made absolute and normalised) below the root."""
    root = confinement.root
    below = pattern[len(root) :].lstrip(os.sep) if pattern != root else ""
    parts = [part for part in below.split(os.sep) if part]
    literal: list[str] = []
    while parts and not has_magic(parts[0]):
        literal.append(parts.pop(0))
    base = os.path.join(root, *literal)
    if not parts:
        full, st = confinement.confined_stat(base)
        return [full] if st is not None or os.path.lexists(full) else []
    base, st = confinement.confined_stat(base)
    if st is None or not stat.S_ISDIR(st.st_mode):
        return []
    found = [base]
    last = len(parts) - 1
    for index, part in enumerate(parts):
        found = [
            path
            for directory in found
            for path in _expand(confinement, directory, part, want_dirs=index != last)
        ]
    return found


def _expand(confinement: Confinement, directory: str, part: str, want_dirs: bool) -> list[str]:
    """The entries of *directory* matching one pattern component."""
    if not has_magic(part):
        path = os.path.join(directory, part)
        if want_dirs:
            return [path] if _is_confined_dir(confinement, path) else []
        return [path] if os.path.lexists(path) else []
    try:
        with os.scandir(directory) as entries:
            names = [entry.name for entry in entries]
    except OSError:
        return []
    if not part.startswith("."):
        names = [name for name in names if not name.startswith(".")]
    matches = [os.path.join(directory, name) for name in fnmatch.filter(names, part)]
    if want_dirs:
        return [path for path in matches if _is_confined_dir(confinement, path)]
    return matches


def _is_confined_dir(confinement: Confinement, path: str) -> bool:
    """A directory we may descend into: inside the root after resolution."""
    try:
        _, st = confinement.confined_stat(path)
    except PathOutsideStoreError:
        return False
    return st is not None and stat.S_ISDIR(st.st_mode)
