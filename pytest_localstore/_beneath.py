"""Reaching names below an open directory without ever leaving it, even under races.

A :class:`Beneath` holds an ``O_PATH`` descriptor of the store root for its
whole life and finds every name relative to it, never by re-walking a path
string that was checked earlier: another process that swaps a directory for a
link between a check and a use cannot redirect the use.

Two ways to resolve, with the same answers:

- ``openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)`` (Linux 5.6+, called
  through ``ctypes``): the kernel resolves the whole path in one call and
  answers ``EXDEV`` for anything that would leave the root.
- a walk, one component at a time, each directory opened with ``O_NOFOLLOW``
  relative to the one before and each link read and followed by hand. It is
  used where ``openat2`` is missing, when :data:`NO_OPENAT2_ENV` is set, and
  for the paths ``openat2`` refuses that still stay inside (an absolute link
  to a place below the root).

The root descriptor is ``O_PATH``: it has no file offset or lock to share, so a
forked child uses it as it is. Re-opening by path after ``fork`` would be the
unsafe choice (the root may have been moved).
"""

from __future__ import annotations

import errno
import functools
import os
import stat
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import PathOutsideStoreError

if TYPE_CHECKING:
    from .artifact_store import PathType

#: Set to a non-empty value to resolve by the component walk even where ``openat2`` exists.
NO_OPENAT2_ENV = "LOCALSTORE_NO_OPENAT2"

O_PATH: int = getattr(os, "O_PATH", 0)
_CLOEXEC = os.O_CLOEXEC
_PATH = O_PATH | _CLOEXEC
_DIR_PATH = _PATH | os.O_DIRECTORY
_NOFOLLOW_DIR = _DIR_PATH | os.O_NOFOLLOW
_RESOLVE_NO_MAGICLINKS = 0x02
_RESOLVE_BENEATH = 0x08
_SYS_OPENAT2 = 437  # the same number on every Linux architecture
_MAX_LINKS = 40  # as the kernel's MAXSYMLINKS
_RETRIES = 8  # a name swapped for a link between lstat and open is looked at again
_FALLBACK = (errno.EXDEV, errno.EAGAIN)
_LINK_ERRORS = (errno.ELOOP, errno.ENOTDIR)

#: The raw call bound to a directory: (path, how, size) -> descriptor, or -1 (see ``last_errno``).
BoundOpenat2 = Callable[[bytes, Any, Any], int]


class Openat2:
    """``openat2`` through ``ctypes``: a general call, and the parts the hot paths call directly.

    No ``argtypes`` are set: ctypes then converts plain ints and bytes itself,
    a third faster. The fixed arguments are ctypes objects, so each has its exact C type.
    """

    __slots__ = ("_how_type", "_hows", "_number", "_syscall", "last_errno", "size")

    def __init__(self, syscall: Any, last_errno: Callable[[], int], how_type: Any) -> None:
        import ctypes

        self._syscall = syscall
        self._number = ctypes.c_long(_SYS_OPENAT2)
        self._how_type = how_type
        self._hows: dict[int, Any] = {}
        #: The last argument of every call: the size of ``open_how``.
        self.size = ctypes.c_size_t(ctypes.sizeof(how_type))
        #: The errno of this thread's last failed call.
        self.last_errno = last_errno

    def how(self, flags: int, mode: int = 0) -> Any:
        """The ``open_how`` argument for *flags* and *mode*, made once: the kernel only reads it."""
        key = flags << 12 | mode  # mode has 12 bits
        how = self._hows.get(key)
        if how is None:
            import ctypes

            resolve = _RESOLVE_BENEATH | _RESOLVE_NO_MAGICLINKS
            how = self._hows[key] = ctypes.byref(self._how_type(flags, mode, resolve))
        return how

    def __call__(self, dir_fd: int, path: bytes, flags: int, mode: int) -> int:
        """A descriptor of *path* beneath *dir_fd*, or ``-errno``."""
        fd: int = self._syscall(self._number, dir_fd, path, self.how(flags, mode), self.size)
        return fd if fd >= 0 else -self.last_errno()

    def bound(self, dir_fd: int) -> BoundOpenat2:
        """The raw call with *dir_fd* fixed, for paths where one Python call more is measurable."""
        return functools.partial(self._syscall, self._number, dir_fd)


def _load_openat2() -> Openat2 | None:
    """The loaded ``openat2``, or None where the kernel lacks it."""
    if os.environ.get(NO_OPENAT2_ENV) or not O_PATH:
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        syscall = libc.syscall
    except (OSError, AttributeError):
        return None
    syscall.restype = ctypes.c_long

    class OpenHow(ctypes.Structure):
        _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]

    openat2 = Openat2(syscall, ctypes.get_errno, OpenHow)
    probe = os.open(".", _DIR_PATH)
    try:
        fd = openat2(probe, b".", _DIR_PATH, 0)
    finally:
        os.close(probe)
    if fd < 0:  # ENOSYS on old kernels, EPERM under some seccomp profiles
        return None
    os.close(fd)
    return openat2


_UNLOADED: Any = object()
_openat2: Openat2 | None = _UNLOADED


def openat2_function() -> Openat2 | None:
    """The loaded ``openat2`` (None if unavailable or turned off), found on first use."""
    global _openat2
    if _openat2 is _UNLOADED:
        _openat2 = _load_openat2()
    return _openat2


class Beneath:
    """An open store root, and descriptors of the names below it.

    Paths given here are already lexically normalised and relative to the
    root (no ``..``, no leading separator; ``""`` is the root). Links met on the
    way are followed only while they stay below the root; *given* is the path
    as the caller wrote it, for the error message.
    """

    __slots__ = ("__weakref__", "close", "fd", "openat2", "real")

    def __init__(self, root: str, *, use_openat2: bool | None = None) -> None:
        """Open *root* (absolute and resolved). ``use_openat2=False`` forces the walk."""
        self.fd = os.open(root, _NOFOLLOW_DIR)
        # Closed when this object goes, by the real os.close even if pyfakefs is active then.
        self.close = weakref.finalize(self, os.close, self.fd)
        self.real = root
        #: ``openat2`` (dir_fd, path, flags, mode) -> descriptor or -errno; None: resolve by the walk.
        self.openat2 = openat2_function() if use_openat2 is not False else None

    @property
    def uses_openat2(self) -> bool:
        """Whether lookups go through ``openat2`` (else through the component walk)."""
        return self.openat2 is not None

    def release(self, fd: int) -> None:
        """Close a descriptor this object handed out (the root's own stays open)."""
        if fd != self.fd:
            os.close(fd)

    def open(self, below: str, flags: int, mode: int, given: PathType) -> int:
        """A new descriptor of *below*, opened with *flags*, every link followed beneath the root."""
        flags |= _CLOEXEC
        mode = mode if flags & os.O_CREAT else 0
        if not below:  # the root itself, never a link
            return os.open(".", flags, mode, dir_fd=self.fd)
        if not flags & O_PATH and "/" not in below:
            try:  # a name right below the root, not a link: one system call
                return os.open(below, flags | os.O_NOFOLLOW, mode, dir_fd=self.fd)
            except OSError as error:  # a link is ELOOP, or ENOTDIR with O_DIRECTORY
                if error.errno not in _LINK_ERRORS or not is_link(below, self.fd):
                    raise
        openat2 = self.openat2
        if openat2 is not None:
            fd = openat2(self.fd, os.fsencode(below or "."), flags, mode)
            if fd >= 0:
                return fd
            if -fd not in _FALLBACK:
                raise OSError(-fd, os.strerror(-fd), below)
        for _ in range(_RETRIES):
            dir_fd, name = self.walk(below, True, given)
            try:
                return os.open(name, flags | os.O_NOFOLLOW, mode, dir_fd=dir_fd)
            except OSError as error:
                if error.errno not in _LINK_ERRORS or not is_link(name, dir_fd):
                    raise
            finally:
                self.release(dir_fd)
        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), below)

    def parent(self, below: str, given: PathType) -> tuple[int, str]:
        """(descriptor of the directory holding the last name, that name); release the descriptor."""
        if self.openat2 is None:
            return self.walk(below, False, given)
        trailing = "/" if below.endswith("/") else ""
        head, _, name = below.rstrip("/").rpartition("/")
        if not name:
            return self.fd, "."
        if not head:
            return self.fd, name + trailing
        return self.open(head, _DIR_PATH, 0, given), name + trailing

    def lstat(self, below: str, given: PathType) -> os.stat_result:
        """``lstat`` of *below*: links above the last name followed, the last one not."""
        dir_fd, name = self.parent(below, given)
        try:
            return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        finally:
            self.release(dir_fd)

    def stat(self, below: str, given: PathType) -> os.stat_result:
        """``stat`` of *below*, every link followed beneath the root."""
        if "/" not in below and below:
            st = os.stat(below, dir_fd=self.fd, follow_symlinks=False)
            if not stat.S_ISLNK(st.st_mode):
                return st  # a name right below the root: one system call
        elif self.openat2 is not None:
            fd = self.openat2(self.fd, os.fsencode(below), _PATH, 0)
            if fd >= 0:
                try:
                    return os.stat(fd)
                finally:
                    os.close(fd)
        fd = self.open(below, O_PATH, 0, given)
        try:
            return os.stat(fd)
        finally:
            os.close(fd)

    def walk(self, below: str, follow_last: bool, given: PathType) -> tuple[int, str]:
        """Resolve *below* one component at a time: (directory descriptor, last name).

        With *follow_last*, a last name that is a link is resolved too, so the
        name handed back is not a link (or does not exist). A name that
        resolves to a directory already open comes back as ``"."``.
        """
        trailing = "/" if below.endswith("/") else ""  # "name/": the kernel checks it is a directory
        todo = [name for name in below.split("/") if name][::-1]
        fds = [self.fd]
        links = 0
        try:
            while todo:
                name = todo.pop()
                if name == ".":
                    continue
                if name == "..":
                    if len(fds) == 1:
                        raise PathOutsideStoreError(given, self.real)
                    os.close(fds.pop())
                    continue
                last = not todo
                if last and not follow_last:
                    return fds.pop(), name + trailing
                try:
                    st = os.stat(name, dir_fd=fds[-1], follow_symlinks=False)
                except FileNotFoundError:
                    if last:
                        return fds.pop(), name + trailing
                    raise
                if stat.S_ISLNK(st.st_mode):
                    links += 1
                    if links > _MAX_LINKS:
                        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), below)
                    target = os.readlink(name, dir_fd=fds[-1])
                    if target.startswith("/"):
                        target = self._below_root(target, given)
                        while len(fds) > 1:
                            os.close(fds.pop())
                    todo.extend(name for name in reversed(target.split("/")) if name)
                    continue
                if last:
                    return fds.pop(), name + trailing
                if not stat.S_ISDIR(st.st_mode):
                    raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), below)
                try:
                    fds.append(os.open(name, _NOFOLLOW_DIR, dir_fd=fds[-1]))
                except NotADirectoryError:  # swapped for a link or a file since the lstat
                    todo.append(name)
            return fds.pop(), "."
        finally:
            for fd in fds[1:]:
                os.close(fd)

    def _below_root(self, target: str, given: PathType) -> str:
        """An absolute link target as a path below the root, if it points inside."""
        if target.rstrip("/") == self.real:
            return "."
        if target.startswith(self.real.rstrip("/") + "/"):
            return target[len(self.real) :].lstrip("/")
        raise PathOutsideStoreError(given, self.real)


def is_link(name: str, dir_fd: int) -> bool:
    """Whether *name* in the directory *dir_fd* is a symbolic link (False if it cannot be read)."""
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False
