"""Confinement in the contract: paths that leave the root, written as the contract draws them.

Every flavor that declares ``confined`` (the default) must refuse a path that
leaves its root (``PermissionError``, of which ``PathOutsideStoreError`` is
one; ``ValueError`` for a NUL byte) and must neither read nor change anything
outside. An escaping path is an :class:`Outside` argument, made from the
store's root at call time, in one of the forms of ``FORMS``: ``..`` out of the
root, an absolute path, a sibling that shares the root's name as a prefix (as
``str``, ``bytes`` and ``pathlib.Path``), a NUL byte, and two that name a whole
directory outside: ``..`` itself and the root's parent for calls that only
read, and in calls that change things (``Operation.changes``) a directory of
the contract's beside the root instead, ``evil_<name of the root>`` (its name
does not start with the root's, so a string-prefix check refuses it as it
refuses ``..``), through ``..`` or absolute. So a store that does not confine
at all can only change the contract's own sandbox, never what holds its root.

For a store whose root is a directory on this machine's disk, the contract
makes the sibling ``<root>_evil`` and that neighbour, each with a file and a
subdirectory, and compares them before and after every escaping call (see
``_sandbox``); every escaping path that a call may change points into them. One more form exists only
there: a path through ``link-out``, a symbolic link inside the root to the
sibling, made by the contract (not through the store's API) just before the
call, removed after it, and left out of the tree the contract reads back. For
other stores only the refusal is checked, the link rows do not apply, and the
report says so.

Links that stay inside must keep working: an :class:`InnerLink` argument goes
through ``link-in``, a link inside the root to its directory ``d`` (written
``d``, ``<root>/d`` or ``./d/e/../../d``), and the call must act as it would on
``d/...``. Written as a link to itself, it is a loop: every call through it
fails with ``OSError(ELOOP)`` (``exists`` and ``isdir`` say False, ``walk``
and ``glob`` find nothing). The contract makes that link too, on this disk
only, the same way. The state machine goes through both kinds of link as well,
in whatever tree its calls have made.

The link out can also be named itself (``link-out``, ``link-out/``, and
``d/link-out``, the same link in a directory): an operation that follows it
must refuse, one that acts on the name alone may act on the link (``remove``
removes it, ``mkdir`` finds it there), and ``rmtree`` of a directory that
holds it removes the link, never what it points to.

Nothing here touches a disk: what the contract makes, it makes in ``_sandbox``.
"""

from __future__ import annotations

import os
import pathlib
from typing import Any

from ._operations import OPERATIONS
from ._program import Call

#: What the watched place outside the root holds.
SIBLING_SUFFIX = "_evil"
#: The directory beside the root whose name does not share the root's: ``evil_<name>``.
NEIGHBOUR_PREFIX = "evil_"
OUTSIDE_FILE = "x"
OUTSIDE_CONTENT = b"outside the root"
OUTSIDE_DIR = "d"
#: The link inside the root, to the watched sibling, that the "link" forms go through.
LINK_NAME = "link-out"
#: The same link written relative to where it is (``../<root>_evil``).
RELATIVE_LINK_NAME = "link-up"
#: A link inside the root to the file in the sibling.
FILE_LINK_NAME = "link-file"
#: Where the contract makes that link, below the root, for each form that needs one.
LINK_PLACES = {
    "link": LINK_NAME,
    "relative link": RELATIVE_LINK_NAME,
    "link itself": LINK_NAME,
    "link itself/": LINK_NAME,
    "file link": FILE_LINK_NAME,
    "link below": f"{OUTSIDE_DIR}/{LINK_NAME}",
    "holder": f"{OUTSIDE_DIR}/{LINK_NAME}",
}
#: The forms that name the link itself: an operation that follows it must refuse, one that
#: acts on the name alone (``NAME_ONLY``) may act on the link, so is no escape.
LINK_ITSELF = ("link itself", "link itself/", "link below", "file link")
#: Operations that act on a name and never follow it.
NAME_ONLY = ("mkdir", "remove", "rename")


#: The link inside the root, to its own directory ``d``, that inner-link rows go through.
INNER_LINK = "link-in"
INNER_TARGET = "d"
#: How ``link-in`` names ``d``: style -> the link's target (an absolute one is below the root).
INNER_LINK_STYLES = {
    "relative": INNER_TARGET,
    "absolute": INNER_TARGET,
    "winding": "./d/e/../../d",
    "loop": INNER_LINK,  # a link to itself: every lookup through it is OSError(ELOOP)
    "root": "",  # the root itself (absolute, with a trailing separator): link-in/x is x
    "nested": INNER_TARGET,  # absolute, and made in d/e: met below a directory, it leads back up
}
#: The styles written as an absolute path below the root.
ABSOLUTE_STYLES = ("absolute", "root", "nested")
#: Where ``link-in`` is made for the styles that do not make it right below the root.
INNER_LINK_DIRS = {"nested": "d/e"}
#: The names the contract makes in a root itself, not through the store: not the store's tree.
CONTRACT_LINKS = frozenset({LINK_NAME, RELATIVE_LINK_NAME, FILE_LINK_NAME, INNER_LINK})


class InnerLink:
    """A path through ``link-in``, a link inside the root to ``d``, written in one of
    ``INNER_LINK_STYLES``: the store must follow it and act as on ``d/<rest>``."""

    __slots__ = ("rest", "style")

    def __init__(self, style: str, rest: str) -> None:
        self.style = style
        self.rest = rest

    def path(self, root: str) -> str:
        """The argument itself (the same for any root)."""
        return f"{self.link}/{self.rest}".rstrip("/")

    @property
    def link(self) -> str:
        """Where below the root the link is."""
        place = INNER_LINK_DIRS.get(self.style)
        return f"{place}/{INNER_LINK}" if place else INNER_LINK

    @property
    def loops(self) -> bool:
        """Whether the link points at itself, so that nothing can be reached through it."""
        return self.style == "loop"

    @property
    def modelled(self) -> str:
        """The path the reference model judges: the link's target instead of the link."""
        base = "" if self.style == "root" else INNER_TARGET
        return "/".join(part for part in (base, self.rest.rstrip("/")) if part) or "."

    @property
    def target(self) -> str:
        """What the link holds, relative to the root (empty for the root itself)."""
        return INNER_LINK_STYLES[self.style]

    @property
    def absolute(self) -> bool:
        """Whether the link is written as an absolute path below the root."""
        return self.style in ABSOLUTE_STYLES

    def source(self) -> str:
        """Python that makes the link, for a reported program (after ``import os``)."""
        target = INNER_LINK_STYLES[self.style]
        made = f"os.path.join(store.path, {target!r})" if self.style in ABSOLUTE_STYLES else repr(target)
        return f"os.symlink({made}, os.path.join(store.path, {self.link!r}))"

    def __repr__(self) -> str:
        return repr(self.path(""))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, InnerLink) and (self.style, self.rest) == (other.style, other.rest)

    def __hash__(self) -> int:
        return hash((self.style, self.rest))


def inner_link_in(args: tuple[Any, ...]) -> InnerLink | None:
    """The first argument of a call that goes through ``link-in``, if any."""
    return next((arg for arg in args if isinstance(arg, InnerLink)), None)


def modelled(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """*args* as the reference model judges them: a path through ``link-in`` is one through ``d``,
    a directory that holds a link out is that directory."""
    if not any(isinstance(arg, (InnerLink, Outside)) for arg in args):
        return args
    return tuple(
        arg.modelled
        if isinstance(arg, InnerLink)
        else arg.target
        if isinstance(arg, Outside) and not arg.refused
        else arg
        for arg in args
    )


class Outside:
    """A path argument that leaves the store root: *form* applied to *target* inside the sibling."""

    __slots__ = ("form", "target")

    def __init__(self, form: str, target: str) -> None:
        self.form = form
        self.target = target

    @property
    def link(self) -> str | None:
        """Where below the root the contract makes a link to the sibling for this form, if it does."""
        return LINK_PLACES.get(self.form)

    @property
    def refused(self) -> bool:
        """Whether the argument leaves the root (every form but ``holder``, a directory that holds
        a link out and is judged as the directory it is)."""
        return self.form != "holder"

    def path(self, root: str) -> str | bytes | pathlib.Path:
        """The argument itself, for a store rooted at *root*."""
        base = os.path.basename(root.rstrip("/"))
        inside_sibling = f"{root.rstrip('/')}{SIBLING_SUFFIX}/{self.target}".rstrip("/")
        if self.form == "dotdot":
            return f"../{base}{SIBLING_SUFFIX}/{self.target}".rstrip("/")
        if self.form == "dotdot neighbour":
            return f"../{NEIGHBOUR_PREFIX}{base}"
        if self.form == "neighbour":
            return neighbour_of(root)
        if self.form == "up":
            return ".."
        if self.form == "bytes":
            return os.fsencode(inside_sibling)
        if self.form == "pathlib":
            return pathlib.Path(inside_sibling)
        if self.form == "parent":
            return os.path.dirname(root.rstrip("/"))
        if self.form == "nul":
            return f"{self.target}\x00"
        if self.form in ("link", "relative link"):
            return f"{LINK_PLACES[self.form]}/{self.target}".rstrip("/")
        if self.form == "link itself/":
            return f"{LINK_NAME}/"
        if self.form == "holder":
            return self.target
        if self.form in LINK_PLACES:
            return LINK_PLACES[self.form]
        return inside_sibling

    @property
    def refusal(self) -> str:
        """The error a confined store answers with."""
        return "ValueError" if self.form == "nul" else "PermissionError"

    def __repr__(self) -> str:
        target = f"{SIBLING_SUFFIX}/{self.target}".rstrip("/")
        if self.form == "dotdot":
            return f"'../' + os.path.basename(store.path) + {target!r}"
        if self.form == "dotdot neighbour":
            return f"{'../' + NEIGHBOUR_PREFIX!r} + os.path.basename(store.path)"
        if self.form == "neighbour":
            return NEIGHBOUR_SOURCE
        if self.form == "up":
            return "'..'"
        if self.form == "bytes":
            return f"os.fsencode(store.path + {target!r})"
        if self.form == "pathlib":
            return f"pathlib.Path(store.path + {target!r})"
        if self.form == "parent":
            return "os.path.dirname(store.path)"
        if self.form == "nul":
            return repr(f"{self.target}\x00")
        if self.form in LINK_PLACES:
            return repr(self.path(""))
        return f"store.path + {target!r}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Outside) and (self.form, self.target) == (other.form, other.target)

    def __hash__(self) -> int:
        return hash((self.form, self.target))


#: How an escaping path is written: name -> what the document calls it.
FORMS = {
    "dotdot": "'..' out of the root",
    "up": "'..' itself",
    "dotdot neighbour": "'..' to a directory beside the root whose name does not start with the root's",
    "neighbour": "that directory, absolute",
    "absolute": "an absolute path in a sibling that shares the root's name as a prefix",
    "bytes": "the same, as bytes",
    "pathlib": "the same, as pathlib.Path",
    "parent": "the root's parent",
    "nul": "a NUL byte",
    "link": f"through {LINK_NAME!r}, a link inside the root to the sibling (stores on this disk)",
    "relative link": f"through {RELATIVE_LINK_NAME!r}, a link written '../<root>_evil' (stores on this disk)",
    "link itself": f"{LINK_NAME!r} itself, that link (stores on this disk)",
    "link itself/": f"'{LINK_NAME}/', that link with a trailing separator (stores on this disk)",
    "link below": f"'{OUTSIDE_DIR}/{LINK_NAME}', the same link in a directory (stores on this disk)",
    "file link": f"{FILE_LINK_NAME!r}, a link inside the root to the sibling's file (stores on this disk)",
}
#: Forms that name a directory the contract did not make (the one that holds the root): only
#: calls that read get them. Calls that change things get ``STAND_INS`` instead, which name
#: a whole directory outside as well, whose name does not share the root's, but the contract's.
READ_ONLY_FORMS = ("up", "parent")
STAND_INS = ("dotdot neighbour", "neighbour")
#: The forms the state machine draws from: all but the link in a directory (the contract would
#: make that directory behind the store's back). It removes each link right after its call.
MACHINE_FORMS = tuple(form for form in FORMS if "/" not in LINK_PLACES.get(form, ""))

NEW = "new"
#: Every operation and path argument, tried with an escaping path: (label, operation, arguments,
#: which argument leaves the root). The others stay inside: 'f' is a file there, 'd' a directory.
SHAPES: tuple[tuple[str, str, tuple[Any, ...], int], ...] = (
    ("read", "open_read", (OUTSIDE_FILE, "rb"), 0),
    ("overwrite", "open_write", (OUTSIDE_FILE, "wb", b"written"), 0),
    ("append", "open_write", (NEW, "ab", b"written"), 0),
    ("src", "copyfile", (OUTSIDE_FILE, "copy", False), 0),
    ("dst", "copyfile", ("f", NEW, True), 1),
    ("path", "exists", (OUTSIDE_FILE,), 0),
    ("pattern", "glob", (f"{OUTSIDE_DIR}/*",), 0),
    ("path", "isdir", (OUTSIDE_DIR,), 0),
    ("path", "listdir", (OUTSIDE_DIR,), 0),
    ("path", "makedirs", (f"{NEW}/deeper",), 0),
    ("path", "mkdir", (NEW,), 0),
    ("path", "remove", (OUTSIDE_FILE,), 0),
    ("src", "rename", (OUTSIDE_FILE, "moved", False), 0),
    ("dst", "rename", ("f", NEW, True), 1),
    ("path", "rmtree", (OUTSIDE_DIR,), 0),
    ("path", "stat", (OUTSIDE_FILE,), 0),
    ("path", "size", (OUTSIDE_FILE,), 0),
    ("top", "walk", (OUTSIDE_DIR, True), 0),
)


def escaping_calls(forms: tuple[str, ...] = tuple(FORMS)) -> list[tuple[str, str, Call]]:
    """Every shape in every form, ``(label, form, call)``: the calls a confined store must refuse."""
    calls = []
    for label, op, args, position in SHAPES:
        changes = OPERATIONS[op].changes
        for form in forms:
            if form in LINK_ITSELF and op in NAME_ONLY:
                continue  # no way out through the link's own name (rows.NAME_ONLY_SHAPES try some)
            if form in (READ_ONLY_FORMS if changes else STAND_INS):
                continue  # a call that changes things never names what the contract did not make
            made = list(args)
            made[position] = Outside(form, str(args[position]))
            calls.append((label, form, Call(op, tuple(made))))
    return calls


def link_made_for(args: tuple[Any, ...]) -> str | None:
    """Where below the root the contract makes a link for a call with *args*, if it makes one."""
    inner = inner_link_in(args)
    if inner is not None:
        return inner.link
    outside = outside_in(args)
    return None if outside is None else outside.link


def link_source(args: tuple[Any, ...]) -> str | None:
    """Python that makes the link a call with *args* goes through, for a reported program."""
    inner = inner_link_in(args)
    if inner is not None:
        return inner.source()
    outside = outside_in(args)
    return None if outside is None or outside.link is None else outside_link_source(outside.link)


def concrete(args: tuple[Any, ...], root: str) -> tuple[Any, ...]:
    """*args* with every :class:`Outside` and :class:`InnerLink` made into the path it stands for."""
    return tuple(arg.path(root) if isinstance(arg, (Outside, InnerLink)) else arg for arg in args)


def outside_in(args: tuple[Any, ...]) -> Outside | None:
    """The first escaping argument of a call, if any."""
    return next((arg for arg in args if isinstance(arg, Outside)), None)


def neighbour_of(root: str) -> str:
    """``evil_<name of the root>``, beside *root*."""
    root = root.rstrip("/")
    return os.path.join(os.path.dirname(root), NEIGHBOUR_PREFIX + os.path.basename(root))


#: The neighbour's path in a reported program.
NEIGHBOUR_SOURCE = (
    f"os.path.join(os.path.dirname(store.path), {NEIGHBOUR_PREFIX!r} + os.path.basename(store.path))"
)


def sibling_preamble(neighbour: bool = False) -> str:
    """Python that makes the watched sibling (and the neighbour) as the contract does, for a
    reported program: on this disk only (a store behind a network has no outside watched, and
    its URL is no path here)."""
    places = [f"store.path + {SIBLING_SUFFIX!r}", *([NEIGHBOUR_SOURCE] if neighbour else [])]
    return (
        "import os, pathlib\n"
        "if os.path.isabs(store.path):  # a store on this disk: what lies beside its root\n"
        f"    for place in ({', '.join(places)},):\n"
        f"        os.makedirs(os.path.join(place, {OUTSIDE_DIR!r}), exist_ok=True)\n"
        f"        for name in ({OUTSIDE_FILE!r}, {OUTSIDE_DIR + '/' + OUTSIDE_FILE!r}):\n"
        f"            pathlib.Path(place, name).write_bytes({OUTSIDE_CONTENT!r})"
    )


def outside_link_source(place: str) -> str:
    """Python that makes the link at *place* to the sibling (or its file), for a reported program."""
    target = f"store.path + {SIBLING_SUFFIX!r}"
    if place == RELATIVE_LINK_NAME:
        target = f"'../' + os.path.basename(store.path) + {SIBLING_SUFFIX!r}"
    if place == FILE_LINK_NAME:
        target = f"store.path + {SIBLING_SUFFIX + '/' + OUTSIDE_FILE!r}"
    return f"os.symlink({target}, os.path.join(store.path, {place!r}))"
