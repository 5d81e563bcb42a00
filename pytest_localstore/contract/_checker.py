"""Running one call on a store and on the model, and judging the store by the contract.

After every call that may change the tree, failed or not, and after the last
call of a sequence, the store's whole tree is read back through its own API and
compared with the model's (a call that cannot change it is read back at the next
of these; see ``_replay`` for how a problem is then pinned to its call). A problem has a kind, most serious
first:

- ``data``: the tree is not what any allowed outcome leaves (something lost,
  moved or created), whether the call returned or raised;
- ``value``: the call returned where it may, but not a value the contract
  allows (or not a value of the right type);
- ``silent``: the call returned where the contract says it must refuse, and
  the tree is otherwise as allowed;
- ``error``: the call refused with another exception than the allowed ones,
  or with an allowed class whose ``errno`` says something else (a
  FileNotFoundError with EACCES), and changed nothing.

What the store returned or raised is shown as it was (``repr``, shortened),
with the store's root written as ``<root>``.
"""

from __future__ import annotations

import errno
import re
import stat
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from .._tree import difference
from ..artifact_store import ArtifactStore
from ._deadline import HUNG_RULE, Hung
from ._deadline import NONE as NO_DEADLINE
from ._escapes import (
    CONTRACT_LINKS,
    NEIGHBOUR_PREFIX,
    SIBLING_SUFFIX,
    STAND_INS,
    Outside,
    concrete,
    inner_link_in,
    link_made_for,
    modelled,
    neighbour_of,
    outside_in,
)
from ._model import ReferenceModel, split
from ._operations import OPERATIONS, resolved
from ._outcomes import PERM, values_match
from ._program import Call
from ._sandbox import OutsideWatch, Sandbox, on_this_disk

#: The kinds of problem, most serious first.
KINDS = ("data", "value", "silent", "error")
#: How much of a returned value or error a report shows.
SHOWN_CHARACTERS = 160


class Problem:
    """What a store did wrong in one call: its kind, the rule it broke, and what it did.

    A *fatal* problem harmed what lies around the root (a canary of the contract's,
    the directory that holds the root): the run stops at once, and the calls that
    showed it are not made again.
    """

    __slots__ = ("detail", "fatal", "kind", "rule")

    def __init__(self, kind: str, rule: str, detail: str, *, fatal: bool = False) -> None:
        self.kind = kind
        self.rule = rule
        self.detail = detail
        self.fatal = fatal

    def __str__(self) -> str:
        return f"{self.kind}: {self.rule}; {self.detail}"

    def __repr__(self) -> str:
        return f"Problem({self.kind!r}, {self.rule!r}, {self.detail!r})"


#: What names a request, or the moment it was answered, in a service's error (Azure's
#: ``RequestId:<uuid>`` and ``Time:<ISO 8601>``): new in every run.
_REQUEST_ID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE)
_MOMENT = re.compile(
    r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?\b"
    r"|datetime\.datetime\(\d{4}(, \d+){2,6}(, tzinfo=[\w.]+(\([^()]*\))?)?\)"
)


#: An object's URL in GCS's JSON API: its bucket, and its key (quoted: ``/`` is ``%2F``).
_GCS_OBJECT = re.compile(r"\bb/([a-z0-9][\w.-]*)/o/([^\s'\"?&#/]+)")
#: An object's key after ``/o/`` where no bucket goes before it.
_GCS_KEY = re.compile(r"(?<=/o/)[^\s'\"?&#/]+")
#: A GCS object's generation (microseconds since 1970), new with every write.
_GENERATION = re.compile(r"(?<![\w.-])\d{16,}(?![\w.-])")


def _run_places_named(text: str, root: str) -> str:
    """*text* with what names this run's places and requests written as the report names them,
    so that the same cause reads the same in every run and with any number of jobs: the root
    as ``<root>``, the neighbour beside it as ``<root>/../evil_<name of the root>``, the
    sibling as ``<root>_evil``, the place that holds the root as ``<root>/..``, a request's id
    as ``<uuid>`` and a moment (ISO 8601, or a ``datetime`` as Python writes it) as ``<time>``.

    A place is also found as its client spells it, without the URL's scheme
    (``bucket/prefix`` for ``s3://bucket/prefix``), but not a bucket's name alone, which may be
    any short word. On GCS, an object's URL in the JSON API (``b/BUCKET/o/KEY``, the key
    quoted) is shown as the path it names, the bucket named alone in a string as ``<root>/..``,
    and an object's generation (a number of 16 digits or more) as ``<generation>``.
    """
    root = root.rstrip("/")
    if root.startswith(("gs://", "gcs://")):
        holder, _, name = root.rpartition("/")
        bucket = holder.partition("://")[2]
        if bucket:  # an object's info names its bucket alone, as a whole string
            text = re.sub(rf"(?<=['\"]){re.escape(bucket)}(?=['\"])", "<root>/..", text)
        text = _GCS_OBJECT.sub(lambda found: _places_named(f"{found[1]}/{unquote(found[2])}", root), text)
        text = _GCS_KEY.sub(lambda found: unquote(found[0]), text)  # after ``moveTo/o/``, say
        text = re.sub(rf"(?<=/o/){re.escape(name)}(?=/)", "<name of the root>", text)
        text = _GENERATION.sub("<generation>", text)
    return _MOMENT.sub("<time>", _REQUEST_ID.sub("<uuid>", _places_named(text, root)))


def _places_named(text: str, root: str) -> str:
    """*text* with the root, the places beside it and the one that holds it named as
    :func:`_run_places_named` says."""
    holder, _, name = root.rpartition("/")
    places = [
        (neighbour_of(root), f"<root>/../{NEIGHBOUR_PREFIX}<name of the root>"),
        (root + SIBLING_SUFFIX, f"<root>{SIBLING_SUFFIX}"),
        (root, "<root>"),
    ]
    if holder.partition("://")[2] or holder.startswith("/"):  # not 's3:/' (a bucket) nor '' ('/')
        places.append((holder, "<root>/.."))
    for place, shown in places:
        bare = place.partition("://")[2]
        for spelt in (place, bare) if "/" in bare else (place,):  # '/tmp/x' is not in '/var/tmp/x'
            text = re.sub(rf"(?<![\w./-]){re.escape(spelt)}(?![\w.-])", shown, text)
    # The root's name seen from the place that holds it ('<root>/../s1_evil'), but not another's.
    beside = rf"<root>/\.\./{re.escape(name)}(?={SIBLING_SUFFIX}|[^\w.-]|$)"
    return re.sub(beside, "<root>/../<name of the root>", text)


class NotComparable(Exception):
    """A returned value the contract cannot read as the operation's kind of result."""


class Normaliser:
    """Turns a store's answers into the model's terms: relative paths, sorted lists.

    It also holds the run's *sandbox* (see ``_sandbox``), which guards the
    directory that holds the store's root from its first call on.
    """

    def __init__(self, store: ArtifactStore, model: ReferenceModel, sandbox: Sandbox) -> None:
        self.root = store.path.rstrip("/")
        self.model = model
        self.sandbox = sandbox
        self.sandbox.guard(self.root)
        #: The deadline of each call: the run's, for a store not on this disk.
        self.deadline = NO_DEADLINE if on_this_disk(self.root) else sandbox.deadline

    def outside_watch(self, outside: Outside) -> OutsideWatch | None:
        """The watched places outside the root (a confined store on the local disk), made on first
        use: the sibling, and the neighbour once a call names it.

        Only calls with a path that leaves the root ask for it, so a sequence
        without one pays nothing for it.
        """
        if not self.model.caps.confined:
            return None
        return self.sandbox.watch(self.root, neighbour=outside.form in STAND_INS)

    def relative(self, path: str) -> str:
        if not isinstance(path, str):
            raise NotComparable("str paths")
        if path == self.root:
            return "."
        if path.startswith(self.root + "/"):
            return path[len(self.root) + 1 :].rstrip("/") or "."
        return f"<outside the root: {path}>"

    def shown(self, value: object) -> str:
        """*value* as a report shows it: its ``repr``, shortened, the root as ``<root>``."""
        text = repr(value) if not isinstance(value, BaseException) else f"{type(value).__name__}: {value}"
        if self.root:
            text = _run_places_named(text, self.root)
        if len(text) > SHOWN_CHARACTERS:
            text = text[: SHOWN_CHARACTERS - 3] + "..."
        return text

    def matches(self, call: Call, expected: Any, raw: Any) -> bool:
        """Whether what the store returned is what the contract allows (NotComparable if unreadable)."""
        op = call.op
        args = modelled(resolved(op, call.args))
        if op in ("exists", "isdir"):
            if type(raw) is not bool:
                raise NotComparable("a bool")
            return values_match(expected, raw)
        if op == "size":
            if type(raw) is not int:
                raise NotComparable("an int")
            return values_match(expected, raw)
        if op == "stat":
            return values_match(expected, _kind_and_size(raw))
        if op in ("glob", "listdir"):
            if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
                raise NotComparable("a list of str")
            names = sorted(self.relative(p) for p in raw) if op == "glob" else sorted(raw)
            base = [] if op == "glob" else split(args[0])
            return values_match(expected, names) or values_match(
                self._seen(expected, base), self._seen(names, base)
            )
        if op == "walk":
            return self._walk_matches(expected, raw, topdown=args[1])
        return values_match(expected, raw)

    def _walk_matches(self, expected: Any, raw: Any, topdown: bool) -> bool:
        if not isinstance(raw, list) or not all(
            isinstance(entry, tuple) and len(entry) == 3 and isinstance(entry[0], str) for entry in raw
        ):
            raise NotComparable("(dirpath, dirnames, filenames) triples")
        order = [self.relative(dirpath) for dirpath, _, _ in raw]
        position = {path: index for index, path in enumerate(order)}
        for path, index in position.items():
            parent = path.rpartition("/")[0] or "."
            if path != "." and parent in position and (position[parent] < index) != topdown:
                raise NotComparable(f"each directory {'after' if topdown else 'before'} its parent")
        entries = sorted((self.relative(d), sorted(ds), sorted(fs)) for d, ds, fs in raw)
        if values_match(expected, entries):
            return True
        seen = [
            (d, [n for n in ds if not self._empty([*split(d), n])], fs)
            for d, ds, fs in entries
            if not self._empty(split(d))
        ]
        wanted = [
            (d, [n for n in ds if not self._empty([*split(d), n])], fs)
            for d, ds, fs in expected
            if not self._empty(split(d))
        ]
        return values_match(wanted, seen)

    def _seen(self, names: Any, base: list[str]) -> Any:
        """*names* without the empty directories a store without them need not show."""
        if not isinstance(names, list):
            return names
        return [n for n in names if not self._empty([*base, *split(n)])]

    def _empty(self, parts: list[str]) -> bool:
        return not self.model.caps.empty_directories and self.model.is_empty_dir(parts)


def _kind_and_size(raw: Any) -> tuple[str, int]:
    """``(kind, size)`` of an ``os.stat_result``, or of a mapping with fsspec's ``type`` and ``size``."""
    if isinstance(raw, Mapping):
        kind = {"file": "file", "directory": "dir"}.get(raw.get("type"), "other")  # type: ignore[arg-type]
        size = raw.get("size")
        if not isinstance(size, int):
            raise NotComparable("an os.stat_result, or a mapping with 'type' and 'size'")
        return kind, size
    try:
        mode, size = raw.st_mode, raw.st_size
    except AttributeError:
        raise NotComparable("an os.stat_result, or a mapping with 'type' and 'size'") from None
    kind = "dir" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else "other"
    return kind, size


#: The rule broken by a call after which something outside the root is not as it was.
OUTSIDE_UNCHANGED = "changes nothing outside the root"


#: How much of the tree a check reads back after its call: all of it (True), none (False), or,
#: given the model's tree when it was last read back, every name and kind and the content of the
#: files the model has changed since (the others were read then, and are taken as they were).
TreeRead = bool | Mapping[str, bytes | None]


def check(
    model: ReferenceModel,
    store: ArtifactStore,
    call: Call,
    normalise: Normaliser,
    *,
    read_tree: TreeRead = True,
) -> Problem | None:
    """Run *call* on both, then compare the tree as *read_tree* says (see :data:`TreeRead`); the
    model follows the store when it may.

    ``None`` when the store kept the contract, else the :class:`Problem`. A link the call
    goes through is made just before it and removed after it. Then the sandbox's canaries
    are looked at: a call after which one is harmed is a fatal ``data`` problem. Calls on
    stores on this disk take turns (the sandbox's), whatever the number of jobs.
    """
    try:
        with normalise.sandbox.one_at_a_time():
            return _check_one(model, store, call, normalise, read_tree)
    except Hung as hung:
        return Problem("error", HUNG_RULE, f"{hung}: the store hung")


def _check_one(
    model: ReferenceModel, store: ArtifactStore, call: Call, normalise: Normaliser, read_tree: TreeRead
) -> Problem | None:
    sandbox = normalise.sandbox
    sandbox.last_call = call
    trouble = None
    try:
        problem = _checked(model, store, call, normalise, read_tree)
    except OSError as error:  # the contract's own work beside the root: something took its place
        problem, trouble = None, f"the contract's sandbox beside the root is not as it made it ({error})"
    finally:
        place = link_made_for(call.args)
        if place is not None:
            sandbox.unlink(normalise.root, place)
    damage = sandbox.damage() or trouble
    if damage is None:
        return problem
    return Problem("data", OUTSIDE_UNCHANGED, f"after {call.inline()}, {damage}", fatal=True)


def _let_go_of_frames(error: BaseException) -> None:
    """Drop the tracebacks of *error* and of the errors it was raised from or during."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.__traceback__ = None
        current = current.__cause__ or current.__context__


def _checked(
    model: ReferenceModel, store: ArtifactStore, call: Call, normalise: Normaliser, read_tree: TreeRead
) -> Problem | None:
    outcome = model.outcome(call.op, call.args)
    said = f"contract: {outcome.describe()}"
    outside = outside_in(call.args)
    escaping = outside is not None and PERM in outcome.errors  # not a link named for remove, say
    watch = normalise.outside_watch(outside) if outside is not None else None
    if (
        outside is not None
        and outside.link is not None
        and not normalise.sandbox.link_out(normalise.root, outside.link)
    ):
        return None  # no link can be made to a root that is not on this disk: the row does not apply
    inner = inner_link_in(call.args)
    if inner is not None and not normalise.sandbox.link_in(normalise.root, inner):
        return None  # no link can be made in a root that is not on this disk: the row does not apply
    try:
        raw = normalise.deadline.call(
            lambda: OPERATIONS[call.op].perform(store, concrete(call.args, normalise.root)), call.inline()
        )
    except Exception as error:  # the store's error is the thing under test
        # Its frames are let go now: what the store left half made in them (a client's file
        # whose finalizer writes it, as s3fs's does) is finalized before the tree is read, and
        # here, not by a collection at any later time, in any thread, or at exit.
        _let_go_of_frames(error)
        did = f"{said}; the store raised {normalise.shown(error)}"
        damage = _damage(model, store, normalise, did, REFUSAL_CHANGES_NOTHING, watch, read_tree)
        if damage is not None:
            return damage
        if outcome.allows(error):
            if _errno_disagrees(error):
                rule = f"sets an errno that agrees with {type(error).__name__} (or none)"
                return Problem("error", rule, f"{did} (errno {error.errno})")  # type: ignore[attr-defined]
            if model.caps.sets_errno and _errno_missing(error):
                rule = f"sets an errno on every {type(error).__name__} (sets_errno)"
                return Problem("error", rule, f"{did} (errno None)")
            return None
        if escaping:
            return Problem("error", f"refuses a path outside the root with {outcome.describe()}", did)
        return Problem("error", f"raises only what the contract allows, not {type(error).__name__}", did)
    did = f"{said}; the store returned {normalise.shown(raw)}"
    if not outcome.ok:
        damage = _damage(model, store, normalise, did, REFUSAL_CHANGES_NOTHING, watch, read_tree)
        rule = "refuses a path outside the root" if escaping else "refuses where the contract says it must"
        return damage or Problem("silent", rule, did)
    try:
        right = normalise.matches(call, outcome.value, raw)
    except NotComparable as unreadable:
        return Problem("value", f"returns {unreadable}", did)
    if not right:
        return Problem("value", "returns what the contract allows", did)
    if outcome.effect is not None:
        outcome.effect()
    return _damage(model, store, normalise, did, "leaves the tree the contract says", watch, read_tree)


#: The errno values each OSError subclass stands for; another errno on one of them is a lie.
_ERRNOS: tuple[tuple[type[OSError], frozenset[int]], ...] = (
    (FileNotFoundError, frozenset({errno.ENOENT})),
    (FileExistsError, frozenset({errno.EEXIST})),
    (IsADirectoryError, frozenset({errno.EISDIR})),
    (NotADirectoryError, frozenset({errno.ENOTDIR})),
    (PermissionError, frozenset({errno.EACCES, errno.EPERM})),
)


def _errno_disagrees(error: BaseException) -> bool:
    """Whether *error* carries an errno its class does not stand for (None is fine: fsspec sets none)."""
    code = getattr(error, "errno", None)
    if code is None:
        return False
    if not isinstance(code, int):
        return True  # OSError("message", path) puts the message where the errno goes
    return any(isinstance(error, kind) and code not in codes for kind, codes in _ERRNOS)


def _errno_missing(error: BaseException) -> bool:
    """Whether *error* is an OSError that must say its errno (one of ``_ERRNOS``' classes, or
    a plain OSError) and has none; shutil's SameFileError and SpecialFileError need none."""
    if not isinstance(error, OSError) or error.errno is not None:
        return False
    return type(error) is OSError or any(isinstance(error, kind) for kind, _ in _ERRNOS)


#: The rule a refused (or must-refuse) call that changed the tree broke.
REFUSAL_CHANGES_NOTHING = "a call that refuses, or must refuse, changes nothing"


def _damage(
    model: ReferenceModel,
    store: ArtifactStore,
    normalise: Normaliser,
    did: str,
    rule: str,
    watch: OutsideWatch | None = None,
    read_tree: TreeRead = True,
) -> Problem | None:
    """A ``data`` problem if *watch* saw a change outside, or (if *read_tree*) the store's tree
    is not the model's."""
    if watch is not None:
        outside = watch.changes()
        if outside is not None:
            return Problem("data", OUTSIDE_UNCHANGED, f"{did}, and then {outside}")
    if read_tree is False:
        return None
    difference = tree_difference_of(model, store, normalise, None if read_tree is True else read_tree)
    return None if difference is None else Problem("data", rule, f"{did}, and then {difference}")


def store_tree(
    store: ArtifactStore, normalise: Normaliser, known: Mapping[str, bytes] | None = None
) -> dict[str, bytes | None]:
    """Everything in *store*, read through its own API: path -> bytes, None for a directory; a
    file in *known* is listed, and taken to hold what *known* says without being read."""
    known = known or {}
    tree: dict[str, bytes | None] = {}
    for dirpath, dirnames, filenames in store.walk(store.path):
        rel = normalise.relative(dirpath)
        prefix = "" if rel == "." else rel + "/"
        # The contract's own links are not the store's.
        dirnames = [name for name in dirnames if name not in CONTRACT_LINKS]
        filenames = [name for name in filenames if name not in CONTRACT_LINKS]
        for name in dirnames:
            tree[prefix + name] = None
        for name in filenames:
            if prefix + name in known:
                tree[prefix + name] = known[prefix + name]
                continue
            with store.open(f"{dirpath.rstrip('/')}/{name}", "rb") as handle:
                tree[prefix + name] = handle.read()
    return tree


def tree_difference_of(
    model: ReferenceModel,
    store: ArtifactStore,
    normalise: Normaliser,
    since: Mapping[str, bytes | None] | None = None,
) -> str | None:
    """How the store's whole tree, read back through its API, differs from the model's; None if
    not. Given *since*, the model's tree when it was last read back, the files the model has not
    changed since are listed but not read again."""
    expected = model.tree()
    known = {
        path: data
        for path, data in expected.items()
        if data is not None and since is not None and since.get(path) == data
    }
    try:
        read = normalise.deadline.call(lambda: store_tree(store, normalise, known), "reading the tree back")
        return tree_difference(model, read)
    except Exception as error:  # reading the tree back is part of the contract
        return f"reading the tree back failed: {normalise.shown(error)}"


def tree_difference(model: ReferenceModel, actual: dict[str, bytes | None]) -> str | None:
    """How the store's tree differs from the model's, or None."""
    expected = model.tree()
    if not model.caps.empty_directories:
        expected, actual = _files_and_their_dirs(expected), _files_and_their_dirs(actual)
    missing, extra, changed = found = difference(expected, actual)
    if not found:
        return None
    parts = []
    if missing:
        parts.append(f"missing {missing}")
    if extra:
        parts.append(f"unexpected {extra}")
    for key in changed:
        parts.append(f"{key}: expected {_show(expected[key])}, found {_show(actual[key])}")
    return "the tree differs: " + "; ".join(parts)


def _files_and_their_dirs(tree: dict[str, bytes | None]) -> dict[str, bytes | None]:
    kept: dict[str, bytes | None] = {k: v for k, v in tree.items() if v is not None}
    for path in list(kept):
        parts = path.split("/")
        for index in range(1, len(parts)):
            kept["/".join(parts[:index])] = None
    return kept


def _show(value: bytes | None) -> str:
    return "a directory" if value is None else repr(value)
