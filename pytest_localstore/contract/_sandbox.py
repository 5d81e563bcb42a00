"""What one contract run makes on this disk, and the check that nothing around a root was harmed.

A contract run exists to be pointed at stores that may be broken, so it keeps
to two rules for a store whose root is a directory on this machine's disk:

- every call that changes things and names a path outside the root names a
  path in the run's own **sandbox**: ``<root>_evil`` and ``evil_<name of the
  root>``, beside the root, which the run makes (never ones that were there
  before) and compares before and after each such call (:class:`OutsideWatch`);
- a **canary** of the run's own, a file in the directory that holds the root,
  is checked after every call, together with that directory itself. If either
  is gone or changed, the run stops at once: damage is bounded to one call.

The links the contract makes inside a root (one per call) are recorded too.
:meth:`Sandbox.remove` takes away everything the run made; the runner calls it
at the end, after Ctrl-C and after an error alike. Stores that are not on this
disk (memory, object stores) get none of this: nothing of theirs is here.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import stat
import threading
from collections.abc import Iterator
from types import TracebackType
from typing import TYPE_CHECKING

from .._tree import difference, disk_tree
from ._deadline import NONE as NO_DEADLINE
from ._escapes import (
    FILE_LINK_NAME,
    NEIGHBOUR_PREFIX,
    OUTSIDE_CONTENT,
    OUTSIDE_DIR,
    OUTSIDE_FILE,
    RELATIVE_LINK_NAME,
    SIBLING_SUFFIX,
    InnerLink,
    neighbour_of,
)

if TYPE_CHECKING:
    from ._machine import Violation
    from ._program import Call

#: What a canary holds: says whose it is to anyone who finds one.
CANARY_CONTENT = b"made by a localstore contract run, and removed by it when the run ends\n"
CANARY_PREFIX = "localstore-contract-canary-"

#: ``(device, inode, mode, size, mtime)``: enough to see a file replaced, rewritten or moved.
Signature = tuple[int, int, int, int, int]


def on_this_disk(root: str) -> bool:
    """Whether *root* is a directory here (or in pyfakefs), where the contract can make things."""
    return os.path.isabs(root) and os.path.isdir(root)


def _signature(found: os.stat_result) -> Signature:
    return (found.st_dev, found.st_ino, found.st_mode, found.st_size, found.st_mtime_ns)


class OutsideWatch:
    """``<root>_evil``, made by the run beside the root with a file and a subdirectory, and
    ``evil_<name of the root>``, the same, made when a call first needs it: nothing in them
    may change."""

    def __init__(self, root: str) -> None:
        self.sibling = root.rstrip("/") + SIBLING_SUFFIX
        self.neighbour = neighbour_of(root)
        #: Each place made, and how its paths are shown (the neighbour's start ``evil_<root>/``).
        self.made: dict[str, str] = {}
        self.before: dict[str, bytes | None] = {}
        self._make(self.sibling, "")

    def add_neighbour(self) -> None:
        """Make the neighbour too, unless it is made."""
        if self.neighbour not in self.made:
            self._make(self.neighbour, f"{NEIGHBOUR_PREFIX}<root>/")

    def _make(self, place: str, shown: str) -> None:
        os.mkdir(place)  # never one that is there already: that would not be the contract's
        self.made[place] = shown
        os.mkdir(os.path.join(place, OUTSIDE_DIR))
        for name in (OUTSIDE_FILE, f"{OUTSIDE_DIR}/{OUTSIDE_FILE}"):
            with open(os.path.join(place, name), "xb") as handle:
                handle.write(OUTSIDE_CONTENT)
        self.before = self.picture()

    def picture(self) -> dict[str, bytes | None]:
        """Everything in the places made: path -> bytes, None for a directory."""
        found: dict[str, bytes | None] = {}
        for place, shown in self.made.items():
            found.update(disk_tree(place, _content, prefix=shown))
        return found

    def changes(self) -> str | None:
        """What changed outside the root since the watch began, or None."""
        lost, made, altered = difference(self.before, self.picture())
        if not (lost or made or altered):
            return None
        return f"outside the root, lost {lost}, made {made}, changed {altered}"

    def remove(self) -> None:
        """Take away what was made, whatever a store left in its place (a link is unlinked, not
        followed)."""
        for place in self.made:
            if os.path.islink(place) or os.path.isfile(place):
                os.unlink(place)
            elif os.path.isdir(place):
                shutil.rmtree(place, ignore_errors=True)


def _content(path: str, found: os.stat_result, listed: bool) -> bytes | None:
    """What a file in the sibling holds (None for a directory); what a store left there may not
    be readable."""
    if stat.S_ISDIR(found.st_mode):
        return None
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as error:
        return f"<unreadable: {error.strerror}>".encode()


class Canary:
    """A file of the run's in the directory that holds a root, and that directory, as they were."""

    def __init__(self, parent: str) -> None:
        self.parent = parent
        self._parent = _signature(os.stat(parent))[:3]  # its mtime changes with every other program
        self.path = os.path.join(parent, CANARY_PREFIX + secrets.token_hex(6))
        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(CANARY_CONTENT)
        self._file = _signature(os.lstat(self.path))

    def damage(self) -> str | None:
        """What happened to the canary or to its directory, or None if both are as they were.

        One ``lstat`` when all is well: the canary cannot be there, as it was, in a directory
        that was removed or replaced.
        """
        try:
            found = _signature(os.lstat(self.path))
        except OSError:
            found = None
        if found == self._file:
            return None
        try:
            parent = _signature(os.stat(self.parent))[:3]
        except OSError:
            return f"the directory that holds the root, {self.parent!r}, is gone"
        if parent != self._parent:
            return f"the directory that holds the root, {self.parent!r}, was replaced"
        what = "is gone" if found is None else "was changed"
        return f"the contract's canary beside the root, {self.path!r}, {what}"

    def remove(self) -> None:
        """Take the canary away if it is still the run's own file."""
        with contextlib.suppress(OSError):
            if _signature(os.lstat(self.path)) == self._file:
                os.unlink(self.path)


class RunStopped(BaseException):
    """Ends a run at once: a store harmed what lies around its root (*violation*, whose last
    call did it), or the contract cannot go on (*reason*: the factory raised, the sandbox
    cannot be made). Not an ``Exception``, so Hypothesis lets it through without replaying."""

    def __init__(self, reason: str, violation: Violation | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.violation = violation

    @classmethod
    def for_violation(cls, violation: Violation) -> RunStopped:
        """The stop after *violation*, a fatal problem."""
        return cls(f"the run stopped: {violation.problem.detail}", violation)


class Sandbox:
    """What one contract run makes on this disk: siblings, canaries, links; removed at its end.

    Usable as a context manager; :meth:`remove` may be called more than once.
    """

    def __init__(self) -> None:
        self._watches: dict[str, OutsideWatch] = {}
        self._canaries: dict[str, Canary] = {}
        self._links: set[str] = set()
        #: The last call the run made on a store: what a report names when the run must stop.
        self.last_call: Call | None = None
        self._lock = threading.RLock()
        #: The stop for the first call after which harm was seen (with several jobs, a call of
        #: another store may see it next: the stop still names the call that did it).
        self.first_stop: RunStopped | None = None
        #: How long a call on a store not on this disk may take (see ``_deadline``).
        self.deadline = NO_DEADLINE

    def stop_for(self, violation: Violation) -> RunStopped:
        """The stop for *violation*, a fatal problem: the first one seen in the run, if there was."""
        with self._lock:
            if self.first_stop is None:
                self.first_stop = RunStopped.for_violation(violation)
            return self.first_stop

    @contextlib.contextmanager
    def one_at_a_time(self) -> Iterator[None]:
        """Held around each call and its checks while the run guards a root on this disk: with
        several jobs, the calls on such stores take turns, so damage beside a root is put down
        to the call that did it."""
        if not self._canaries:
            yield
            return
        with self._lock:
            yield

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.remove()

    def guard(self, root: str) -> None:
        """Place a canary beside *root* (one per directory that holds roots), if it is on this disk."""
        with self._lock:
            root = root.rstrip("/")
            parent = os.path.dirname(root)
            if not root or parent in self._canaries or not on_this_disk(root):
                return
            try:
                self._canaries[parent] = Canary(parent)
            except OSError as error:
                raise RunStopped(
                    f"the run stopped: cannot place a canary beside the root {root!r}: {error}"
                ) from None

    def damage(self) -> str | None:
        """What happened to a canary or the directory that holds it, or None if all are intact."""
        for canary in self._canaries.values():
            found = canary.damage()
            if found is not None:
                return found
        return None

    def watch(self, root: str, *, neighbour: bool = False) -> OutsideWatch | None:
        """The watched places beside *root* (with the neighbour, if asked), made on first use;
        None for a root not on this disk."""
        with self._lock:
            root = root.rstrip("/")
            watch = self._watches.get(root)
            if watch is None and not on_this_disk(root):
                return None
            try:
                if watch is None:
                    watch = self._watches[root] = OutsideWatch(root)
                if neighbour:
                    watch.add_neighbour()
            except FileExistsError as error:
                raise RunStopped(
                    f"the run stopped: {error.filename!r} is there already and is not this run's: the"
                    " contract makes its sandbox there and will not touch what it did not make; remove"
                    " it (a run that was killed may have left it)"
                ) from None
            return watch

    def link_out(self, root: str, place: str) -> bool:
        """Make ``<root>/<place>``, a link to the sibling (or its file); False if it cannot be made
        (the root is not on this disk any more). A name already there is left as it is."""
        watch = self.watch(root) if on_this_disk(root) else None
        if watch is None:
            return False
        link = os.path.join(root, place)
        if not os.path.lexists(link):
            folder = os.path.dirname(link)
            if not os.path.isdir(folder):
                os.mkdir(folder)  # d of 'd/link-out', in a store without empty directories
            target = watch.sibling
            if place == RELATIVE_LINK_NAME:
                target = os.path.relpath(watch.sibling, folder)
            elif place == FILE_LINK_NAME:
                target = os.path.join(watch.sibling, OUTSIDE_FILE)
            self._symlink(target, link)
        return True

    def link_in(self, root: str, inner: InnerLink) -> bool:
        """Make *inner*'s link below *root* unless a name is there; False if the root is not on this disk."""
        if not on_this_disk(root):
            return False
        link = os.path.join(root, inner.link)
        if not os.path.lexists(link):
            target = os.path.join(root, inner.target) if inner.absolute else inner.target
            self._symlink(target, link)
        return True

    def _symlink(self, target: str, link: str) -> None:
        os.symlink(target, link)
        self._links.add(link)

    def unlink(self, root: str, place: str) -> None:
        """Remove the link the run made at *place* below *root*, if it is still a link there.

        Each is made for one call and removed after it, so the next call sees only the store's own tree.
        """
        link = os.path.join(root, place)
        self._links.discard(link)
        if os.path.islink(link):
            os.unlink(link)

    def forget(self, root: str) -> None:
        """Remove what the run made for the store at *root* (its sibling), once the store is done with."""
        with self._lock:
            watch = self._watches.pop(root.rstrip("/"), None)
            if watch is not None:
                watch.remove()

    def remove(self) -> None:
        """Remove every link, sibling and canary the run made and that is still there."""
        with self._lock:
            for link in sorted(self._links):
                if os.path.islink(link):
                    with contextlib.suppress(OSError):
                        os.unlink(link)
            self._links.clear()
            while self._watches:
                self._watches.popitem()[1].remove()
            while self._canaries:
                self._canaries.popitem()[1].remove()
