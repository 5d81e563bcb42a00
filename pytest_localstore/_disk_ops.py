"""The local store's operations on a real disk, every name reached beneath the open root.

A path is first checked lexically (``Confinement.below``); then the call runs
on a descriptor that :class:`~pytest_localstore._beneath.Beneath` opened below
the root, or with ``dir_fd`` on the directory holding the name. No path string
that was checked earlier is ever walked again, so a directory swapped for a link
by another process cannot send a call outside. Errors name the full path, as
``os`` would.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import shutil
import stat
import sys
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any, TypeGuard

from ._beneath import O_PATH, Beneath, BoundOpenat2, is_link
from ._confine import Confinement
from ._glob import confined_glob
from .errors import PathOutsideStoreError, exists_error, root_error

if TYPE_CHECKING:
    from .artifact_store import PathType, WalkEntry

_PATH = O_PATH | os.O_CLOEXEC
_READ_DIR = os.O_RDONLY | os.O_DIRECTORY
_READ = os.O_RDONLY | os.O_NONBLOCK  # a FIFO must not block the copy
_WRITE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NONBLOCK
_ABSENT = (errno.ENOENT, errno.ENOTDIR, errno.ELOOP, errno.ENAMETOOLONG)
_LIST = _READ_DIR | os.O_CLOEXEC
_CREATE_MODE = 0o666  # as open() creates files; the umask takes its part
_COPY_CHUNK = 1 << 23
_SHORT = 63  # no name of fewer characters can exceed NAME_MAX (255 bytes)
_FS_ENCODING = sys.getfilesystemencoding()


def _mode_flags() -> dict[str, int]:
    """``os.open`` flags of the usual ``open()`` modes, as ``FileIO`` computes them (with ``O_CLOEXEC``)."""
    flags: dict[str, int] = {}
    bases = {
        "r": os.O_RDONLY,
        "w": os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
        "a": os.O_WRONLY | os.O_CREAT | os.O_APPEND,
        "x": os.O_WRONLY | os.O_CREAT | os.O_EXCL,
    }
    for base, value in bases.items():
        value |= os.O_CLOEXEC
        update = (value & ~os.O_WRONLY) | os.O_RDWR
        for kind in ("", "b", "t"):
            flags[base + kind] = flags[kind + base] = value
            for spelling in (base + kind + "+", base + "+" + kind, kind + base + "+"):
                flags[spelling] = update
    return flags


_MODE_FLAGS = _mode_flags()


class DiskOperations:
    """The fourteen operations, each reaching its target through the open root."""

    def __init__(self, confinement: Confinement, *, use_openat2: bool | None = None) -> None:
        self.root = confinement.root
        self.full = confinement.full
        self._below = confinement.below
        self._tree = Beneath(self.root, use_openat2=use_openat2)
        self._fd = self._tree.fd
        # The hot paths call openat2 with the root and the arguments prepared here.
        openat2 = self._tree.openat2
        self._at: BoundOpenat2 | None = None
        if openat2 is not None:
            self._at = openat2.bound(self._fd)
            self._openat2 = openat2
            self._size = openat2.size
            self._how_path = openat2.how(_PATH)
            self._how_dir = openat2.how(_PATH | os.O_DIRECTORY)
            self._hows: dict[int, Any] = {}  # by flags, for open and listdir

    @property
    def uses_openat2(self) -> bool:
        return self._tree.uses_openat2

    def _target(self, path: PathType) -> str:
        """*path* below the root; ``"name/"`` keeps its separator and must be a directory."""
        below, trailing = self._below(path)
        if not trailing:
            return below
        st = self.stat_below(below, path)
        if st is not None and not stat.S_ISDIR(st.st_mode):
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), self.full(below) + "/")
        return below + "/"

    def open(self, path: PathType, mode: str) -> IO[Any]:
        flags = _MODE_FLAGS.get(mode)
        if flags is not None and _as_is(path):
            fd = self._open_as_is(path, flags)
            if fd >= 0:
                return self._file(fd, mode, path)
        below, trailing = self._below(path)
        if flags is None or trailing:
            return self._open_file(self._target(path), mode, path)
        return self._file(self._open(below, flags, path, _CREATE_MODE), mode, below)

    def _open_as_is(self, path: str, flags: int) -> int:
        """A descriptor of an :func:`_as_is` *path*, or -1: then the checked way says why.

        A name right below the root is one ``openat`` that refuses a link (the
        checked way follows it if it stays inside); deeper, one ``openat2``.
        *flags* include ``O_CLOEXEC``.
        """
        if "/" not in path:
            try:
                return os.open(path, flags | os.O_NOFOLLOW, _CREATE_MODE, dir_fd=self._fd)
            except OSError:
                return -1
        if self._at is None:
            return -1
        how = self._hows.get(flags)
        if how is None:
            how = self._hows[flags] = self._openat2.how(flags, _CREATE_MODE if flags & os.O_CREAT else 0)
        return self._at(path.encode(_FS_ENCODING, "surrogateescape"), how, self._size)

    def _file(self, fd: int, mode: str, below: str) -> IO[Any]:
        """The file object of *fd*, named as ``open(full)`` would name it; *fd* is closed if that fails.

        A binary file is built as ``open()`` builds it, less its ``isatty`` call
        (a system call that only matters in text mode) and with the default
        buffer size rather than the file system's block size.
        """
        full = self.full(below)
        try:
            if "b" in mode:
                raw = io.FileIO(fd, mode)
            else:
                text = builtins.open(fd, mode, encoding="utf-8")  # noqa: SIM115 (handed to the caller)
                text.buffer.raw.name = full  # type: ignore[attr-defined]
                return text
        except BaseException as error:
            os.close(fd)
            raise _named(error, full) if isinstance(error, OSError) else error from None
        raw.name = full
        if "+" in mode:
            return io.BufferedRandom(raw)
        return io.BufferedReader(raw) if "r" in mode else io.BufferedWriter(raw)

    def _open_file(self, below: str, mode: str, path: PathType) -> IO[Any]:
        """``open`` of a checked *below* in a mode :data:`_MODE_FLAGS` lacks, or of ``"name/"``."""
        full = self.full(below)
        encoding = None if "b" in mode else "utf-8"
        tree = self._tree

        def opener(_: str, flags: int) -> int:
            return tree.open(below, flags, _CREATE_MODE, path)

        try:
            return builtins.open(full, mode, encoding=encoding, opener=opener)
        except PathOutsideStoreError:
            raise
        except OSError as error:
            raise _named(error, full) from None

    def copyfile(self, src: PathType, dst: PathType, overwrite: bool) -> None:
        source, target = self._target(src), self._target(dst)
        tree = self._tree
        try:
            src_fd = tree.open(source, _READ, 0, src)
        except PathOutsideStoreError:
            raise
        except OSError as error:
            raise _named(error, self.full(source)) from None
        try:
            st = os.fstat(src_fd)
            if stat.S_ISDIR(st.st_mode):
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), self.full(source))
            if not stat.S_ISREG(st.st_mode):
                raise shutil.SpecialFileError(f"`{self.full(source)}` is not a regular file")
            existing = self.stat_below(target, dst)
            if existing is not None:
                if not overwrite:
                    raise exists_error(self.full(target))
                if os.path.samestat(st, existing):
                    raise shutil.SameFileError(
                        f"{self.full(source)!r} and {self.full(target)!r} are the same file"
                    )
            try:
                dst_fd = tree.open(target, _WRITE, _CREATE_MODE, dst)
            except PathOutsideStoreError:
                raise
            except OSError as error:
                raise _named(error, self.full(target)) from None
            try:
                _copy_data(src_fd, dst_fd)
            finally:
                os.close(dst_fd)
        finally:
            os.close(src_fd)

    def exists(self, path: PathType) -> bool:
        return self._probe(path, False)

    def isdir(self, path: PathType) -> bool:
        return self._probe(path, True)

    def _probe(self, path: PathType, directory: bool) -> bool:
        """Whether *path* exists beneath the root (as a *directory*); an ``O_PATH`` open needs no fstat."""
        if _plain_name(path):  # the commonest call: one fstatat
            try:
                st = os.stat(path, dir_fd=self._fd, follow_symlinks=False)
            except FileNotFoundError:
                return False
            if not stat.S_ISLNK(st.st_mode):
                return not directory or stat.S_ISDIR(st.st_mode)
            below = path
        elif _as_is(path):
            if self._at is not None:  # deeper: openat2 and close
                how = self._how_dir if directory else self._how_path
                fd = self._at(path.encode(_FS_ENCODING, "surrogateescape"), how, self._size)
                if fd >= 0:
                    os.close(fd)
                    return True
                if self._openat2.last_errno() in _ABSENT:
                    return False
            below = path
        else:
            try:
                below, trailing = self._below(path)
            except OSError as error:
                if error.errno in _ABSENT:
                    return False  # a name too long to exist
                raise
            if not below:
                return True  # the root: a directory
            if trailing:
                below += "/"
        found = self.stat_below(below, path)
        return found is not None and (not directory or stat.S_ISDIR(found.st_mode))

    def glob(self, pattern: PathType) -> list[str]:
        try:
            return confined_glob(self, self._below(pattern)[0])
        except PathOutsideStoreError:
            raise PathOutsideStoreError(pattern, self.root) from None

    def listdir(self, path: PathType) -> list[str]:
        fd = self._open_as_is(path, _LIST) if _as_is(path) else -1
        if fd < 0:
            fd = self._open(self._target(path), _READ_DIR, path)
        try:
            return os.listdir(fd)
        finally:
            os.close(fd)

    def makedirs(self, path: PathType) -> None:
        below = self._target(path).rstrip("/")
        st = self.stat_below(below, path)
        if st is not None and stat.S_ISDIR(st.st_mode):
            return
        tree = self._tree
        names = below.split("/") if below else []
        done = ""
        for index, name in enumerate(names):
            made = f"{done}/{name}" if done else name
            try:
                dir_fd = self._open(done, O_PATH | os.O_DIRECTORY, path)
            except OSError as error:  # a file or a loop on the way: os names the directory it could not make
                raise _named(error, self.full(made)) from None
            try:
                os.mkdir(name, dir_fd=dir_fd)
            except FileExistsError:
                pass
            except OSError as error:
                raise _named(error, self.full(made)) from None
            finally:
                tree.release(dir_fd)
            done = made
            if index == len(names) - 1:
                st = self.stat_below(done, path)
                if st is None or not stat.S_ISDIR(st.st_mode):
                    raise exists_error(self.full(below))

    def mkdir(self, path: PathType) -> None:
        self._on_name(os.mkdir, path)

    def remove(self, path: PathType) -> None:
        self._on_name(os.unlink, path)

    def rename(self, src: PathType, dst: PathType, overwrite: bool) -> None:
        source, target = self._target(src), self._target(dst)
        if not source.rstrip("/"):
            raise root_error(self.root, "renamed")
        if overwrite and not target.rstrip("/"):
            raise root_error(self.root, "replaced")
        tree = self._tree
        shown = self.full(target)  # os.rename names both paths, the source first
        src_fd, src_name = self._parent(source, src, None, shown)
        try:
            dst_fd, dst_name = self._parent(target, dst, source, shown)
            try:
                if not overwrite and _lexists(dst_name, dst_fd):
                    raise exists_error(self.full(target.rstrip("/")))
                move = os.replace if overwrite else os.rename
                try:
                    move(src_name, dst_name, src_dir_fd=src_fd, dst_dir_fd=dst_fd)
                except OSError as error:
                    raise _named(error, self.full(source), shown) from None
            finally:
                tree.release(dst_fd)
        finally:
            tree.release(src_fd)

    def rmtree(self, path: PathType) -> None:
        below = self._target(path).rstrip("/")
        if not below:
            raise root_error(self.root, "removed")
        tree = self._tree
        dir_fd, name = self._parent(below, path)
        try:
            try:
                fd = os.open(name, _READ_DIR | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
            except OSError as error:
                if error.errno == errno.ELOOP or is_link(name, dir_fd):
                    try:
                        tree.stat(below, path)  # a link out is refused as outside
                    except PathOutsideStoreError:
                        raise
                    except OSError as dangling:  # a loop, or a link to nothing
                        raise _named(dangling, self.full(below)) from None
                    raise OSError(f"cannot call rmtree on a symbolic link: {self.full(below)!r}") from None
                raise _named(error, self.full(below)) from None
            try:
                _remove_contents(fd)
            finally:
                os.close(fd)
            os.rmdir(name, dir_fd=dir_fd)
        finally:
            tree.release(dir_fd)

    def stat(self, path: PathType) -> os.stat_result:
        if _plain_name(path):  # the commonest call: one fstatat
            try:
                st = os.stat(path, dir_fd=self._fd, follow_symlinks=False)
            except OSError as error:
                raise _named(error, self.full(path)) from None
            if not stat.S_ISLNK(st.st_mode):
                return st
        elif self._at is not None and _as_is(path):  # deeper: openat2, fstat, close
            fd = self._at(path.encode(_FS_ENCODING, "surrogateescape"), self._how_path, self._size)
            if fd >= 0:
                try:
                    return os.stat(fd)
                finally:
                    os.close(fd)
        below, trailing = self._below(path)
        if trailing:
            below += "/"
        try:
            return self._tree.stat(below, path)
        except PathOutsideStoreError:
            raise
        except OSError as error:
            raise _named(error, self.full(below)) from None

    def walk(
        self, top: PathType, topdown: bool, onerror: Callable[[OSError], Any] | None
    ) -> Iterator[WalkEntry]:
        try:
            below, trailing = self._below(top)
        except PathOutsideStoreError:
            raise
        except OSError as error:  # a name too long: nothing to walk, as os.walk says
            if onerror is not None:
                onerror(error)
            return iter(())
        return self._walk(below, top, topdown, onerror, trailing)

    def _walk(
        self,
        below: str,
        top: PathType,
        topdown: bool,
        onerror: Callable[[OSError], Any] | None,
        trailing: bool,
    ) -> Iterator[WalkEntry]:
        shown = self.full(below)
        try:
            fd = self._tree.open(below, _READ_DIR, 0, top)
        except PathOutsideStoreError:
            raise
        except OSError as error:
            if onerror is not None:  # naming the top as given, 'file/' with its separator, as os.walk
                onerror(_named(error, shown + "/" if trailing and below else shown))
            return
        try:
            # fwalk opens each directory relative to its parent and never enters a link.
            for dirpath, dirnames, filenames, _ in os.fwalk(".", topdown=topdown, onerror=onerror, dir_fd=fd):
                yield shown + dirpath[1:], dirnames, filenames
        finally:
            os.close(fd)

    # -- what the glob needs (GlobTree) -------------------------------------------

    def stat_below(self, below: str, given: PathType | None = None) -> os.stat_result | None:
        """``stat`` of *below* (links followed inside), None if it does not exist."""
        try:
            return self._tree.stat(below, below if given is None else given)
        except PathOutsideStoreError:
            raise
        except OSError as error:
            if error.errno in _ABSENT:
                return None
            raise

    def lexists_below(self, below: str) -> bool:
        try:
            self._tree.lstat(below, below)
        except PathOutsideStoreError:
            raise
        except OSError:
            return False
        return True

    def names_below(self, below: str) -> list[str]:
        fd = self._tree.open(below, _READ_DIR, 0, below)
        try:
            return os.listdir(fd)
        finally:
            os.close(fd)

    # -- helpers -------------------------------------------------------------------

    def _open(self, below: str, flags: int, given: PathType, mode: int = 0) -> int:
        try:
            return self._tree.open(below, flags, mode, given)
        except PathOutsideStoreError:
            raise
        except OSError as error:
            raise _named(error, self.full(below)) from None

    def _parent(
        self, below: str, given: PathType, shown: str | None = None, second: str | None = None
    ) -> tuple[int, str]:
        """``Beneath.parent``, its errors naming the full path of *shown* (else *below*), and *second*
        as the other file name (a rename's target), as ``os`` would."""
        try:
            return self._tree.parent(below, given)
        except PathOutsideStoreError:
            raise
        except OSError as error:
            raise _named(error, self.full(below if shown is None else shown), second) from None

    def _on_name(self, call: Callable[..., None], path: PathType) -> None:
        """``call(name, dir_fd=...)`` on the last name, links above it followed inside."""
        below = self._target(path)
        tree = self._tree
        dir_fd, name = self._parent(below, path)
        try:
            call(name, dir_fd=dir_fd)
        except OSError as error:
            raise _named(error, self.full(below)) from None
        finally:
            tree.release(dir_fd)


def _as_is(path: PathType) -> TypeGuard[str]:
    """Whether *path* is a ``str`` that needs no lexical work before the kernel resolves it.

    Relative, no ``.`` or ``..`` component, no trailing separator, no NUL: the
    kernel, resolving it beneath the root, reads it exactly as the lexical rules
    would, and refuses what leaves the root. Any failure takes the checked path,
    which gives the error as the store names it.
    """
    return (
        type(path) is str
        and path != ""
        and path[0] != "."
        and path[0] != "/"
        and path[-1] != "/"
        and "/." not in path
        and "//" not in path
        and "\x00" not in path
    )


def _plain_name(path: PathType) -> TypeGuard[str]:
    """Whether *path* is a ``str`` naming an entry right below the root, with nothing to normalise."""
    return (
        type(path) is str
        and "/" not in path
        and path != ""
        and path[0] != "."
        and len(path) < _SHORT
        and "\x00" not in path
    )


def _named(error: OSError, full: str, second: str | None = None) -> OSError:
    """*error* naming *full* (and *second*, for a rename's target), the paths as the caller sees them,
    instead of names relative to a descriptor."""
    if isinstance(error, PathOutsideStoreError) or error.errno is None:
        return error
    if second is None:
        return type(error)(error.errno, error.strerror, full)
    return type(error)(error.errno, error.strerror, full, None, second)


def _lexists(name: str, dir_fd: int) -> bool:
    try:
        os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


def _remove_contents(fd: int) -> None:
    """Remove everything in the open directory *fd*, descending by descriptor, never through a link."""
    with os.scandir(fd) as entries:
        children = [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in entries]
    for name, is_dir in children:
        if is_dir:
            child = os.open(name, _READ_DIR | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
            try:
                _remove_contents(child)
            finally:
                os.close(child)
            os.rmdir(name, dir_fd=fd)
        else:
            os.unlink(name, dir_fd=fd)


def _copy_data(src_fd: int, dst_fd: int) -> None:
    """Copy every byte from *src_fd* to *dst_fd* in the kernel where it can."""
    offset = 0
    try:
        while True:
            sent = os.sendfile(dst_fd, src_fd, offset, _COPY_CHUNK)
            if sent == 0:
                return
            offset += sent
    except OSError as error:
        if offset or error.errno not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            raise
    while chunk := os.read(src_fd, _COPY_CHUNK):
        os.write(dst_fd, chunk)
