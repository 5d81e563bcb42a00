"""The ``local`` flavor: a folder on the local filesystem that stores artifacts."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import IO, Any

from ._confine import Confinement
from ._disk_ops import DiskOperations
from ._lexical_ops import LexicalOperations
from .artifact_store import ArtifactStore, PathType, WalkEntry


class LocalArtifactStore(ArtifactStore):
    """An artifact store rooted at a directory on the local filesystem.

    ``LocalArtifactStore(path)`` works on its own, with no registry and no
    pytest. The root is created if missing and resolved once (``~``, relative
    paths, trailing separators and links are all fine); ``.path`` gives it back
    absolute. Every path argument is confined to the root (see
    :class:`~pytest_localstore.PathOutsideStoreError`), and stays confined while
    other processes change the tree: on a real disk every name is reached
    beneath a descriptor of the root held open for the store's life (with
    ``openat2`` where Linux has it; ``use_openat2=False`` forces the portable
    walk). Under pyfakefs, where there are no real descriptors and no other
    writer, paths are checked and then used by name.
    """

    flavor = "local"

    def __init__(
        self,
        path: PathType,
        *,
        name: str | None = None,
        id: uuid.UUID | None = None,
        use_openat2: bool | None = None,
    ) -> None:
        super().__init__(name=name, id=id)
        text = os.fsdecode(os.fspath(path))
        if not text or "\x00" in text:
            raise ValueError(f"store root {text!r}: expected a directory path")
        root = os.path.realpath(os.path.abspath(os.path.expanduser(text)))
        if not os.path.isdir(root):
            os.makedirs(root, exist_ok=True)
        self._ops = _operations(root, use_openat2)

    @classmethod
    def _on_resolved_root(cls, root: str, *, name: str | None, id: uuid.UUID | None) -> LocalArtifactStore:
        """A store on *root*, which the caller has checked is an absolute, resolved, existing directory.

        For the fake backend, whose pyfakefs resolves a path in a tenth of the
        time its emulated ``os.path.realpath`` takes.
        """
        store = cls.__new__(cls)
        ArtifactStore.__init__(store, name=name, id=id)
        store._ops = _operations(root, None)
        return store

    @property
    def path(self) -> str:
        """The store root: absolute, resolved, without a trailing separator."""
        return self._ops.root

    def open(self, path: PathType, mode: str = "r") -> IO[Any]:
        """Open a file below the root; text modes read and write UTF-8."""
        return self._ops.open(path, mode)

    def copyfile(self, src: PathType, dst: PathType, overwrite: bool = False) -> None:
        """Copy a file; without ``overwrite`` an existing *dst* is FileExistsError."""
        self._ops.copyfile(src, dst, overwrite)

    def exists(self, path: PathType) -> bool:
        """Whether *path* is a file or a directory (a dangling link is not)."""
        return self._ops.exists(path)

    def glob(self, pattern: PathType) -> list[str]:
        """Full paths matching *pattern*; hidden names need a pattern with ``.``."""
        return self._ops.glob(pattern)

    def isdir(self, path: PathType) -> bool:
        """Whether *path* is a directory."""
        return self._ops.isdir(path)

    def listdir(self, path: PathType) -> list[str]:
        """The entry names of a directory, in the order the OS gives them."""
        return self._ops.listdir(path)

    def makedirs(self, path: PathType) -> None:
        """Create a directory with its parents; an existing directory is fine."""
        self._ops.makedirs(path)

    def mkdir(self, path: PathType) -> None:
        """Create one directory; its parent must exist."""
        self._ops.mkdir(path)

    def remove(self, path: PathType) -> None:
        """Remove a file (a directory is IsADirectoryError on Linux).

        A link is removed itself, never what it points to.
        """
        self._ops.remove(path)

    def rename(self, src: PathType, dst: PathType, overwrite: bool = False) -> None:
        """Move a file or directory; without ``overwrite`` an existing *dst* is refused."""
        self._ops.rename(src, dst, overwrite)

    def rmtree(self, path: PathType) -> None:
        """Remove a directory tree (a file is NotADirectoryError; the root, PermissionError)."""
        self._ops.rmtree(path)

    def stat(self, path: PathType) -> os.stat_result:
        """``os.stat`` of *path*, following a final link that stays inside."""
        return self._ops.stat(path)

    def size(self, path: PathType) -> int:
        """``st_size`` of *path*."""
        return self._ops.stat(path).st_size

    def walk(
        self,
        top: PathType,
        topdown: bool = True,
        onerror: Callable[[OSError], Any] | None = None,
    ) -> Iterator[WalkEntry]:
        """``os.walk`` below *top*; links to directories are listed, never entered."""
        return self._ops.walk(top, topdown, onerror)


def _operations(root: str, use_openat2: bool | None) -> DiskOperations | LexicalOperations:
    """The operations on *root*: by descriptor on a real disk, by checked path under pyfakefs."""
    confinement = Confinement(root)
    if type(os) is ModuleType:
        return DiskOperations(confinement, use_openat2=use_openat2)
    return LexicalOperations(confinement)  # pyfakefs has replaced this module's ``os``
