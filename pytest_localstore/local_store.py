"""The ``local`` flavor: a folder on the local filesystem that stores artifacts."""

from __future__ import annotations

import builtins
import errno
import os
import shutil
import stat
import uuid
from collections.abc import Callable, Iterator
from typing import IO, Any

from ._confine import Confinement
from ._glob import confined_glob
from .artifact_store import ArtifactStore, PathType, WalkEntry


class LocalArtifactStore(ArtifactStore):
    """An artifact store rooted at a directory on the local filesystem.

    ``LocalArtifactStore(path)`` works on its own, with no registry and no
    pytest. The root is created if missing and resolved once (``~``, relative
    paths, trailing separators and links are all fine); ``.path`` gives it back
    absolute. Every path argument is confined to the root (see
    :class:`~pytest_localstore.PathOutsideStoreError`).
    """

    flavor = "local"

    def __init__(self, path: PathType, *, name: str | None = None, id: uuid.UUID | None = None) -> None:
        super().__init__(name=name, id=id)
        text = os.fsdecode(os.fspath(path))
        if not text or "\x00" in text:
            raise ValueError(f"store root {text!r}: expected a directory path")
        root = os.path.realpath(os.path.abspath(os.path.expanduser(text)))
        if not os.path.isdir(root):
            os.makedirs(root, exist_ok=True)
        self._confinement = Confinement(root)
        self._stat = self._confinement.confined_stat

    @property
    def path(self) -> str:
        """The store root: absolute, resolved, without a trailing separator."""
        return self._confinement.root

    def open(self, path: PathType, mode: str = "r") -> IO[Any]:
        """Open a file below the root; text modes read and write UTF-8."""
        full = self._confinement.confined(path)
        if "b" in mode:
            return builtins.open(full, mode)
        return builtins.open(full, mode, encoding="utf-8")

    def copyfile(self, src: PathType, dst: PathType, overwrite: bool = False) -> None:
        """Copy a file; without ``overwrite`` an existing *dst* is FileExistsError."""
        source = self._confinement.confined(src)
        target, existing = self._confinement.confined_lstat(dst)
        if existing is not None and not overwrite:
            raise _exists_error(target)
        shutil.copyfile(source, target)

    def exists(self, path: PathType) -> bool:
        """Whether *path* is a file or a directory (a dangling link is not)."""
        return self._stat(path)[1] is not None

    def glob(self, pattern: PathType) -> list[str]:
        """Full paths matching *pattern*; hidden names need a pattern with ``.``."""
        full = self._confinement.confined(pattern).rstrip(os.sep) or os.sep
        return confined_glob(self._confinement, full)

    def isdir(self, path: PathType) -> bool:
        """Whether *path* is a directory."""
        st = self._stat(path)[1]
        return st is not None and stat.S_ISDIR(st.st_mode)

    def listdir(self, path: PathType) -> list[str]:
        """The entry names of a directory, in the order the OS gives them."""
        return os.listdir(self._confinement.confined(path))

    def makedirs(self, path: PathType) -> None:
        """Create a directory with its parents; an existing directory is fine."""
        full, st = self._stat(path, strict=True)
        if st is None or not stat.S_ISDIR(st.st_mode):
            os.makedirs(full, exist_ok=True)

    def mkdir(self, path: PathType) -> None:
        """Create one directory; its parent must exist."""
        os.mkdir(self._confinement.confined_name(path))

    def remove(self, path: PathType) -> None:
        """Remove a file (a directory is IsADirectoryError on Linux).

        A link is removed itself, never what it points to.
        """
        os.remove(self._confinement.confined_name(path))

    def rename(self, src: PathType, dst: PathType, overwrite: bool = False) -> None:
        """Move a file or directory; without ``overwrite`` an existing *dst* is refused."""
        source = self._refuse_root(self._confinement.confined_name(src), "renamed")
        if overwrite:
            os.replace(source, self._refuse_root(self._confinement.confined_name(dst), "replaced"))
            return
        target, existing = self._confinement.confined_lstat(dst, follow_last=False)
        if existing is not None:
            raise _exists_error(target)
        os.rename(source, target)

    def rmtree(self, path: PathType) -> None:
        """Remove a directory tree (a file is NotADirectoryError; the root, PermissionError)."""
        shutil.rmtree(self._refuse_root(self._confinement.confined(path), "removed"))

    def stat(self, path: PathType) -> os.stat_result:
        """``os.stat`` of *path*, following a final link that stays inside."""
        full, st = self._stat(path, strict=True)
        return st if st is not None else os.stat(full)

    def size(self, path: PathType) -> int:
        """``st_size`` of *path*."""
        return self.stat(path).st_size

    def walk(
        self,
        top: PathType,
        topdown: bool = True,
        onerror: Callable[[OSError], Any] | None = None,
    ) -> Iterator[WalkEntry]:
        """``os.walk`` below *top*; links to directories are listed, never entered."""
        full = self._confinement.confined(top).rstrip(os.sep) or os.sep
        return os.walk(full, topdown=topdown, onerror=onerror, followlinks=False)

    def _refuse_root(self, full: str, what: str) -> str:
        """*full*, unless it is the root: the store's own directory stays put."""
        if full.rstrip(os.sep) == self.path:
            raise PermissionError(errno.EACCES, f"the store root cannot be {what}", self.path)
        return full


def _exists_error(target: str) -> FileExistsError:
    """The error for a target that exists and may not be overwritten."""
    return FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), target)
