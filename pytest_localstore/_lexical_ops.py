"""The local store's operations by path string, each path checked first.

Used under pyfakefs, which has no real descriptors and no concurrent writer:
the check (see ``_confine``) and the use are two steps, which is safe only
where nothing else changes the tree in between. On a real disk the store uses
``_disk_ops`` instead.
"""

from __future__ import annotations

import builtins
import errno
import os
import shutil
import stat
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any

from ._confine import Confinement
from ._glob import confined_glob
from .errors import PathOutsideStoreError, exists_error, root_error

if TYPE_CHECKING:
    from .artifact_store import PathType, WalkEntry


class LexicalOperations:
    """The fourteen operations on path strings that *confinement* has checked."""

    def __init__(self, confinement: Confinement) -> None:
        self.root = confinement.root
        self._prefix = self.root.rstrip(os.sep) + os.sep
        self._confinement = confinement
        self._stat = confinement.confined_stat

    def open(self, path: PathType, mode: str) -> IO[Any]:
        full = self._confinement.confined(path)
        mode = _in_usual_order(mode)
        if "b" in mode:
            return builtins.open(full, mode)
        return builtins.open(full, mode, encoding="utf-8")

    def copyfile(self, src: PathType, dst: PathType, overwrite: bool) -> None:
        source = self._confinement.confined(src)
        target, existing = self._confinement.confined_lstat(dst)
        if existing is not None and not overwrite:
            raise exists_error(target)
        if existing is None and target.endswith(os.sep):  # pyfakefs says ENOENT here, Linux EISDIR
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), target)
        shutil.copyfile(source, target)

    def exists(self, path: PathType) -> bool:
        return self._stat(path)[1] is not None

    def isdir(self, path: PathType) -> bool:
        st = self._stat(path)[1]
        return st is not None and stat.S_ISDIR(st.st_mode)

    def glob(self, pattern: PathType) -> list[str]:
        full = self._confinement.confined(pattern).rstrip(os.sep) or os.sep
        return confined_glob(self, full[len(self.root) :].lstrip(os.sep))

    def listdir(self, path: PathType) -> list[str]:
        return os.listdir(self._confinement.confined(path))

    def makedirs(self, path: PathType) -> None:
        full, st = self._stat(path, strict=True)
        if st is None or not stat.S_ISDIR(st.st_mode):
            os.makedirs(full, exist_ok=True)

    def mkdir(self, path: PathType) -> None:
        os.mkdir(self._confinement.confined_name(path))

    def remove(self, path: PathType) -> None:
        os.remove(self._confinement.confined_name(path))

    def rename(self, src: PathType, dst: PathType, overwrite: bool) -> None:
        source = self._refuse_root(self._confinement.confined_name(src), "renamed")
        if overwrite:
            target = self._refuse_root(self._confinement.confined_name(dst), "replaced")
            _refuse_file_as_directory(source, target)
            if _same_directory(source, target):  # 'd/' onto 'd': Linux does nothing, pyfakefs says ENOTDIR
                return
            if target.startswith(source + os.sep) and os.path.isdir(source) and not os.path.islink(source):
                # Linux refuses a move into itself first; pyfakefs says ENOTDIR if the target is a file
                raise OSError(errno.EINVAL, os.strerror(errno.EINVAL), source, None, target)
            os.replace(_parent_resolved(source), _parent_resolved(target))
            return
        target, existing = self._confinement.confined_lstat(dst, follow_last=False)
        if existing is not None:
            raise exists_error(target.rstrip(os.sep))
        _refuse_file_as_directory(source, target)
        os.rename(_parent_resolved(source), _parent_resolved(target))

    def rmtree(self, path: PathType) -> None:
        full = self._refuse_root(self._confinement.confined(path), "removed")
        if full.endswith(os.sep) and os.path.islink(full.rstrip(os.sep)):
            # 'link/': shutil would follow it, empty the directory it points to, then fail
            raise OSError(f"cannot call rmtree on a symbolic link: {full.rstrip(os.sep)!r}")
        shutil.rmtree(full)

    def stat(self, path: PathType) -> os.stat_result:
        full, st = self._stat(path, strict=True)
        return st if st is not None else os.stat(full)

    def walk(
        self, top: PathType, topdown: bool, onerror: Callable[[OSError], Any] | None
    ) -> Iterator[WalkEntry]:
        try:
            full = self._confinement.confined(top).rstrip(os.sep) or os.sep
        except PathOutsideStoreError:
            raise
        except OSError as error:  # 'file/' or a name too long: nothing to walk, as os.walk says
            if onerror is not None:
                onerror(error)
            return iter(())
        return os.walk(full, topdown=topdown, onerror=onerror, followlinks=False)

    # -- what the glob needs (GlobTree) -------------------------------------------

    def full(self, below: str) -> str:
        return self._prefix + below if below else self.root

    def stat_below(self, below: str) -> os.stat_result | None:
        return self._stat(self.full(below))[1]

    def lexists_below(self, below: str) -> bool:
        return os.path.lexists(self.full(below))

    def names_below(self, below: str) -> list[str]:
        return os.listdir(self.full(below))

    def _refuse_root(self, full: str, what: str) -> str:
        """*full*, unless it is the root: the store's own directory stays put."""
        if os.path.normpath(full) == self.root:  # not rstrip: a root of "/" would strip to ""
            raise root_error(self.root, what)
        return full


def _in_usual_order(mode: str) -> str:
    """*mode* spelt as pyfakefs reads it (``'+rb'`` as ``'r+b'``): open() takes its letters in
    any order, pyfakefs only with the ``+`` right after ``r``, ``w``, ``a`` or ``x``."""
    if "+" not in mode or len(set(mode)) != len(mode) or not set(mode) <= set("rwaxbt+"):
        return mode  # nothing to move, or not a mode at all: open() says which
    letters = mode.replace("+", "")
    kinds = "".join(letter for letter in letters if letter in "bt")
    return "".join(letter for letter in letters if letter not in "bt") + "+" + kinds


def _same_directory(source: str, target: str) -> bool:
    """Whether *source* and *target* name one directory (not a link to one), spelt with or without
    a trailing separator."""
    name = source.rstrip(os.sep)
    return name == target.rstrip(os.sep) and os.path.isdir(name) and not os.path.islink(name)


def _parent_resolved(path: str) -> str:
    """*path* (confined already) with the links of the directory it is in resolved, its own
    name and a trailing separator kept: pyfakefs's rename finds no existing name below a link
    written relative with '..' ('./d/e/../../d'), which Linux follows."""
    bare = path.rstrip(os.sep)
    if not bare:
        return path
    head, name = os.path.split(bare)
    return os.path.join(os.path.realpath(head), name) + path[len(bare) :]


def _refuse_file_as_directory(source: str, target: str) -> None:
    """ENOTDIR naming both paths, for a file (or link) renamed to ``'name/'`` (*target* keeps its
    separator): Linux refuses, pyfakefs renames to ``'name'``."""
    if target.endswith(os.sep) and os.path.lexists(source) and not stat.S_ISDIR(os.lstat(source).st_mode):
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), source, None, target)
