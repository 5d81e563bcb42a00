"""An artifact store over any fsspec filesystem: memory, S3 (s3fs), GCS (gcsfs), Azure Blob (adlfs).

fsspec's filesystems differ from ``os`` in many small ways: a directory read
as ``''``, a trailing slash ignored, ``rm`` of a missing key that succeeds,
``ls`` of a file that lists the file, ``mv`` of a file onto a directory that
moves it *into* the directory, writes below a file that create a key anyway.
:class:`FsspecArtifactStore` checks each case first and answers as the local
store does, so code written against one flavor runs unchanged on another.
What an object store truly cannot do (keep an empty directory) is declared
through :class:`~pytest_localstore.contract.Capabilities` by the flavor; what
a client does its own way (gcsfs's append that overwrites, say) the flavor's
class works around.

Paths are confined to the root lexically (object stores have no links): a
relative path, or an absolute one in the store's URL form (``memory://root/x``,
``s3://bucket/prefix/x``, ``gs://...``, ``az://...``); paths handed back are in that URL form. fsspec is
imported when a store is made, never before.
"""

from __future__ import annotations

import asyncio
import errno
import io
import os
import re
import shutil
import stat
import uuid
import weakref
from collections.abc import Callable, Iterator
from typing import IO, Any, cast

from ._glob import confined_glob
from .artifact_store import ArtifactStore, PathType, WalkEntry
from .capabilities import Capabilities
from .errors import PathOutsideStoreError, exists_error, root_error

#: A URL ('s3://...', or 's3:/...' as pathlib writes it) or a bare scheme ('memory:', the
#: parent of 'memory://root'); 'a:b' is a name.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(/|$)")
_DIR_MODE = stat.S_IFDIR | 0o755
_FILE_MODE = stat.S_IFREG | 0o644
#: How many names an object store's lookup lists at most: the name, those that begin with it and
#: sort before its directory ('name.txt' before 'name/'), and the directory; past them, the
#: client is asked as before.
_LOOKUP_KEYS = 100
#: Files up to this size are read whole when opened for reading, in one request.
_READ_WHOLE = 4 * 2**20
#: Blobs an Azure tree removal deletes at once (adlfs's own rm sends them all at once).
_DELETES_AT_ONCE = 64


#: What one listing of the names that begin with a key's found: its files (path -> info), its
#: directories' paths, and whether that was all of them.
Listing = tuple[dict[str, dict[str, Any]], set[str], bool]


def _error(code: int, path: str) -> OSError:
    return OSError(code, os.strerror(code), path)


class FsspecArtifactStore(ArtifactStore):
    """An artifact store rooted at *url* on an fsspec filesystem.

    ``FsspecArtifactStore("memory://store")`` or
    ``FsspecArtifactStore("s3://bucket/prefix", endpoint_url=...)``: keyword
    arguments are the filesystem's storage options. ``fs=`` passes a
    filesystem already made. The root is created where the filesystem has
    directories; an S3 bucket must exist.
    """

    #: Whether append (``'a'``) reads the file and writes it anew, for filesystems whose own
    #: append mode would overwrite (gcsfs) or refuses files it did not make (adlfs).
    append_by_rewrite = False
    #: Why the names ``capabilities.refused_names`` matches cannot be held (the EINVAL's message).
    unusable_why = ""
    #: Whether a file opened for reading is first asked for whole, in one request that says
    #: whether it is a small file (``_first_bytes``), before any lookup.
    _reads_in_one_request = False

    def __init__(
        self,
        url: str,
        *,
        fs: Any = None,
        name: str | None = None,
        id: uuid.UUID | None = None,
        **storage_options: Any,
    ) -> None:
        super().__init__(name=name, id=id)
        if not isinstance(url, str) or not url or "\x00" in url:
            raise ValueError(f"store root {url!r}: expected a URL such as 'memory://store' or 's3://bucket'")
        if fs is None:
            fs, root = _filesystem_for(url, storage_options)
        else:
            root = fs._strip_protocol(url)
        protocols = (fs.protocol,) if isinstance(fs.protocol, str) else tuple(fs.protocol)
        scheme = url.partition("://")[0]
        protocol = scheme if scheme in protocols else protocols[0]  # 'az://', not adlfs's first, 'abfs'
        self.fs = fs
        self._root = root.rstrip("/") or "/"
        local = protocol in ("file", "local")
        #: Whether the filesystem keeps directories with nothing in them (object stores do not).
        self._keeps_empty_dirs = local or getattr(fs, "pseudo_dirs", None) is not None
        self._url = f"file://{self._root}" if local else f"{protocol}://{self._root.lstrip('/')}"
        # The URL as pathlib.Path writes it ('memory:/root', one slash) names the root too, and
        # the filesystem's own absolute form where it cannot be read as a relative path.
        collapsed = self._url.replace("://", ":/", 1)
        native = (self._root,) if self._root.startswith("/") else ()
        self._prefixes = (self._url, collapsed, *native)
        if self._keeps_empty_dirs and not fs.exists(self._root):
            fs.makedirs(self._root, exist_ok=True)  # an object store's root needs no key

    @property
    def path(self) -> str:
        """The store root as a URL, without a trailing slash."""
        return self._url

    # -- paths -------------------------------------------------------------------

    def _below(self, path: PathType) -> tuple[str, bool]:
        """(the normalised part of *path* below the root, whether it ended in '/'); outside refused."""
        text = os.fsdecode(os.fspath(path))
        if "\x00" in text:
            raise ValueError(f"path {text!r} contains a NUL byte")
        if not text:
            raise FileNotFoundError(errno.ENOENT, "empty path", text)
        for prefix in self._prefixes:
            if text == prefix or text.startswith(prefix.rstrip("/") + "/"):
                text = text[len(prefix) :].lstrip("/") or "."
                break
        else:
            if text.startswith("/") or _SCHEME.match(text):
                raise PathOutsideStoreError(path, self._url)
        trailing = text.endswith("/")
        parts: list[str] = []
        for name in text.split("/"):
            if name in ("", "."):
                continue
            if name == "..":
                if not parts:
                    raise PathOutsideStoreError(path, self._url)
                parts.pop()
            else:
                parts.append(name)
        return "/".join(parts), trailing and bool(parts)

    def _unholdable(self, below: str) -> bool:
        """Whether *below* holds a name the filesystem would change or lose: it cannot exist, it
        is never looked up, and creating it is OSError(EINVAL)."""
        declared = self._declared()
        return declared is not None and declared.refuses(below)

    def _declared(self) -> Capabilities | None:
        """The capabilities the store's class declares (a flavor's: a bare store has none)."""
        declared: Capabilities | None = getattr(self, "capabilities", None)
        return declared

    def _key(self, below: str) -> str:
        """The filesystem's own path of *below*."""
        return f"{self._root}/{below}" if below else self._root

    def full(self, below: str) -> str:
        """The URL of *below* (what listings hand back)."""
        return f"{self._url}/{below}" if below else self._url

    def _info(self, below: str) -> dict[str, Any] | None:
        """fsspec's ``info`` of *below*, None if absent; the root is always a directory."""
        if not below:
            return {"name": self._root, "type": "directory", "size": 0}
        if self._unholdable(below):
            return None  # never asked: the filesystem would look up another name
        try:
            info = self._fetch_info(self._key(below))
        except (FileNotFoundError, NotADirectoryError):
            return None
        if info is None or info.get("type") not in ("file", "directory"):
            return None
        return info

    def _fetch_info(self, key: str) -> dict[str, Any] | None:
        """The filesystem's info of *key* (None or FileNotFoundError if absent).

        Object stores' clients ask twice (is it a file? is anything below it?); a flavor that
        can list the names beginning with the key's (:meth:`_names_from`) asks once.
        """
        listing = self._names_from(key)
        if listing is not None:
            files, directories, complete = listing
            name = key.rstrip("/")
            if name in files:
                return files[name]
            if name in directories:
                return {"name": name, "type": "directory", "size": 0}
            if complete:
                return None
        info: dict[str, Any] = self.fs.info(key)
        return info

    def _names_from(self, key: str) -> Listing | None:
        """The first names in one listing of those that begin with *key*'s, with no more below
        the next '/': (files: path -> info, directories' paths, whether that was all of them);
        None where the filesystem has no such listing."""
        return None

    def _on_loop(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """What the coroutine function *call* returns, run on the async client's event loop."""
        from fsspec.asyn import sync

        return sync(self.fs.loop, call, *args, **kwargs)

    def _is_dir(self, below: str) -> bool:
        info = self._info(below)
        return info is not None and info["type"] == "directory"

    def _lookup(self, below: str, trailing: bool = False) -> dict[str, Any] | None:
        """*below*'s info, None if absent; a file above it is ENOTDIR, as is ``file/``."""
        info = self._info(below)
        if info is None:
            self._check_parents(below)
            return None
        if trailing and info["type"] != "directory":
            raise _error(errno.ENOTDIR, self.full(below) + "/")
        return info

    def _check_parents(self, below: str) -> None:
        """NotADirectoryError if a directory above *below* is a file (object stores would not say)."""
        head = below.rpartition("/")[0]
        while head:
            info = self._info(head)
            if info is not None:
                if info["type"] != "directory":
                    raise _error(errno.ENOTDIR, self.full(below))
                return
            head = head.rpartition("/")[0]

    def _need_parent(self, below: str) -> None:
        """Before creating *below*, which ``_lookup`` found absent (so no file lies above it): its
        parent must be a directory where the filesystem keeps them (missing is FileNotFoundError)."""
        head = below.rpartition("/")[0]
        if head and self._keeps_empty_dirs and not self._is_dir(head):
            raise _error(errno.ENOENT, self.full(below))
        self._refuse_unholdable(below)

    def _make_dir(self, below: str) -> None:
        """Create the directory *below* where the filesystem keeps directories; an object store's
        exists while something lies below it, and its client would only ask whether the bucket does."""
        if self._keeps_empty_dirs:
            self.fs.makedirs(self._key(below), exist_ok=True)

    def _refuse_unholdable(self, below: str) -> None:
        """OSError(EINVAL) before creating a name the filesystem would change or lose."""
        declared = self._declared()
        if declared is not None and declared.refuses(below):
            why = self.unusable_why or f"its refused_names {declared.refused_names!r} matches it"
            store = self.flavor or type(self).__name__
            raise OSError(errno.EINVAL, f"{store} cannot hold this name: {why}", self.full(below))

    # -- the fourteen operations ------------------------------------------------

    def open(self, path: PathType, mode: str = "r") -> IO[Any]:
        """Open a file below the root; text modes read and write UTF-8."""
        below, trailing = self._below(path)
        binary = mode.replace("t", "")
        if "b" not in binary:
            binary += "b"
        kind = binary.replace("b", "").replace("+", "")
        if "+" in mode or kind not in ("r", "w", "a", "x"):
            raise ValueError(f"invalid mode {mode!r}: expected one of r, w, a, x, with b or t")
        opened = self._opened(below, kind, trailing)
        if "b" in mode:
            return opened
        text = io.TextIOWrapper(opened, encoding="utf-8")
        text.mode = mode  # type: ignore[misc]  # as open() sets it
        return text

    def _opened(self, below: str, kind: str, trailing: bool) -> IO[bytes]:
        """*below* opened in binary for *kind* ('r', 'w', 'a' or 'x'), its checks made."""
        if kind == "r" and below and not trailing and not self._unholdable(below):
            data = self._read_small_file(self._key(below))
            if data is not None:  # a file, read whole in one request: nothing else to ask
                return _read_whole(data, self.full(below))
        info = self._lookup(below, trailing)
        if kind == "x" and info is not None:
            raise exists_error(self.full(below))
        if info is not None and info["type"] == "directory":
            raise _error(errno.EISDIR, self.full(below))
        if kind == "r":
            if info is None:
                raise _error(errno.ENOENT, self.full(below))
        else:
            if trailing:
                raise _error(errno.EISDIR, self.full(below) + "/")
            if info is None:
                self._need_parent(below)
        if kind == "r" and info is not None:  # (absent: refused above)
            return self._open_to_read(below, info)
        if kind == "a" and self.append_by_rewrite:
            return self._reopen_for_append(self._key(below), info is not None)
        if kind == "a":
            opened: IO[bytes] = self.fs.open(self._key(below), "ab")
            return opened
        return self._open_to_write(self._key(below))

    def _open_to_read(self, below: str, info: dict[str, Any]) -> IO[bytes]:
        """*below*, a file whose *info* was just looked up, opened for reading: a small one read
        whole, in one request (a client's own file would look it up again first)."""
        if int(info.get("size") or 0) <= _READ_WHOLE:
            return _read_whole(self.fs.cat_file(self._key(below)), self.full(below))
        opened = self.fs.open(self._key(below), "rb")
        return _reading_as_on_disk(opened, opened.size, self.full(below))

    def _read_small_file(self, key: str) -> bytes | None:
        """What the file *key* holds, asked for in one request and without looking it up first,
        if it is a file of at most ``_READ_WHOLE`` bytes; None if it may be anything else (then
        it is looked up). Only where one request can say so (``_reads_in_one_request``)."""
        if not self._reads_in_one_request:
            return None
        bucket, name, version = self.fs.split_path(key)
        if not name or version is not None:
            return None
        data: bytes | None = self._on_loop(self._first_bytes, bucket, name)
        return data

    async def _first_bytes(self, bucket: str, name: str) -> bytes | None:
        """The one request of :meth:`_read_small_file`, for the object *name* in *bucket*."""
        raise NotImplementedError

    def _open_to_write(self, key: str) -> IO[bytes]:
        """*key* opened for writing anew (its checks made)."""
        opened: IO[bytes] = self.fs.open(key, "wb")
        return opened

    def _reopen_for_append(self, key: str, exists: bool) -> IO[bytes]:
        """*key* opened for writing, its old content already written back: append kept by rewriting."""
        old = self.fs.cat_file(key) if exists else b""
        opened = self._open_to_write(key)
        opened.write(old)
        return opened

    def copyfile(self, src: PathType, dst: PathType, overwrite: bool = False) -> None:
        """Copy a file; without ``overwrite`` an existing *dst* is FileExistsError."""
        source, s_trailing = self._below(src)
        target, d_trailing = self._below(dst)
        info = self._lookup(source, s_trailing)
        if info is None:
            raise _error(errno.ENOENT, self.full(source))
        if info["type"] == "directory":
            raise _error(errno.EISDIR, self.full(source))
        existing = self._lookup(target, d_trailing)
        if existing is not None:
            if not overwrite:
                raise exists_error(self.full(target))
            if existing["type"] == "directory":
                raise _error(errno.EISDIR, self.full(target))
            if source == target:
                shown = f"{self.full(source)!r} and {self.full(target)!r}"
                raise shutil.SameFileError(f"{shown} are the same file")
        else:
            if d_trailing:
                raise _error(errno.EISDIR, self.full(target) + "/")
            self._need_parent(target)
        self.fs.copy(self._key(source), self._key(target))

    def exists(self, path: PathType) -> bool:
        """Whether *path* is a file or a directory."""
        return self._stat_or_none(path) is not None

    def isdir(self, path: PathType) -> bool:
        """Whether *path* is a directory."""
        info = self._stat_or_none(path)
        return info is not None and info["type"] == "directory"

    def _stat_or_none(self, path: PathType) -> dict[str, Any] | None:
        try:
            below, trailing = self._below(path)
        except FileNotFoundError:  # the empty path names nothing (os.path.exists('') is False)
            return None
        info = self._info(below)
        if info is not None and trailing and info["type"] != "directory":
            return None
        return info

    def glob(self, pattern: PathType) -> list[str]:
        """Full URLs matching *pattern*, with the local store's rules (``**`` is ``*``)."""
        try:
            return confined_glob(self, self._below(pattern)[0])
        except PathOutsideStoreError:
            raise PathOutsideStoreError(pattern, self._url) from None

    def listdir(self, path: PathType) -> list[str]:
        """The entry names of a directory."""
        below, trailing = self._below(path)
        info = self._lookup(below, trailing)
        if info is None:
            raise _error(errno.ENOENT, self.full(below))
        if info["type"] != "directory":
            raise _error(errno.ENOTDIR, self.full(below))
        return self.names_below(below)

    def makedirs(self, path: PathType) -> None:
        """Create a directory and its parents; an existing directory is fine."""
        below, trailing = self._below(path)
        info = self._lookup(below, trailing)
        if info is not None:
            if info["type"] != "directory":
                raise exists_error(self.full(below))
            return
        if below:
            self._refuse_unholdable(below)
            self._make_dir(below)

    def mkdir(self, path: PathType) -> None:
        """Create one directory; its parent must exist."""
        below, trailing = self._below(path)
        if self._lookup(below, trailing) is not None:
            raise exists_error(self.full(below))
        self._need_parent(below)
        self._make_dir(below)

    def remove(self, path: PathType) -> None:
        """Remove a file (a directory is IsADirectoryError)."""
        below, trailing = self._below(path)
        info = self._lookup(below, trailing)
        if info is None:
            raise _error(errno.ENOENT, self.full(below))
        if info["type"] == "directory":
            raise _error(errno.EISDIR, self.full(below))
        self.fs.rm_file(self._key(below))

    def rename(self, src: PathType, dst: PathType, overwrite: bool = False) -> None:
        """Move a file or a whole tree; every refusal comes before anything changes."""
        source, s_trailing = self._below(src)
        target, d_trailing = self._below(dst)
        if not source:
            raise root_error(self._url, "renamed")
        s_info = self._lookup(source, s_trailing)
        if not target:
            raise exists_error(self._url) if not overwrite else root_error(self._url, "replaced")
        d_info = self._lookup(target, d_trailing)
        if s_info is None:
            raise _error(errno.ENOENT, self.full(source))
        if d_info is not None and not overwrite:
            raise exists_error(self.full(target))
        if source == target:
            return
        if target.startswith(source + "/"):
            raise _error(errno.EINVAL, self.full(target))
        moving_dir = s_info["type"] == "directory"
        if d_trailing and not moving_dir:  # a file cannot be named 'name/'
            raise _error(errno.ENOTDIR, self.full(target) + "/")
        if d_info is not None:
            if not moving_dir and d_info["type"] == "directory":
                raise _error(errno.EISDIR, self.full(target))
            if moving_dir and d_info["type"] != "directory":
                raise _error(errno.ENOTDIR, self.full(target))
            if moving_dir and self.names_below(target):
                raise _error(errno.ENOTEMPTY, self.full(target))
        else:
            self._need_parent(target)
        if not moving_dir:
            self._move_file(self._key(source), self._key(target))
            return
        self._copy_tree(source, target)
        self._remove_tree(source)

    def _move_file(self, source: str, target: str) -> None:
        """Move one file (the filesystem's own keys)."""
        self.fs.mv(source, target)

    def _copy_tree(self, source: str, target: str) -> None:
        """Copy every file and directory below *source* to the same place below *target*."""
        if self._is_dir(target):
            self._remove_tree(target)
        self._make_dir(target)
        for dirpath, dirnames, filenames in self._walk_below(source, True):
            rel = dirpath[len(source) :].lstrip("/")
            base = f"{target}/{rel}" if rel else target
            for name in dirnames:
                self._make_dir(f"{base}/{name}")
            for name in filenames:
                self.fs.copy(self._key(f"{dirpath}/{name}"), self._key(f"{base}/{name}"))

    def _remove_tree(self, below: str) -> None:
        """Remove the directory *below* and everything in it (its checks made)."""
        self.fs.rm(self._key(below), recursive=True)

    def rmtree(self, path: PathType) -> None:
        """Remove a directory tree (a file is NotADirectoryError; the root, PermissionError)."""
        below, trailing = self._below(path)
        if not below:
            raise root_error(self._url, "removed")
        info = self._lookup(below, trailing)
        if info is None:
            raise _error(errno.ENOENT, self.full(below))
        if info["type"] != "directory":
            raise _error(errno.ENOTDIR, self.full(below))
        self._remove_tree(below)
        if self._info(below) is not None:  # a marker or pseudo-directory left behind
            self.fs.rmdir(self._key(below))

    def stat(self, path: PathType) -> os.stat_result:
        """An ``os.stat_result`` with the kind, the size and the modification time where known."""
        below, trailing = self._below(path)
        info = self._lookup(below, trailing)
        if info is None:
            raise _error(errno.ENOENT, self.full(below))
        return _stat_result(info)

    def size(self, path: PathType) -> int:
        """``st_size`` of *path*."""
        return self.stat(path).st_size

    def walk(
        self,
        top: PathType,
        topdown: bool = True,
        onerror: Callable[[OSError], Any] | None = None,
    ) -> Iterator[WalkEntry]:
        """``os.walk`` below *top*, with URLs as directory paths."""
        below, _ = self._below(top)
        return self._walk(below, topdown, onerror)

    def _walk(
        self, below: str, topdown: bool, onerror: Callable[[OSError], Any] | None
    ) -> Iterator[WalkEntry]:
        info = self._info(below)
        if info is None or info["type"] != "directory":
            if onerror is not None:
                code = errno.ENOENT if info is None else errno.ENOTDIR
                onerror(_error(code, self.full(below)))
            return
        for dirpath, dirnames, filenames in self._walk_below(below, topdown):
            yield self.full(dirpath), dirnames, filenames

    def _walk_below(self, below: str, topdown: bool) -> Iterator[WalkEntry]:
        """(relative dirpath, dirnames, filenames) for *below* and every directory under it.

        An object store's whole tree comes from one listing of every key below (its
        directories are the keys' prefixes): one request, not one per directory.
        """
        listed = None if self._keeps_empty_dirs else self._keys_below(below)
        return self._walk_listed(below, topdown, listed)

    def _walk_listed(
        self, below: str, topdown: bool, listed: dict[str, tuple[list[str], list[str]]] | None
    ) -> Iterator[WalkEntry]:
        if listed is None:
            dirnames: list[str] = []
            filenames: list[str] = []
            for entry in self._entries(below):
                name = entry["name"].rstrip("/").rpartition("/")[2]
                (dirnames if entry["type"] == "directory" else filenames).append(name)
        else:
            dirnames, filenames = (list(names) for names in listed.get(below, ([], [])))
        if topdown:
            yield below, dirnames, filenames
        for name in dirnames:
            yield from self._walk_listed(f"{below}/{name}" if below else name, topdown, listed)
        if not topdown:
            yield below, dirnames, filenames

    def _files_below(self, key: str) -> dict[str, Any]:
        """{the filesystem's path: info} for every key below *key* (a directory), in one listing."""
        try:
            found = self.fs.find(key, detail=True)
        except FileNotFoundError:
            return {}
        return found if isinstance(found, dict) else {}  # adlfs: a list, where *key* is a file too

    def _keys_below(self, below: str) -> dict[str, tuple[list[str], list[str]]]:
        """{directory below the root: (its directories' names, its files' names)} for *below* and
        every directory under it, from one listing of the keys below (a key ending in '/', a
        directory's marker, names a directory)."""
        key = self._key(below).rstrip("/")
        found = self._files_below(key)
        listed: dict[str, tuple[list[str], list[str]]] = {below: ([], [])}

        def add(parent: str, name: str, directory: bool) -> None:
            dirnames, filenames = listed.setdefault(parent, ([], []))
            names = dirnames if directory else filenames
            if name not in names:
                names.append(name)

        for path, info in found.items():
            if not path.startswith(key + "/"):
                continue  # the key itself, a file where a directory was asked for
            rel = path[len(key) + 1 :]
            parts = rel.rstrip("/").split("/")
            if "" in parts:
                continue
            parent = below
            for name in parts[:-1]:
                add(parent, name, True)
                parent = f"{parent}/{name}" if parent else name
            add(parent, parts[-1], rel.endswith("/") or info.get("type") == "directory")
        for dirnames, filenames in listed.values():
            dirnames.sort()
            filenames.sort()
        return listed

    def _entries(self, below: str) -> list[dict[str, Any]]:
        key = self._key(below).rstrip("/")
        try:
            entries: list[dict[str, Any]] = self.fs.ls(key, detail=True)
        except FileNotFoundError:
            if below:
                raise
            entries = []  # an empty root: an object store has no key for it
        # Some filesystems list a directory's own marker; never the directory itself.
        return [e for e in entries if e["name"].rstrip("/") != key and e.get("type") in ("file", "directory")]

    # -- what the glob needs (GlobTree) -------------------------------------------

    def stat_below(self, below: str) -> os.stat_result | None:
        info = self._info(below)
        return None if info is None else _stat_result(info)

    def lexists_below(self, below: str) -> bool:
        return self._info(below) is not None

    def names_below(self, below: str) -> list[str]:
        return [entry["name"].rstrip("/").rpartition("/")[2] for entry in self._entries(below)]


def _stat_result(info: dict[str, Any]) -> os.stat_result:
    """An ``os.stat_result`` from fsspec's info: kind, size, modification time where given."""
    is_dir = info["type"] == "directory"
    size = 0 if is_dir else int(info.get("size") or 0)
    mtime = (
        info.get("mtime") or info.get("LastModified") or info.get("last_modified") or info.get("created") or 0
    )
    if hasattr(mtime, "timestamp"):
        mtime = mtime.timestamp()
    seconds = float(mtime) if isinstance(mtime, (int, float)) else 0.0
    mode = _DIR_MODE if is_dir else _FILE_MODE
    return os.stat_result((mode, 0, 0, 1, 0, 0, size, seconds, seconds, seconds))


#: URL schemes whose filesystem comes with an extra other than ``memory``.
_SCHEME_EXTRAS = {"s3": "s3", "s3a": "s3", "gs": "gcs", "gcs": "gcs", "az": "azure", "abfs": "azure"}


def _filesystem_for(url: str, storage_options: dict[str, Any]) -> tuple[Any, str]:
    """fsspec's filesystem and root for *url*; a missing package is a one-line error naming the extra."""
    from .s3 import require

    extra = _SCHEME_EXTRAS.get(url.partition(":")[0].lower(), "memory")
    if extra == "gcs":
        from .gcs import import_gcsfs

        import_gcsfs(f"store {url!r}")  # with the setting emulators need, before fsspec imports it
    core = require("fsspec.core", f"store {url!r}", extra)
    fs, root = core.url_to_fs(url, **storage_options)
    return fs, str(root)


class MemoryArtifactStore(FsspecArtifactStore):
    """The ``memory`` flavor: fsspec's in-process memory filesystem (``memory://...``).

    It keeps empty directories and refuses what the local store refuses; it has
    no limit on name length and no ``+`` (read and write) modes.
    """

    flavor = "memory"
    capabilities = Capabilities(max_name_bytes=None, update_modes=False)


class S3ArtifactStore(FsspecArtifactStore):
    """The ``s3`` flavor: an S3 bucket through s3fs (``s3://bucket/prefix``).

    A directory exists only while a key lies below it (an object store keeps
    no empty directory); no limit on name length, no ``+`` modes. Renames check every refusal
    first, then copy and delete.
    """

    flavor = "s3"
    capabilities = Capabilities(empty_directories=False, max_name_bytes=None, update_modes=False)
    _reads_in_one_request = True

    def _names_from(self, key: str) -> Listing | None:
        # One listing answers what s3fs's info asks in two requests (a HEAD, then a listing).
        bucket, name, version = self.fs.split_path(key)
        if not name or version is not None:
            return None
        page = self.fs.call_s3(
            "list_objects_v2", self.fs.kwargs, Bucket=bucket, Prefix=name, Delimiter="/", MaxKeys=_LOOKUP_KEYS
        )
        files = {
            f"{bucket}/{item['Key']}": {
                "name": f"{bucket}/{item['Key']}",
                "type": "file",
                "size": item["Size"],
                "LastModified": item.get("LastModified"),
                "ETag": item.get("ETag", ""),
            }
            for item in page.get("Contents", [])
        }
        directories = {f"{bucket}/{entry['Prefix']}".rstrip("/") for entry in page.get("CommonPrefixes", [])}
        return files, directories, not page.get("IsTruncated")

    def _open_to_read(self, below: str, info: dict[str, Any]) -> IO[bytes]:
        if not info["size"]:
            return _read_whole(b"", self.full(below))  # nothing to ask for
        # s3fs's cat_file and its files each look the key up again before they read it.
        opened = self.fs.open(self._key(below), "rb", size=info["size"])
        opened.details = info
        return _reading_as_on_disk(opened, info["size"], self.full(below))

    async def _first_bytes(self, bucket: str, name: str) -> bytes | None:
        try:  # through s3fs's call: its retries, and what every request carries (requester pays, say)
            whole = f"bytes=0-{_READ_WHOLE}"  # one byte past the limit: a larger file shows as one
            got = await self.fs._call_s3("get_object", Bucket=bucket, Key=name, Range=whole)
        except OSError:
            return None  # missing, a directory, or empty (no byte at offset 0): the lookup says which
        body = got["Body"]
        try:
            data: bytes = await body.read()
        finally:
            body.close()
        return data if len(data) <= _READ_WHOLE else None


class GcsArtifactStore(FsspecArtifactStore):
    """The ``gcs`` flavor: a Google Cloud Storage bucket through gcsfs (``gs://bucket/prefix``).

    An object store, as ``s3`` is. Append reads the file and writes it anew
    (gcsfs's own ``'a'`` overwrites, with a warning); a file is renamed by copy
    and delete (gcsfs's ``mv`` first tries an API that emulators answer with 501,
    six times over half a minute).
    """

    flavor = "gcs"
    capabilities = Capabilities(empty_directories=False, max_name_bytes=None, update_modes=False)
    append_by_rewrite = True

    def _move_file(self, source: str, target: str) -> None:
        self.fs.copy(source, target)
        self.fs.rm_file(source)

    def _names_from(self, key: str) -> Listing | None:
        # One listing answers what gcsfs's info asks in two requests (the object, then a listing).
        bucket, name, generation = self.fs.split_path(key)
        list_page = getattr(self.fs, "_call_list_objects", None)
        if not name or generation or list_page is None:
            return None
        page = self._on_loop(list_page, bucket, delimiter="/", prefix=name, maxResults=_LOOKUP_KEYS)
        items = page.get("items", [])
        files = {f"{bucket}/{item['name']}": self.fs._process_object(bucket, item) for item in items}
        directories = {f"{bucket}/{prefix}".rstrip("/") for prefix in page.get("prefixes", [])}
        return files, directories, not page.get("nextPageToken")


class AzureArtifactStore(FsspecArtifactStore):
    """The ``azure`` flavor: an Azure Blob container through adlfs (``az://container/prefix``).

    An object store, as ``s3`` is. Append reads the file and writes it anew:
    adlfs appends only to append blobs, and refuses the block blobs every
    other write makes. A name with a control character or a backslash, of
    only spaces, or a directory name ending in a space, which Azure or adlfs
    would change or lose, does not exist, and creating one is OSError(EINVAL).
    """

    flavor = "azure"
    # adlfs reads paths as URLs, which drops tabs and line breaks ('t\tb' is 'tb'); the service
    # reads a backslash as '/'; a control character or U+FFFE/U+FFFF in one name makes the
    # whole container unlistable (XML cannot carry it); adlfs's listings drop names made only
    # of spaces, and list a directory whose name ends in a space as empty. Never created,
    # rather than written under another name or lost.
    capabilities = Capabilities(
        empty_directories=False,
        max_name_bytes=None,
        update_modes=False,
        refused_names=r"[\x00-\x1f\\\ufffe\uffff]|(?:^|/) +(?:/|$)| /",
    )
    unusable_why = (
        "control characters, backslashes, names of only spaces and directory names ending in"
        " a space are changed or lost"
    )
    append_by_rewrite = True
    _reads_in_one_request = True

    def _names_from(self, key: str) -> Listing | None:
        # One listing answers what adlfs's info asks in two requests (the blob, then a listing).
        container, name, version = self.fs.split_path(key)
        if not name or version is not None:
            return None
        listing: Listing = self._on_loop(self._first_names, container, name)
        return listing

    async def _first_names(self, container: str, name: str) -> Listing:
        from azure.core.exceptions import ResourceNotFoundError

        blobs: list[Any] = []
        directories: set[str] = set()
        client = _container_client(self.fs.service_client, container)
        try:
            pages = client.walk_blobs(  # with metadata: adlfs marks a folder's blob in it
                name_starts_with=name, include=["metadata"], delimiter="/", results_per_page=_LOOKUP_KEYS
            ).by_page()
            async for item in await pages.__anext__():
                if item.name.endswith("/"):
                    directories.add(f"{container}/{item.name}".rstrip("/"))
                else:
                    blobs.append(item)
            complete = not pages.continuation_token
        except (ResourceNotFoundError, StopAsyncIteration):
            return {}, set(), True
        files = {info["name"]: info for info in await self.fs._details(blobs)}
        return files, directories, complete

    async def _first_bytes(self, container: str, name: str) -> bytes | None:
        from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

        async with self.fs.service_client.get_blob_client(container=container, blob=name) as client:
            try:
                download = await client.download_blob(offset=0, length=_READ_WHOLE + 1)
            except ResourceNotFoundError:
                return None  # missing, or a directory: the lookup says which
            except HttpResponseError as error:
                if error.status_code == 416:  # no byte at offset 0: empty, a file or a directory's marker
                    return None
                raise
            if (download.properties.metadata or {}).get("is_directory") == "true":
                return None  # adlfs's marker of a directory
            data: bytes = await download.readall()
        return data if len(data) <= _READ_WHOLE else None

    def _open_to_write(self, key: str) -> IO[bytes]:
        # adlfs's files write a block, then commit the block list: two requests where one will do.
        opened = _WrittenOnClose(lambda data: self.fs.pipe_file(key, data), lambda: self.fs.open(key, "wb"))
        return cast("IO[bytes]", opened)

    def _remove_tree(self, below: str) -> None:
        # One listing of the tree's blobs, then each deleted. adlfs's recursive rm lists the tree
        # too, but deletes 'name' for a folder's marker 'name/': the marker, and the folder, stay.
        container, name, _ = self.fs.split_path(self._key(below))
        self._on_loop(self._delete_tree, container, name)

    async def _delete_tree(self, container: str, name: str) -> None:
        from azure.core.exceptions import ResourceNotFoundError

        client = _container_client(self.fs.service_client, container)
        # 'name' itself is the folder's own marker here (a file would have been looked up as one).
        listed = client.list_blobs(name_starts_with=name)
        names = [blob.name async for blob in listed if (blob.name + "/").startswith(f"{name}/")]
        for start in range(0, len(names), _DELETES_AT_ONCE):
            batch = names[start : start + _DELETES_AT_ONCE]
            done = await asyncio.gather(*map(client.delete_blob, batch), return_exceptions=True)
            for error in done:
                if isinstance(error, BaseException) and not isinstance(error, ResourceNotFoundError):
                    raise error  # (gone already is what was asked)

    def _files_below(self, key: str) -> dict[str, Any]:
        # adlfs's find first asks whether *key* is a file: a request the walk does not need.
        container, name, _ = self.fs.split_path(key)
        prefix = f"{name}/" if name else None
        found: dict[str, Any] = self._on_loop(self._listed_below, container, prefix)
        return found

    async def _listed_below(self, container: str, prefix: str | None) -> dict[str, Any]:
        from azure.core.exceptions import ResourceNotFoundError

        client = _container_client(self.fs.service_client, container)
        try:
            blobs = [blob async for blob in client.list_blobs(include=["metadata"], name_starts_with=prefix)]
        except ResourceNotFoundError:
            return {}
        found = {}
        for blob, info in zip(blobs, await self.fs._details(blobs), strict=True):
            if blob.name.endswith("/"):  # a directory's marker, whose name adlfs's details drop the '/' of
                info = {**info, "name": f"{container}/{blob.name}", "type": "directory"}
            found[info["name"]] = info
        return found


#: Each Azure service client's container clients, by container name.
_CONTAINER_CLIENTS: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def _container_client(service: Any, container: str) -> Any:
    """The client of *container* on the service client *service*, made once: making one builds a
    whole generated client (its models' serializers), which costs more than the request it sends.
    A client made from the service client shares its connections, and closing it closes none."""
    clients = _CONTAINER_CLIENTS.setdefault(service, {})
    client = clients.get(container)
    if client is None:
        client = clients[container] = service.get_container_client(container=container)
    return client


def _landing(offset: int, whence: int, here: int, size: int) -> int:
    """Where a seek by *offset* from *whence* lands, in a file at *here* of *size* bytes; before
    its start is OSError(EINVAL), as on disk."""
    if whence == io.SEEK_CUR:
        offset += here
    elif whence == io.SEEK_END:
        offset += size
    elif whence != io.SEEK_SET:
        raise ValueError(f"invalid whence ({whence}, should be 0, 1 or 2)")
    if offset < 0:
        raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
    return offset


class _ClientFile(io.RawIOBase):
    """A file opened for reading, by a client (*opened*, of *size* bytes) or read whole (a
    BytesIO), to be read through an :class:`io.BufferedReader`, as a file on disk opened with
    ``'rb'`` is: it seeks as one does (a position before the start is OSError(EINVAL), where
    fsspec's files raise ValueError and a BytesIO stops at 0), and refuses all but ``close``
    once closed."""

    def __init__(self, opened: Any, size: int, name: str) -> None:
        super().__init__()
        self._opened, self._size = opened, size
        self.name = name
        self.mode = "rb"

    def _open(self) -> Any:
        if self.closed:
            raise ValueError("I/O operation on closed file")
        return self._opened

    def readable(self) -> bool:
        self._open()
        return True

    def seekable(self) -> bool:
        self._open()
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._open().read(len(buffer))
        memoryview(buffer).cast("B")[: len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        data: bytes = self._open().read()
        return data

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        opened = self._open()
        position: int = opened.seek(_landing(offset, whence, opened.tell(), self._size))
        return position

    def tell(self) -> int:
        position: int = self._open().tell()
        return position

    def close(self) -> None:
        if not self.closed:
            self._opened.close()
        super().close()


def _reading_as_on_disk(opened: Any, size: int, name: str) -> IO[bytes]:
    """*opened*, a client's file for reading (or a BytesIO), as a file on disk opened with ``'rb'``."""
    return io.BufferedReader(_ClientFile(opened, size, name))


def _read_whole(data: bytes, name: str) -> IO[bytes]:
    """The file *name*, whose content *data* was read whole, opened as a file on disk is."""
    return _reading_as_on_disk(io.BytesIO(data), len(data), name)


class _WrittenOnClose(io.BufferedIOBase):
    """A file opened for writing whose content is sent in one request (*put*) on close, while it
    is at most ``_READ_WHOLE`` bytes; past that, it goes on in the client's own file (*spill*)."""

    def __init__(self, put: Callable[[bytes], object], spill: Callable[[], IO[bytes]]) -> None:
        super().__init__()
        self._put, self._spill = put, spill
        self._buffer = io.BytesIO()  # until it spills
        self._file: IO[bytes] | None = None

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if self.closed:
            raise ValueError("write to closed file")
        if self._file is not None:
            self._file.write(data)
            return len(memoryview(data).cast("B"))
        written = self._buffer.write(data)
        if self._buffer.tell() > _READ_WHOLE:
            self._file = self._spill()
            self._file.write(self._buffer.getvalue())
            self._buffer = io.BytesIO()
        return written

    def close(self) -> None:
        if self.closed:
            return
        try:
            if self._file is not None:
                self._file.close()
            else:
                self._put(self._buffer.getvalue())
        finally:
            super().close()
