"""The store API every artifact-store flavor implements.

The names and shapes are those of ZenML's ``BaseArtifactStore``: code written
against one flavor runs unchanged on another, and the contract suite
(:mod:`pytest_localstore.contract`) checks any subclass. Paths may be ``str``,
``bytes`` or ``os.PathLike``; a relative path is relative to the store root;
paths that come back are ``str``. Errors are the built-in ``OSError``
subclasses, plus :class:`~pytest_localstore.PathOutsideStoreError` for a path
that would leave the root.
"""

from __future__ import annotations

import abc
import os
import uuid
from collections.abc import Callable, Iterator
from typing import IO, Any, ClassVar, Union

PathType = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
WalkEntry = tuple[str, list[str], list[str]]


class ArtifactStore(abc.ABC):
    """A place that stores artifacts, reached through fourteen file operations.

    A store is also a stack component: it has an ``id`` (a UUID), a ``name``
    (``None`` for a store made outside any registry), a ``type`` and a
    ``flavor``: the name of the registered flavor that builds stores of its
    class (``None`` for a class no flavor builds, such as an adapter).
    """

    type: ClassVar[str] = "artifact_store"
    flavor: ClassVar[str | None] = None

    def __init__(self, *, name: str | None = None, id: uuid.UUID | None = None) -> None:
        self.name = name
        self.id = id if id is not None else uuid.uuid4()

    @property
    @abc.abstractmethod
    def path(self) -> str:
        """The store root, absolute."""

    @abc.abstractmethod
    def open(self, path: PathType, mode: str = "r") -> IO[Any]:
        """Open a file; text modes read and write UTF-8."""

    @abc.abstractmethod
    def copyfile(self, src: PathType, dst: PathType, overwrite: bool = False) -> None:
        """Copy the file *src* to *dst*; an existing *dst* needs ``overwrite``."""

    @abc.abstractmethod
    def exists(self, path: PathType) -> bool:
        """Whether *path* names a file or a directory."""

    @abc.abstractmethod
    def glob(self, pattern: PathType) -> list[str]:
        """The paths matching *pattern* (``*``, ``?``, ``[...]``), in no order."""

    @abc.abstractmethod
    def isdir(self, path: PathType) -> bool:
        """Whether *path* names a directory."""

    @abc.abstractmethod
    def listdir(self, path: PathType) -> list[str]:
        """The names (not paths) of the entries of a directory, in no order."""

    @abc.abstractmethod
    def makedirs(self, path: PathType) -> None:
        """Create a directory and its missing parents; an existing one is fine."""

    @abc.abstractmethod
    def mkdir(self, path: PathType) -> None:
        """Create one directory whose parent exists."""

    @abc.abstractmethod
    def remove(self, path: PathType) -> None:
        """Remove a file."""

    @abc.abstractmethod
    def rename(self, src: PathType, dst: PathType, overwrite: bool = False) -> None:
        """Move *src* to *dst*; an existing *dst* needs ``overwrite``."""

    @abc.abstractmethod
    def rmtree(self, path: PathType) -> None:
        """Remove a directory and everything below it."""

    @abc.abstractmethod
    def stat(self, path: PathType) -> os.stat_result:
        """The ``os.stat`` result of *path*."""

    @abc.abstractmethod
    def size(self, path: PathType) -> int:
        """The size of a file in bytes."""

    @abc.abstractmethod
    def walk(
        self,
        top: PathType,
        topdown: bool = True,
        onerror: Callable[[OSError], Any] | None = None,
    ) -> Iterator[WalkEntry]:
        """``(dirpath, dirnames, filenames)`` for each directory below *top*."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path!r})"
