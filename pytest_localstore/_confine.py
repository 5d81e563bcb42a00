"""Keeping every path a store is given inside its root, by looking at the path.

A path is turned into one absolute, normalised ``str`` below the root, and
refused with :class:`PathOutsideStoreError` if it would leave the root: through
``..``, as an absolute path elsewhere (including siblings that merely share the
root's name as a prefix), or through a symbolic link inside the root that
points out.

:meth:`Confinement.below` is the lexical half alone; the store on a real disk
resolves the rest beneath an open descriptor of the root (see ``_beneath``),
which holds under concurrent changes. The other methods also check links, with
one ``lstat`` per component below the root (only a path that really holds a
link pays for a ``realpath``), and hand back a path string for the OS. That is
what the store does under pyfakefs, where there are no real descriptors and no
concurrent writer: between the check and the use, another process could swap a
directory for a link. Operations that act on a name and never follow it
(``rename``, ``remove``, ``mkdir``) check only the directories above it.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import Union

from .errors import PathOutsideStoreError

StrPath = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]

_SEP = os.sep
_ALTSEP = os.altsep
_POSIX = os.name == "posix"
_lstat = os.lstat
_S_ISLNK = stat.S_ISLNK
_MISSING = (FileNotFoundError, NotADirectoryError)
_DOTS = (".", "..")
#: Errors that mean a path names nothing (for ``exists``): a name too long, a loop of links.
_NOTHING_THERE = (errno.ENAMETOOLONG, errno.ELOOP)
#: Longest name in bytes (Linux NAME_MAX); no name of at most _SHORT characters can exceed it.
_NAME_MAX = 255
_SHORT = _NAME_MAX // 4


class Confinement:
    """The store root and the rule that every path stays below it."""

    __slots__ = ("_plen", "_prefix", "root")

    def __init__(self, root: str) -> None:
        """*root* must already be absolute and fully resolved (``realpath``)."""
        self.root = root
        self._prefix = root if root.endswith(_SEP) else root + _SEP
        self._plen = len(self._prefix)

    def full(self, below: str) -> str:
        """The absolute path of a path below the root."""
        return self._prefix + below if below else self.root

    def below(self, path: StrPath) -> tuple[str, bool]:
        """(the part of *path* below the root, whether it ended in a separator).

        Checked lexically only (``..``, absolute paths, NUL, name length); no
        link is looked at. For callers that resolve the rest beneath an open
        descriptor of the root.
        """
        if (
            _POSIX
            and type(path) is str
            and path
            and path[0] != "." != path[-1]
            and path[0] != _SEP != path[-1]
            and _SEP + "." not in path
            and _SEP + _SEP not in path
            and "\x00" not in path
        ):
            # Relative, no "." or ".." component, no "//", no trailing separator: already normal.
            if len(path) > _SHORT:
                _refuse_long_names(path, self._prefix + path)
            return path, False
        if path == ".":
            return "", False
        full, below, trailing = self._normalise(path)
        if len(below) > _SHORT:
            _refuse_long_names(below, full)
        return below, trailing

    def confined(self, path: StrPath) -> str:
        """The absolute path to hand to the OS, every component confined.

        A trailing separator is kept, so ``"file/"`` fails the way the OS says.
        """
        return self._check(path, follow=True, stat_last=True)[0]

    def confined_name(self, path: StrPath) -> str:
        """Like :meth:`confined`, for operations that never follow the last name."""
        return self._check(path, follow=False, stat_last=False)[0]

    def confined_lstat(self, path: StrPath, *, follow_last: bool = True) -> tuple[str, os.stat_result | None]:
        """:meth:`confined` plus the ``lstat`` of the last component, ``None`` if absent.

        With ``follow_last=False`` a last component that is a link is not checked
        (for operations that replace the name itself).
        """
        return self._check(path, follow=follow_last, stat_last=True)

    def confined_stat(self, path: StrPath, *, strict: bool = False) -> tuple[str, os.stat_result | None]:
        """:meth:`confined` plus ``os.stat`` of the path (links followed), ``None`` if absent.

        ``"file/"`` and over-long names are absent, unless *strict*: then they
        are NotADirectoryError and ENAMETOOLONG.
        """
        try:
            full, st = self._check(path, follow=True, stat_last=True)
        except NotADirectoryError:
            if strict:
                raise
            return self.confined_name(os.fsdecode(os.fspath(path)).rstrip(_SEP)), None
        except OSError as error:
            if strict or error.errno not in _NOTHING_THERE:
                raise
            return "", None  # a name too long to exist, or a loop of links: nothing is there, at no path
        if st is not None and _S_ISLNK(st.st_mode):
            try:
                st = os.stat(full)
            except (OSError, ValueError):
                st = None
        return full, st

    def _check(self, path: StrPath, follow: bool, stat_last: bool) -> tuple[str, os.stat_result | None]:
        if (
            _POSIX
            and type(path) is str
            and path
            and _SEP not in path
            and path not in _DOTS
            and "\x00" not in path
        ):
            # The most common call: a plain name right below the root.
            text, below = self._prefix + path, path
            if len(path) > _SHORT:
                _refuse_long_names(below, text)
        else:
            text, below, trailing = self._normalise(path)
            if len(below) > _SHORT:
                _refuse_long_names(below, text)
            if trailing:
                # "name/" names a directory (following a link). A file so named is
                # ENOTDIR here, for every operation, whatever the OS or pyfakefs does.
                if below:
                    self._check_links(text, below, path, follow=True, stat_last=True)
                try:
                    st = os.stat(text)
                except _MISSING:
                    return text + _SEP, None
                if not stat.S_ISDIR(st.st_mode):
                    raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), text + _SEP)
                return text + _SEP, st
            if _SEP in below:
                return text, self._check_links(text, below, path, follow, stat_last)
        if not stat_last:
            return text, None
        try:
            st = _lstat(text)
        except _MISSING:
            return text, None
        if follow and below and _S_ISLNK(st.st_mode):
            self._refuse_if_outside(text, path)
        return text, st

    def _normalise(self, path: StrPath) -> tuple[str, str, bool]:
        """(absolute normalised path, the part below the root, had a trailing separator)."""
        text = path if type(path) is str else os.fsdecode(os.fspath(path))
        if "\x00" in text:
            raise ValueError(f"path {text!r} contains a NUL byte")
        if not text:
            raise FileNotFoundError(2, "empty path", text)
        if _ALTSEP:
            text = text.replace(_ALTSEP, _SEP)
        if not (text[0] == _SEP if _POSIX else os.path.isabs(text)):
            text = self._prefix + text
        trailing = text[-1] == _SEP
        if trailing or _SEP + "." in text or _SEP + _SEP in text:
            text = os.path.normpath(text)
            trailing = trailing and text != self.root
        if text.startswith(self._prefix):
            return text, text[self._plen :], trailing
        if text == self.root:
            return text, "", trailing
        below = self._below_via_realpath(text, path)
        return (self._prefix + below if below else self.root), below, trailing

    def _below_via_realpath(self, full: str, given: StrPath) -> str:
        """The part below the root of a path that names the root another way."""
        real = os.path.realpath(full)
        if real == self.root:
            return ""
        if real.startswith(self._prefix):
            return real[self._plen :]
        raise PathOutsideStoreError(given, self.root)

    def _check_links(
        self, full: str, below: str, given: StrPath, follow: bool, stat_last: bool
    ) -> os.stat_result | None:
        """``lstat`` each directory below the root (and the last name if asked)."""
        names = below.split(_SEP)
        last = names.pop()
        current = self.root
        for name in names:
            current = current + _SEP + name
            try:
                st = _lstat(current)
            except _MISSING:
                return None
            if _S_ISLNK(st.st_mode):
                self._refuse_if_outside(full if follow else os.path.dirname(full), given)
                if not stat_last:
                    return None
                try:
                    return _lstat(full)
                except _MISSING:
                    return None
        if not stat_last:
            return None
        try:
            st = _lstat(current + _SEP + last)
        except _MISSING:
            return None
        if follow and _S_ISLNK(st.st_mode):
            self._refuse_if_outside(full, given)
        return st

    def _refuse_if_outside(self, full: str, given: StrPath) -> None:
        real = os.path.realpath(full)
        if real != self.root and not real.startswith(self._prefix):
            raise PathOutsideStoreError(given, self.root)


def _refuse_long_names(below: str, full: str) -> None:
    """ENAMETOOLONG naming *full*, as ``os`` would, for a name over 255 bytes, on every backend
    (pyfakefs has no limit)."""
    for name in below.split(_SEP):
        if len(name) > _SHORT and len(name.encode("utf-8", "surrogateescape")) > _NAME_MAX:
            raise OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG), full)
