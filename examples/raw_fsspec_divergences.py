"""What the contract finds in fsspec used directly, and whether FsspecArtifactStore handles it.

Run: ``python examples/raw_fsspec_divergences.py`` (needs the s3 extra). For
fsspec's ``LocalFileSystem``, ``MemoryFileSystem`` and s3fs (on moto's server),
a thin adapter hands each of the fourteen operations straight to the library,
as a first attempt would. The contract's table rows run on it, declaring only
what each backend truly cannot do; every cause it reports is one line of the
table below. The last column replays that cause's program on
``FsspecArtifactStore`` over the same filesystem: "conforms" means the store
normalises the difference. Printed as a Markdown table for the README.
"""

from __future__ import annotations

import itertools
import os
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from typing import IO, Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pytest_localstore import ArtifactStore, PathType, WalkEntry
from pytest_localstore.contract import Capabilities, check_row
from pytest_localstore.contract._rows import ROWS
from pytest_localstore.contract._runner import replay
from pytest_localstore.fsspec_store import FsspecArtifactStore
from pytest_localstore.s3 import S3Server


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


def backends(
    server: S3Server, tmp: str
) -> list[tuple[str, Callable[[], Any], Callable[[], str], Capabilities]]:
    """(name, filesystem, fresh root, what the backend truly cannot do)."""
    import fsspec

    numbers = itertools.count()
    bucket = server.make_bucket("divergences")
    s3 = server.filesystem()
    return [
        (
            "LocalFileSystem",
            lambda: fsspec.filesystem("file"),
            lambda: f"{tmp}/{next(numbers)}",
            Capabilities(),
        ),
        (
            "MemoryFileSystem",
            lambda: fsspec.filesystem("memory"),
            lambda: f"/divergences-{uuid.uuid4().hex}",
            Capabilities(max_name_bytes=None),
        ),
        (
            "s3fs",
            lambda: s3,
            lambda: f"{bucket}/{uuid.uuid4().hex}",
            Capabilities(empty_directories=False, max_name_bytes=None),
        ),
    ]


def ours_on(fs: Callable[[], Any], root: Callable[[], str]) -> Callable[[], ArtifactStore]:
    """Fresh FsspecArtifactStores over the same filesystem as the raw adapter."""
    return lambda: FsspecArtifactStore(root(), fs=fs())


def main() -> int:
    print("| library | operation | kind | the contract's rule | on FsspecArtifactStore |")
    print("|---|---|---|---|---|")
    with S3Server.start() as server, tempfile.TemporaryDirectory() as tmp:
        for name, fs, root, capabilities in backends(server, tmp):
            seen: set[tuple[str, str, str]] = set()
            for row in ROWS:
                if not row.applies_to(capabilities):
                    continue
                violation = check_row(row, RawFsspec(fs(), root()), capabilities)
                if violation is None or violation.cause in seen:
                    continue
                seen.add(violation.cause)
                ours = replay(list(violation.calls), ours_on(fs, root), capabilities)
                verdict = "conforms" if ours is None else f"still {ours[1].kind}: {ours[1].rule}"
                rule = violation.problem.rule.replace("|", "/")
                what = f"{violation.method} | {violation.problem.kind} | {rule} (row '{row.situation}')"
                print(f"| {name} | {what} | {verdict} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
