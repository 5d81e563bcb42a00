"""A first attempt at an fsspec artifact store: each operation handed straight to the library.

Used by ``raw_fsspec_divergences.py`` (what the contract finds in it) and by
``benchmarks/bench_contract.py`` (the bare machine on a flavor).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import IO, Any

from pytest_localstore import ArtifactStore, PathType, WalkEntry


class RawFsspec(ArtifactStore):
    """Each operation handed straight to fsspec, paths joined to the root: no checks of our own."""

    flavor = "raw-fsspec"

    def __init__(self, fs: Any, root: str) -> None:
        super().__init__()
        self.fs, self.root = fs, root.rstrip("/")
        fs.makedirs(self.root, exist_ok=True)

    @property
    def path(self) -> str:
        return self.root

    def _p(self, path: PathType) -> str:
        text = os.fsdecode(os.fspath(path))
        if text.startswith(self.root):
            return text
        return self.root if text in ("", ".") else f"{self.root}/{text}"

    def open(self, path: PathType, mode: str = "r") -> IO[Any]:
        return self.fs.open(self._p(path), mode, **({} if "b" in mode else {"encoding": "utf-8"}))  # type: ignore[no-any-return]

    def copyfile(self, src: PathType, dst: PathType, overwrite: bool = False) -> None:
        if not overwrite and self.fs.exists(self._p(dst)):
            raise FileExistsError(dst)
        self.fs.copy(self._p(src), self._p(dst))

    def exists(self, path: PathType) -> bool:
        return bool(self.fs.exists(self._p(path)))

    def glob(self, pattern: PathType) -> list[str]:
        return list(self.fs.glob(self._p(pattern)))

    def isdir(self, path: PathType) -> bool:
        return bool(self.fs.isdir(self._p(path)))

    def listdir(self, path: PathType) -> list[str]:
        return [e.rstrip("/").rsplit("/", 1)[-1] for e in self.fs.ls(self._p(path), detail=False)]

    def makedirs(self, path: PathType) -> None:
        self.fs.makedirs(self._p(path), exist_ok=True)

    def mkdir(self, path: PathType) -> None:
        self.fs.mkdir(self._p(path), create_parents=False)

    def remove(self, path: PathType) -> None:
        self.fs.rm_file(self._p(path))

    def rename(self, src: PathType, dst: PathType, overwrite: bool = False) -> None:
        if not overwrite and self.fs.exists(self._p(dst)):
            raise FileExistsError(dst)
        self.fs.mv(self._p(src), self._p(dst), recursive=True)

    def rmtree(self, path: PathType) -> None:
        self.fs.rm(self._p(path), recursive=True)

    def stat(self, path: PathType) -> Any:
        return self.fs.info(self._p(path))

    def size(self, path: PathType) -> int:
        return int(self.fs.size(self._p(path)))

    def walk(
        self, top: PathType, topdown: bool = True, onerror: Callable[[OSError], Any] | None = None
    ) -> Iterator[WalkEntry]:
        return iter(self.fs.walk(self._p(top), topdown=topdown))
