"""Deliberately broken stores, one bug each: the contract must reject every one.

Each ``make_*`` function returns a fresh, empty store, so each can be named
as a CLI target (``localstore contract tests.broken_stores:make_stale_cache``).
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import os
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from typing import IO, Any

from pytest_localstore import ArtifactStore, LocalArtifactStore, PathOutsideStoreError
from pytest_localstore._confine import Confinement
from pytest_localstore._lexical_ops import LexicalOperations
from pytest_localstore.artifact_store import PathType, WalkEntry


def _confinement(store: LocalArtifactStore) -> Confinement:
    """The path check the real store makes, for bugs written with path strings."""
    return Confinement(store.path)


class IgnoresOverwrite(LocalArtifactStore):
    """copyfile replaces an existing target even without overwrite=True."""

    def copyfile(self, src: PathType, dst: PathType, overwrite: bool = False) -> None:
        super().copyfile(src, dst, overwrite=True)


class ListdirGivesPaths(LocalArtifactStore):
    """listdir returns full paths instead of entry names."""

    def listdir(self, path: PathType) -> list[str]:
        full = _confinement(self).confined(path)
        return [os.path.join(full, name) for name in super().listdir(path)]


class RmtreeLeavesNested(LocalArtifactStore):
    """rmtree removes only the files directly inside, and the empty directory if it can."""

    def rmtree(self, path: PathType) -> None:
        full = _confinement(self).confined(path)
        for name in os.listdir(full):
            if not os.path.isdir(os.path.join(full, name)):
                os.remove(os.path.join(full, name))
        if not os.listdir(full):
            os.rmdir(full)


class SilentRemove(LocalArtifactStore):
    """remove of a missing file raises nothing."""

    def remove(self, path: PathType) -> None:
        if self.exists(path) or self.isdir(path):
            super().remove(path)


class WrongErrorType(LocalArtifactStore):
    """mkdir of an existing directory raises RuntimeError, not FileExistsError."""

    def mkdir(self, path: PathType) -> None:
        try:
            super().mkdir(path)
        except FileExistsError as error:
            raise RuntimeError(f"exists: {error.filename}") from None


class AppendTruncates(LocalArtifactStore):
    """Append mode loses what the file held."""

    def open(self, path: PathType, mode: str = "r") -> IO[Any]:
        return super().open(path, mode.replace("a", "w"))


class StaleCache(LocalArtifactStore):
    """exists remembers its first answer for each path, forever."""

    def __init__(self, path: PathType) -> None:
        super().__init__(path)
        self._seen: dict[str, bool] = {}

    def exists(self, path: PathType) -> bool:
        key = os.fsdecode(os.fspath(path))
        if key not in self._seen:
            self._seen[key] = super().exists(path)
        return self._seen[key]


class RenameCopies(LocalArtifactStore):
    """rename of a file copies it and leaves the source behind."""

    def rename(self, src: PathType, dst: PathType, overwrite: bool = False) -> None:
        source = _confinement(self).confined(src)
        if os.path.isfile(source):
            self.copyfile(src, dst, overwrite=overwrite)
        else:
            super().rename(src, dst, overwrite=overwrite)


class GlobShowsHidden(LocalArtifactStore):
    """glob returns hidden names for '*'."""

    def glob(self, pattern: PathType) -> list[str]:
        found = super().glob(pattern)
        text = os.fsdecode(os.fspath(pattern))
        if text.endswith("*"):
            hidden_pattern = text[:-1] + ".*"
            found += [p for p in super().glob(hidden_pattern) if p not in found]
        return found


class WalkIgnoresTopdown(LocalArtifactStore):
    """walk always goes top-down."""

    def walk(
        self, top: PathType, topdown: bool = True, onerror: Callable[[OSError], Any] | None = None
    ) -> Iterator[WalkEntry]:
        return super().walk(top, True, onerror)


class TextIsLatin1(LocalArtifactStore):
    """Text mode reads and writes Latin-1 instead of UTF-8."""

    def open(self, path: PathType, mode: str = "r") -> IO[Any]:
        if "b" in mode:
            return super().open(path, mode)
        return builtins.open(_confinement(self).confined(path), mode, encoding="latin-1")


class MakedirsNotExistOk(LocalArtifactStore):
    """makedirs fails on a directory that already exists."""

    def makedirs(self, path: PathType) -> None:
        os.makedirs(_confinement(self).confined(path))


class SizeCountsCharacters(LocalArtifactStore):
    """size counts decoded characters, not bytes."""

    def size(self, path: PathType) -> int:
        with self.open(path, "rb") as handle:
            return len(handle.read().decode("utf-8", "replace"))


class MergingRename(LocalArtifactStore):
    """A directory renamed onto an existing one is merged into it (object-store style)."""

    def rename(self, src: PathType, dst: PathType, overwrite: bool = False) -> None:
        # rename acts on the names: a link at either end is moved or replaced, never followed.
        source, target = _confinement(self).confined_name(src), _confinement(self).confined_name(dst)
        # Into itself, or onto a directory above it: the rename below refuses.
        nested = target.startswith(source + os.sep) or source.startswith(target + os.sep)
        both_dirs = all(os.path.isdir(name) and not os.path.islink(name) for name in (source, target))
        # The same directory by two names (one through a link to the root) is no merge.
        merge = overwrite and not nested and both_dirs and not os.path.samefile(source, target)
        if merge and os.listdir(target):
            shutil.copytree(source, target, dirs_exist_ok=True)
            shutil.rmtree(source)
            return
        super().rename(src, dst, overwrite=overwrite)


class MovesThenRaises(LocalArtifactStore):
    """rename of a directory copies it, then raises FileNotFoundError, leaving both trees (as s3fs's mv)."""

    def rename(self, src: PathType, dst: PathType, overwrite: bool = False) -> None:
        source = _confinement(self).confined(src)
        if os.path.isdir(source) and not self.exists(dst):
            shutil.copytree(source, _confinement(self).confined(dst))
            raise FileNotFoundError(2, "No such file or directory", os.fsdecode(os.fspath(src)))
        super().rename(src, dst, overwrite=overwrite)


class RaisesNonOSError(LocalArtifactStore):
    """remove of a missing file raises a client library's own exception, not FileNotFoundError."""

    class ParamValidationError(Exception):
        """Like botocore's: not an OSError."""

    def remove(self, path: PathType) -> None:
        if not self.exists(path):
            raise self.ParamValidationError(f"Invalid key: {os.fsdecode(os.fspath(path))}")
        super().remove(path)


class ExistsGivesNumbers(LocalArtifactStore):
    """exists returns 1 or 0 instead of True or False."""

    def exists(self, path: PathType) -> bool:
        return int(super().exists(path))  # type: ignore[return-value]


class StripsTrailingSpaces(LocalArtifactStore):
    """Every path's trailing spaces are dropped, as some object-store clients do: 'a ' is 'a'."""

    def _strip(self, path: PathType) -> str:
        return "/".join(name.rstrip(" ") or name for name in os.fsdecode(os.fspath(path)).split("/"))

    def exists(self, path: PathType) -> bool:
        return super().exists(self._strip(path))

    def open(self, path: PathType, mode: str = "r") -> IO[Any]:
        return super().open(self._strip(path), mode)

    def makedirs(self, path: PathType) -> None:
        super().makedirs(self._strip(path))

    def mkdir(self, path: PathType) -> None:
        super().mkdir(self._strip(path))

    def isdir(self, path: PathType) -> bool:
        return super().isdir(self._strip(path))


class NormalisesNames(StripsTrailingSpaces):
    """Every path is put in Unicode's composed form (NFC), as macOS does: 'e\\u0301' is '\\u00e9'."""

    def _strip(self, path: PathType) -> str:
        return unicodedata.normalize("NFC", os.fsdecode(os.fspath(path)))

    def rename(self, src: PathType, dst: PathType, overwrite: bool = False) -> None:
        super().rename(self._strip(src), self._strip(dst), overwrite)


class OpenDefaultsToBinary(LocalArtifactStore):
    """open(path) without a mode reads bytes; the API says text ('r')."""

    def open(self, path: PathType, mode: str = "rb") -> IO[Any]:
        return super().open(path, mode)


class OverwriteByDefault(LocalArtifactStore):
    """copyfile and rename replace an existing target unless told not to."""

    def copyfile(self, src: PathType, dst: PathType, overwrite: bool = True) -> None:
        super().copyfile(src, dst, overwrite)

    def rename(self, src: PathType, dst: PathType, overwrite: bool = True) -> None:
        super().rename(src, dst, overwrite)


class WalkBottomUpByDefault(LocalArtifactStore):
    """walk(top) without topdown goes bottom-up."""

    def walk(
        self, top: PathType, topdown: bool = False, onerror: Callable[[OSError], Any] | None = None
    ) -> Iterator[WalkEntry]:
        return super().walk(top, topdown, onerror)


class TakesOnlyStr(LocalArtifactStore):
    """Paths must be str: bytes and pathlib paths are a TypeError (the API promises all three)."""

    def _only_str(self, path: PathType) -> PathType:
        if not isinstance(path, str):
            raise TypeError(f"expected a str path, got {type(path).__name__}")
        return path

    def exists(self, path: PathType) -> bool:
        return super().exists(self._only_str(path))

    def open(self, path: PathType, mode: str = "r") -> IO[Any]:
        return super().open(self._only_str(path), mode)


class LimitsWholePaths(LocalArtifactStore):
    """Applies the 255-byte limit to the whole path instead of to each name."""

    def _limited(self, path: PathType) -> PathType:
        if len(os.fsencode(os.fspath(path))) > 255:
            raise OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG), path)
        return path

    def makedirs(self, path: PathType) -> None:
        super().makedirs(self._limited(path))

    def mkdir(self, path: PathType) -> None:
        super().mkdir(self._limited(path))


class WalkIgnoresOnerror(LocalArtifactStore):
    """walk never calls onerror: a missing top looks like an empty directory."""

    def walk(
        self, top: PathType, topdown: bool = True, onerror: Callable[[OSError], Any] | None = None
    ) -> Iterator[WalkEntry]:
        return super().walk(top, topdown, None)


class ErrnoDisagrees(LocalArtifactStore):
    """remove of a missing file raises FileNotFoundError, but with errno EACCES."""

    def remove(self, path: PathType) -> None:
        try:
            super().remove(path)
        except FileNotFoundError as error:
            raise FileNotFoundError(errno.EACCES, "no such file", error.filename) from None


class ErrnoLeftOut(LocalArtifactStore):
    """remove of a missing file raises FileNotFoundError with no errno, as fsspec does."""

    def remove(self, path: PathType) -> None:
        try:
            super().remove(path)
        except FileNotFoundError:
            raise FileNotFoundError(os.fsdecode(os.fspath(path))) from None


class StatFollowsTheLastLink(LocalArtifactStore):
    """stat of a plain name follows it wherever it leads: a link out is read from outside."""

    def stat(self, path: PathType) -> os.stat_result:
        text = os.fsdecode(os.fspath(path))
        if "/" in text or text in ("", ".", ".."):
            return super().stat(path)
        return os.stat(os.path.join(self.path, text))


class RmtreeEntersLinks(LocalArtifactStore):
    """rmtree empties the directories that links inside the tree point to, then removes the tree."""

    def rmtree(self, path: PathType) -> None:
        top = os.path.join(self.path, os.fsdecode(os.fspath(path)))
        for dirpath, dirnames, _ in os.walk(top):
            for name in dirnames:
                entry = os.path.join(dirpath, name)
                if os.path.islink(entry):
                    for child in os.listdir(entry):
                        target = os.path.join(entry, child)
                        if os.path.isdir(target):
                            shutil.rmtree(target)
                        else:
                            os.remove(target)
        super().rmtree(path)


class ModeLettersInOneOrder(LocalArtifactStore):
    """open refuses a mode whose letters are not in the usual order ('+rb'), which open() takes."""

    def open(self, path: PathType, mode: str = "r") -> IO[Any]:
        if mode.startswith("+") or mode[:1] in ("b", "t"):
            raise ValueError(f"invalid mode: {mode!r}")
        return super().open(path, mode)


class ReadsLineEndsRaw(LocalArtifactStore):
    """Text mode reads '\r\n' and '\r' as they are, without open()'s universal newlines."""

    def open(self, path: PathType, mode: str = "r") -> IO[Any]:
        if "b" in mode or "r" not in mode:
            return super().open(path, mode)
        full = os.path.join(self.path, os.fsdecode(os.fspath(path)))
        return builtins.open(full, mode, encoding="utf-8", newline="")


class _NaiveConfinement:
    """Confinement done by a string test on the joined path, as naive stores do it."""

    def __init__(self, root: str, separator: bool, normalise: bool = False) -> None:
        self.root = root
        self._prefix = root + os.sep if separator else root
        self._normalise = normalise

    def confined(self, path: PathType) -> str:
        text = os.fsdecode(os.fspath(path))
        if "\x00" in text:
            raise ValueError(f"path {text!r} contains a NUL byte")
        full = text if os.path.isabs(text) else os.path.join(self.root, text)
        if self._normalise:
            full = os.path.normpath(full) + (os.sep if text.endswith(os.sep) else "")
            if full.endswith(os.sep) and os.path.isfile(full.rstrip(os.sep)):  # 'file/', as the real store
                raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), full)
        if full.rstrip(os.sep) != self.root and not full.startswith(self._prefix):
            raise PathOutsideStoreError(path, self.root)
        return full

    confined_name = confined

    def confined_lstat(self, path: PathType, *, follow_last: bool = True) -> tuple[str, Any]:
        full = self.confined(path)
        try:
            return full, os.lstat(full)
        except (FileNotFoundError, NotADirectoryError):
            return full, None

    def confined_stat(self, path: PathType, *, strict: bool = False) -> tuple[str, Any]:
        try:
            full = self.confined(path)
        except NotADirectoryError:
            if strict:
                raise
            return os.fsdecode(os.fspath(path)), None
        try:
            return full, os.stat(full)
        except (FileNotFoundError, NotADirectoryError):
            return full, None
        except OSError as error:
            if strict or error.errno != errno.ENAMETOOLONG:
                raise
            return full, None


class _NaivelyConfined(LocalArtifactStore):
    """The local store with its confinement replaced by a string test."""

    separator = False
    normalise = False

    def __init__(self, path: PathType) -> None:
        super().__init__(path)
        naive = _NaiveConfinement(self.path, self.separator, self.normalise)
        self._ops = LexicalOperations(naive)  # type: ignore[arg-type]


class PrefixConfined(_NaivelyConfined):
    """Confines by ``path.startswith(root)``: a sibling '<root>_evil' passes (as ZenML's local store)."""


class DotDotJoined(_NaivelyConfined):
    """Joins a relative path to the root without normalising it: '../x' passes the prefix test."""

    separator = True


class FollowsLinks(_NaivelyConfined):
    """Normalises and tests the prefix, but never looks at links: a link inside that points out leaks."""

    separator = True
    normalise = True


class RefusesLinksInside(LocalArtifactStore):
    """Refuses every path through a symbolic link, even one to a directory inside the root."""

    def _refuse_links(self, path: PathType) -> None:
        at = self.path
        for name in os.fsdecode(os.fspath(path)).split("/"):
            at = os.path.join(at, name)
            if os.path.islink(at):
                raise PathOutsideStoreError(os.fsdecode(os.fspath(path)), self.path)

    def open(self, path: PathType, mode: str = "r") -> IO[Any]:
        self._refuse_links(path)
        return super().open(path, mode)

    def listdir(self, path: PathType) -> list[str]:
        self._refuse_links(path)
        return super().listdir(path)


class IsdirLeavesMarkers(LocalArtifactStore):
    """isdir of a directory leaves an empty ``.dir`` file in it (a read that writes)."""

    def isdir(self, path: PathType) -> bool:
        found = super().isdir(path)
        if found:
            with super().open(f"{os.fsdecode(os.fspath(path)).rstrip('/')}/.dir", "wb"):
                pass
        return found


class SixthWriteLost(LocalArtifactStore):
    """The sixth file opened for writing keeps nothing written to it: a bug no table row reaches
    (a row writes five files at most), that only some random sequences do."""

    def __init__(self, path: PathType) -> None:
        super().__init__(path)
        self._writes = 0

    def open(self, path: PathType, mode: str = "r") -> IO[Any]:
        handle = super().open(path, mode)
        if set(mode) & set("wax"):
            self._writes += 1
            if self._writes == 6:
                return _WritesNothing(handle)  # type: ignore[return-value]
        return handle


class _FailsWhenCollected:
    """What a client leaves to the garbage collector: its ``__del__`` raises, as s3fs's files do
    when collected on their event loop's thread."""

    def __del__(self) -> None:
        raise RuntimeError("Calling sync() from within a running loop")


class LeavesFailingFinalisers(LocalArtifactStore):
    """The local store, but every ``exists`` leaves an object behind whose ``__del__`` raises."""

    def exists(self, path: PathType) -> bool:
        _FailsWhenCollected()
        return super().exists(path)


class _WritesNothing:
    """A file handle that says it wrote what it was given, and wrote nothing."""

    def __init__(self, handle: IO[Any]) -> None:
        self._handle = handle

    def write(self, data: Any) -> int:
        return len(data)

    def __enter__(self) -> _WritesNothing:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._handle.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)


#: Every bug, by name (CLI target suffix) -> class.
BROKEN: dict[str, type[LocalArtifactStore]] = {
    "errno_left_out": ErrnoLeftOut,
    "stat_follows_the_last_link": StatFollowsTheLastLink,
    "rmtree_enters_links": RmtreeEntersLinks,
    "mode_letters_in_one_order": ModeLettersInOneOrder,
    "reads_line_ends_raw": ReadsLineEndsRaw,
    "ignores_overwrite": IgnoresOverwrite,
    "listdir_gives_paths": ListdirGivesPaths,
    "rmtree_leaves_nested": RmtreeLeavesNested,
    "silent_remove": SilentRemove,
    "wrong_error_type": WrongErrorType,
    "append_truncates": AppendTruncates,
    "stale_cache": StaleCache,
    "rename_copies": RenameCopies,
    "glob_shows_hidden": GlobShowsHidden,
    "walk_ignores_topdown": WalkIgnoresTopdown,
    "text_is_latin1": TextIsLatin1,
    "makedirs_not_exist_ok": MakedirsNotExistOk,
    "size_counts_characters": SizeCountsCharacters,
    "moves_then_raises": MovesThenRaises,
    "raises_non_oserror": RaisesNonOSError,
    "exists_gives_numbers": ExistsGivesNumbers,
    "prefix_confined": PrefixConfined,
    "dotdot_joined": DotDotJoined,
    "follows_links": FollowsLinks,
    "errno_disagrees": ErrnoDisagrees,
    "strips_trailing_spaces": StripsTrailingSpaces,
    "open_defaults_to_binary": OpenDefaultsToBinary,
    "overwrite_by_default": OverwriteByDefault,
    "walk_bottom_up_by_default": WalkBottomUpByDefault,
    "takes_only_str": TakesOnlyStr,
    "limits_whole_paths": LimitsWholePaths,
    "walk_ignores_onerror": WalkIgnoresOnerror,
    "normalises_names": NormalisesNames,
    "refuses_links_inside": RefusesLinksInside,
    "isdir_leaves_markers": IsdirLeavesMarkers,
}


#: Where the factories' stores live: one directory per process, removed when it exits.
_BASE = tempfile.TemporaryDirectory(prefix="broken-stores-")


def new_root(prefix: str = "store-") -> str:
    """A new, empty directory for one store, removed with the process's base directory."""
    return tempfile.mkdtemp(prefix=prefix, dir=_BASE.name)


def _factory(cls: type[LocalArtifactStore]) -> Callable[[], LocalArtifactStore]:
    def make() -> LocalArtifactStore:
        return cls(new_root())

    make.__name__ = f"make_{cls.__name__}"
    return make


for _name, _cls in BROKEN.items():
    globals()[f"make_{_name}"] = _factory(_cls)

make_merging_rename = _factory(MergingRename)
make_leaves_failing_finalisers = _factory(LeavesFailingFinalisers)
make_sixth_write_lost = _factory(SixthWriteLost)


class ObjectStoreLike(LocalArtifactStore):
    """Directories exist only while a file lies below them, as on an object store.

    mkdir and makedirs make nothing, writing a file creates its parents, and
    a directory left empty by remove, rename or rmtree disappears.
    """

    def mkdir(self, path: PathType) -> None:
        self._check_no_file_above(path)
        if os.path.lexists(_confinement(self).confined_name(path)):  # a name is there, even a link
            raise FileExistsError(os.fsdecode(os.fspath(path)))

    def makedirs(self, path: PathType) -> None:
        self._check_no_file_above(path)
        if self.exists(path) and not self.isdir(path):
            raise FileExistsError(os.fsdecode(os.fspath(path)))

    def _check_no_file_above(self, path: PathType) -> None:
        """What an object store checks before making a prefix: no file in the way."""
        full = _confinement(self).confined_name(path).rstrip(os.sep)
        parent = os.path.dirname(full)
        while parent.startswith(self.path) and parent != self.path:
            if os.path.isfile(parent):
                raise NotADirectoryError(parent)
            parent = os.path.dirname(parent)

    def open(self, path: PathType, mode: str = "r") -> IO[Any]:
        if not any(flag in mode for flag in "wax"):
            return super().open(path, mode)
        self._make_parent(path)
        try:
            return super().open(path, mode)
        except OSError:
            self._prune()  # the parents made for a write that failed
            raise

    def copyfile(self, src: PathType, dst: PathType, overwrite: bool = False) -> None:
        if self.exists(src):
            self._make_parent(dst)
        try:
            super().copyfile(src, dst, overwrite=overwrite)
        finally:
            self._prune()

    def remove(self, path: PathType) -> None:
        super().remove(path)
        self._prune()

    def rmtree(self, path: PathType) -> None:
        super().rmtree(path)
        self._prune()

    def rename(self, src: PathType, dst: PathType, overwrite: bool = False) -> None:
        if self.exists(src):
            self._make_parent(dst)
        try:
            super().rename(src, dst, overwrite=overwrite)
        finally:
            self._prune()

    def _make_parent(self, path: PathType) -> None:
        parent = os.path.dirname(_confinement(self).confined_name(path).rstrip(os.sep))
        with contextlib.suppress(OSError):
            os.makedirs(parent, exist_ok=True)

    def _prune(self) -> None:
        for dirpath, _, _ in list(os.walk(self.path, topdown=False)):
            if dirpath != self.path and not os.listdir(dirpath):
                os.rmdir(dirpath)


make_object_store_like = _factory(ObjectStoreLike)


class StatGivesInfoDict(LocalArtifactStore):
    """Not broken: stat returns fsspec's info dict (as ZenML's remote stores do), which the contract reads."""

    def stat(self, path: PathType) -> Any:  # type: ignore[override]
        result = super().stat(path)
        kind = "directory" if os.path.isdir(_confinement(self).confined(path)) else "file"
        return {"name": os.fsdecode(os.fspath(path)), "size": result.st_size, "type": kind}

    def size(self, path: PathType) -> int:
        return LocalArtifactStore.stat(self, path).st_size


make_stat_gives_info_dict = _factory(StatGivesInfoDict)


class NoConfinement(ArtifactStore):
    """A first draft with no confinement at all: every path is joined to the root and used.

    What the contract must survive: handed ``'..'`` or the root's parent, its
    ``rmtree`` would delete the directory that holds the root. Its factory makes
    roots with plain ``tempfile.mkdtemp()``, the most natural choice, so a test
    points ``TMPDIR`` (or ``tempfile.tempdir``) at a directory of its own.
    """

    flavor = "careless"

    def __init__(self, root: str) -> None:
        super().__init__()
        self._root = os.path.realpath(root)

    @property
    def path(self) -> str:
        return self._root

    def _full(self, path: PathType) -> str:
        return os.path.join(self._root, os.fsdecode(os.fspath(path)))

    def open(self, path: PathType, mode: str = "r") -> IO[Any]:
        if "b" in mode:
            return builtins.open(self._full(path), mode)
        return builtins.open(self._full(path), mode, encoding="utf-8")

    def copyfile(self, src: PathType, dst: PathType, overwrite: bool = False) -> None:
        if not overwrite and os.path.lexists(self._full(dst)):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), self._full(dst))
        shutil.copyfile(self._full(src), self._full(dst))

    def exists(self, path: PathType) -> bool:
        return os.path.exists(self._full(path))

    def glob(self, pattern: PathType) -> list[str]:
        import glob

        return glob.glob(self._full(pattern))

    def isdir(self, path: PathType) -> bool:
        return os.path.isdir(self._full(path))

    def listdir(self, path: PathType) -> list[str]:
        return os.listdir(self._full(path))

    def makedirs(self, path: PathType) -> None:
        os.makedirs(self._full(path), exist_ok=True)

    def mkdir(self, path: PathType) -> None:
        os.mkdir(self._full(path))

    def remove(self, path: PathType) -> None:
        os.remove(self._full(path))

    def rename(self, src: PathType, dst: PathType, overwrite: bool = False) -> None:
        if not overwrite and os.path.lexists(self._full(dst)):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), self._full(dst))
        os.replace(self._full(src), self._full(dst))

    def rmtree(self, path: PathType) -> None:
        shutil.rmtree(self._full(path))

    def stat(self, path: PathType) -> os.stat_result:
        return os.stat(self._full(path))

    def size(self, path: PathType) -> int:
        return os.path.getsize(self._full(path))

    def walk(
        self, top: PathType, topdown: bool = True, onerror: Callable[[OSError], Any] | None = None
    ) -> Iterator[WalkEntry]:
        return os.walk(self._full(top), topdown=topdown, onerror=onerror)


class CarelessRename(NoConfinement):
    """No confinement, and a ``rename`` that moves a directory's entries one by one, then
    removes it: handed ``'..'`` as its source, it would empty the directory that holds the root."""

    def rename(self, src: PathType, dst: PathType, overwrite: bool = False) -> None:
        source, target = self._full(src), self._full(dst)
        if not os.path.isdir(source):
            super().rename(src, dst, overwrite)
            return
        if not overwrite and os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), target)
        os.makedirs(target, exist_ok=True)
        for name in os.listdir(source):
            shutil.move(os.path.join(source, name), os.path.join(target, name))
        shutil.rmtree(source)


def make_no_confinement() -> NoConfinement:
    return NoConfinement(tempfile.mkdtemp())


def make_careless_rename() -> CarelessRename:
    return CarelessRename(tempfile.mkdtemp())


class WriteEmptiesASibling(LocalArtifactStore):
    """Writing a file empties the first other file beside it: harm to a file the call does not
    name, which a read back of only the files the call changed would not see."""

    def open(self, path: PathType, mode: str = "r") -> IO[Any]:
        if set(mode) & set("wax"):
            text = os.fsdecode(os.fspath(path)).rstrip("/")
            folder, _, name = text.rpartition("/")
            try:
                beside = sorted(super().listdir(folder or self.path))
            except OSError:
                beside = []
            for other in beside:
                target = f"{folder}/{other}" if folder else other
                if other != name and not super().isdir(target):
                    with super().open(target, "wb"):
                        pass
                    break
        return super().open(path, mode)
