"""The Hypothesis state machine: random call sequences, checked call by call.

:func:`contract_machine` builds a ``RuleBasedStateMachine`` that drives a
store and the reference model through the same random sequence of all
fourteen operations, judges every result and error by the contract, and
compares the whole tree (paths, kinds, file bytes) after every step that may
change it and at the end (see ``_replay``). A
breach is raised as :class:`ContractViolation`, holding the :class:`Violation`:
the calls that show it and the problem.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Container
from pathlib import PurePosixPath
from typing import Any, ClassVar

from hypothesis import reject
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from ..artifact_store import ArtifactStore
from ..capabilities import FULL, NFC, NFD, Capabilities
from ._checker import Normaliser, Problem, check, tree_difference_of
from ._deadline import HUNG_RULE
from ._escapes import (
    INNER_LINK_DIRS,
    INNER_LINK_STYLES,
    INNER_TARGET,
    MACHINE_FORMS,
    InnerLink,
    escaping_calls,
)
from ._model import ReferenceModel
from ._operations import DEFAULT, OPERATIONS
from ._program import Call
from ._sandbox import RunStopped, Sandbox

StoreFactory = Callable[[], ArtifactStore]

GLOB_PATTERNS = ("*", "*/*", "*/*/*", "a/*", "*.txt", ".*", "?", "*/d.txt", "a*", "[ab]", "[!a]*")


class ContractViolation(AssertionError):
    """A store did something the contract does not allow; ``violation`` says what and how."""

    op = ""
    _by_op: ClassVar[dict[str, type[ContractViolation]]] = {}

    def __init__(self, violation: Violation) -> None:
        super().__init__(f"{violation.op}: {violation.problem}")
        self.violation = violation

    @property
    def calls(self) -> tuple[Call, ...]:
        """The store calls that led to it, the last one the culprit."""
        return self.violation.calls

    @classmethod
    def for_op(cls, op: str) -> type[ContractViolation]:
        """A subclass per operation, so Hypothesis tells them apart."""
        if op not in cls._by_op:
            cls._by_op[op] = type(f"ContractViolation[{op}]", (cls,), {"op": op})
        return cls._by_op[op]


class Violation:
    """One breach of the contract: the calls that show it, the last one the culprit, and the problem."""

    __slots__ = ("_method", "calls", "problem", "program", "source")

    def __init__(self, calls: tuple[Call, ...], problem: Problem, source: str) -> None:
        self.calls = calls
        self.problem = problem
        self.source = source
        self.program = ""
        self._method = ""

    @classmethod
    def reported(cls, method: str, problem: Problem, program: str) -> Violation:
        """A violation as a report gave it (its calls only in its *program*): for merging."""
        violation = cls((), problem, "a report")
        violation._method, violation.program = method, program
        return violation

    @property
    def op(self) -> str:
        return self.calls[-1].op if self.calls else "setup"

    @property
    def method(self) -> str:
        return self.calls[-1].method if self.calls else self._method or "setup"

    @property
    def cause(self) -> tuple[str, str, str]:
        """``(store method, kind, rule)``: violations with the same cause are one report entry."""
        return (self.method, self.problem.kind, self.problem.rule)

    def __repr__(self) -> str:
        return f"Violation({self.method!r}, {self.problem!r})"


class Explored(BaseException):
    """Raised from inside a run to stop it: time is up (not a failure of the store)."""


def guarded(
    make_store: StoreFactory, sandbox: Sandbox, made: Callable[[], None] = lambda: None
) -> StoreFactory:
    """*make_store*, raising :class:`RunStopped` instead of the factory's error, naming the last
    call the run made before it: a factory that fails in the middle of a run most often does
    so because a store broke what it needs. *made* is called after every store made."""

    def make() -> ArtifactStore:
        if sandbox.first_stop is not None:  # a store harmed what holds the roots: nothing more runs
            raise sandbox.first_stop
        try:
            store = make_store()
        except Exception as error:
            call = sandbox.last_call
            after = f" after {call.inline()}" if call is not None else " before any call"
            raise RunStopped(f"make_store raised {type(error).__name__}: {error}{after}") from error
        made()
        return store

    return make


def names(capabilities: Capabilities) -> list[str]:
    """The names paths are built from: plain, hidden, dotted, non-ASCII, with spaces (inside
    and trailing: a store that strips them merges two names), a tab, and twins that differ
    by case or by Unicode normal form, where the store keeps those apart."""
    found = ["a", "b", ".h", "d.txt", NFC, "a b", "a ", "t\tb"]
    if capabilities.case_sensitive:
        found.append("A")
    if capabilities.normal_forms_distinct:
        found.append(NFD)
    return found


#: How a path may be spelt besides plainly: with a trailing separator ('name/' names a
#: directory), a leading './', a doubled separator. Plain spellings are drawn most often.
SPELLINGS: tuple[Callable[[str], str], ...] = (
    str,
    str,
    str,
    str,
    lambda path: path + "/",
    lambda path: "./" + path,
    lambda path: path.replace("/", "//"),
)


def long_names(capabilities: Capabilities) -> list[str]:
    """The longest name the store takes and one a byte longer (none for a store without a limit)."""
    limit = capabilities.max_name_bytes
    return [] if limit is None else ["n" * limit, "n" * (limit + 1)]


def plain_paths(capabilities: Capabilities) -> Any:
    """Relative ``str`` paths of one to three names, spelt plainly; about one name in sixteen
    is at the length limit or over it, at any depth."""
    short = names(capabilities)
    choices = short * 3 + long_names(capabilities)
    return st.lists(st.sampled_from(choices), min_size=1, max_size=3).map("/".join)


def starting_files(capabilities: Capabilities) -> Any:
    """The two to six files (path and content) an example starts from."""
    return st.lists(st.tuples(plain_paths(capabilities), st.binary(max_size=12)), min_size=2, max_size=6)


def text_paths(capabilities: Capabilities) -> Any:
    """Relative ``str`` paths of one to three names, in one of the ``SPELLINGS``."""
    spelt = st.tuples(plain_paths(capabilities), st.sampled_from(SPELLINGS))
    return spelt.map(lambda pair: pair[1](pair[0]))


def arguments(capabilities: Capabilities) -> dict[str, Any]:
    """A strategy for the arguments of every operation in ``OPERATIONS``, by operation name."""
    # A path as str mostly, sometimes as bytes or pathlib (the API takes all three).
    text_path = text_paths(capabilities)
    forms: list[Callable[[str], Any]] = [str, str, str, os.fsencode, PurePosixPath]
    path = st.tuples(text_path, st.sampled_from(forms)).map(lambda pair: pair[1](pair[0]))
    any_path = path | st.just(".")
    binary = st.binary(max_size=12)
    optional_flag = st.sampled_from([True, False, DEFAULT])  # DEFAULT: left out of the call
    text = st.text(
        st.characters(exclude_characters="\r", categories=("L", "M", "N", "P", "S", "Zs")), max_size=8
    )
    # Modes for reading and writing at once ('+'), with their letters in any order, where the store has them.
    update = capabilities.update_modes
    return {
        "open_read": st.tuples(
            path, st.sampled_from(["r", "rb", DEFAULT, *(["r+b", "+rb"] if update else [])])
        ),
        "open_write": st.tuples(
            path,
            st.sampled_from(["wb", "ab", "xb", *(["w+b", "b+w", "r+b", "a+b"] if update else [])]),
            binary,
        )
        | st.tuples(
            path,
            st.sampled_from(["w", "a", "x", *(["+a", "r+"] if update else [])]),
            text.map(lambda s: s.encode("utf-8")),
        ),
        "copyfile": st.tuples(path, path, optional_flag),
        "exists": st.tuples(any_path),
        "glob": st.tuples(st.sampled_from(GLOB_PATTERNS)),
        "isdir": st.tuples(any_path),
        "listdir": st.tuples(any_path),
        "makedirs": st.tuples(path),
        "mkdir": st.tuples(path),
        "remove": st.tuples(path),
        "rename": st.tuples(path, path, optional_flag),
        "rmtree": st.tuples(path),
        "stat": st.tuples(any_path),
        "size": st.tuples(any_path),
        "walk": st.tuples(any_path, optional_flag),
        "walk_errors": st.tuples(any_path),
    }


#: Examples one run drops for running into causes already known before it keeps the next such
#: one (explored up to that cause): on a store that breaks many rules nearly every sequence runs
#: into one, and each costs a store and a replay, so dropping them all until one does not would
#: cost a hundred sequences an example there.
MAX_DROPPED = 3


def contract_machine(
    make_store: StoreFactory,
    capabilities: Capabilities = FULL,
    *,
    stats: Counter[str] | None = None,
    known: Container[tuple[str, str, str]] = frozenset(),
    on_example: Callable[[], None] | None = None,
    sandbox: Sandbox | None = None,
) -> type[RuleBasedStateMachine]:
    """A state machine class that checks stores made by *make_store*: one rule per operation.

    An example that runs into a cause in *known* is dropped (rejected), so a
    run spends its examples on causes not yet found; after :data:`MAX_DROPPED`
    drops in one run (counted in *stats*), the next such example is kept,
    explored to that cause and no further. *on_example* is called as
    each example starts (for progress and the time budget). What the contract
    makes beside a root goes in *sandbox*, the run's, or else in one of each
    example's own, removed when it ends. A store that harms what lies around
    its root ends the run: :class:`RunStopped`.
    """
    counts = stats if stats is not None else Counter()

    class StoreContract(RuleBasedStateMachine):
        """Random sequences of store calls, each judged against the reference model."""

        def __init__(self) -> None:
            super().__init__()
            self.calls: list[Call] = []
            self.rejected = False
            #: How many of the first calls a read back in full that matched vouches for: a
            #: problem is pinned on its call if a call between them and its own was not read
            #: back in full (see ``_replay``).
            self.vouched = 0
            self.last_read = True
            #: The model's tree when the store's was last read back (see ``TreeRead``).
            self.read_when: dict[str, bytes | None] = {}
            self.failed = False
            #: Whether the example ran into a known cause and was kept: its later steps do nothing.
            self.explored = False
            self.sandbox = sandbox if sandbox is not None else Sandbox()
            self.root: str | None = None

        def teardown(self) -> None:
            try:
                if self.root is not None and not self.rejected:  # it began (the time budget let it)
                    counts["examples"] += 1  # a run counts one example, whatever this counts
                    if not self.last_read and not self.failed:
                        self.read_back()  # in full
            finally:
                if sandbox is None:
                    self.sandbox.remove()
                elif self.root is not None:
                    self.sandbox.forget(self.root)

        def read_back(self) -> None:
            """The tree read back after the last call, as after every sequence."""
            difference = tree_difference_of(self.model, self.store, self.normalise)
            if difference is not None:
                last = self.calls[-1]
                rule = "leaves the tree the contract says"
                self.violated(Problem("data", rule, f"after {last.inline()}, {difference}"))

        @initialize(files=starting_files(capabilities), fresh=_FRESH)
        def populate(self, files: list[tuple[str, bytes]], fresh: int) -> None:
            """Start from a few files (and their folders), written through the store, so that
            reads, overwrites and moves of things that exist are common from the first step."""
            if not fresh:
                # Hypothesis's simplest example (every choice its simplest: the first rule, again
                # and again), which each one-example run tries first: dropped before it costs a store.
                self.rejected = True
                reject()
            if on_example is not None:
                on_example()
            self.store = make_store()
            self.root = self.store.path
            self.model = ReferenceModel(capabilities)
            self.normalise = Normaliser(self.store, self.model, self.sandbox)
            # A link can be made only in a root that is a directory here (or in pyfakefs).
            self.links_possible = os.path.isdir(self.normalise.root)
            for path, data in files:
                folder = path.rpartition("/")[0]
                if folder:
                    self.step("makedirs", (folder,))
                self.step("open_write", (path, "wb", data))

        def step(self, op: str, args: tuple[Any, ...]) -> None:
            if self.explored:
                return
            call = Call(op, args)
            if self.calls[-2:] == [call, call]:
                # A third call in a row the same as the two before finds nothing they did not:
                # the example is dropped, and the run spends its steps on another. Hypothesis
                # makes such runs on purpose: its simplest example (the first rule, again and
                # again) and the copies of one step over the next that its mutator makes.
                self.rejected = True
                reject()
            self.calls.append(call)
            counts[op] += 1
            counts["steps"] += 1
            read = OPERATIONS[op].changes
            partial = read and bool(self.read_when)  # contents the model has not changed are not read
            problem = check(
                self.model, self.store, call, self.normalise, read_tree=self.read_when if partial else read
            )
            self.last_read = read and not partial
            if self.last_read and problem is None:
                self.vouched = len(self.calls)
            if read:
                self.read_when = self.model.tree()
            if problem is not None:
                self.violated(problem)

        def violated(self, problem: Problem) -> None:
            """End the example with *problem*, found after the last call: pinned on its call
            first if a call before it was not read back in full (see ``_replay``), unless its
            cause is known: the report has a program for it, and the example ends here."""
            from ._replay import pinned

            self.failed = True
            calls = tuple(self.calls)
            violation = Violation(calls, problem, "random sequence")
            if problem.fatal:
                raise self.sandbox.stop_for(violation)
            unpinned = self.vouched < len(calls) - 1 and problem.rule != HUNG_RULE  # hung: its own
            if unpinned and violation.cause not in known:
                found = pinned(calls, make_store, capabilities, sandbox)
                if found is not None:
                    violation = Violation(calls[: found[0] + 1], found[1], "random sequence")
            if violation.cause in known:
                if counts["dropped"] < MAX_DROPPED:
                    counts["dropped"] += 1
                    self.rejected = True
                    reject()
                self.explored = True
                return
            raise ContractViolation.for_op(violation.op)(violation)

    strategies = arguments(capabilities)
    add_operation_rules(StoreContract, strategies, "step")
    add_existing_path_rules(StoreContract, strategies)
    add_link_rules(StoreContract, strategies)
    if capabilities.confined:
        escapes = [call for _, _, call in escaping_calls(MACHINE_FORMS)]

        def escape(self: StoreContract, call: Call) -> None:
            """A call with a path that leaves the root, through a link out or not: it must be
            refused, and nothing outside change."""
            self.step(call.op, call.args)

        StoreContract.escape = rule(call=st.sampled_from(escapes))(escape)
    StoreContract.__name__ = StoreContract.__qualname__ = "StoreContract"
    return StoreContract


#: Zero only in Hypothesis's simplest example (a random draw of it is as rare as any other value).
_FRESH = st.integers(0, 2**32)
#: Whether a path argument names something that exists: three times in four.
_MOSTLY = st.sampled_from([True, True, True, False])
#: What a path argument of an ``_on_existing`` rule names: a file that is there (two times in
#: five), a directory that is there, a name in a directory that is there (or in the root), or
#: whatever the random path names (one in five each).
_EXISTING = st.sampled_from(["file", "file", "directory", "in a directory", "random"])


def add_existing_path_rules(machine: type[RuleBasedStateMachine], strategies: dict[str, Any]) -> None:
    """A second rule per operation with paths, each path drawn (four times in
    five) from what exists: a file, a directory, or a name in a directory.

    Random paths seldom name something that is there, or a new name whose
    directory is there, so without these a run hardly ever reads a real file,
    overwrites one by copy or rename, moves a file or directory to a new name,
    or moves a directory: half the steps now do.
    """

    def rule_for(op: str) -> Callable[[Any, Any], None]:
        path_args = OPERATIONS[op].path_args

        def call(self: Any, data: Any) -> None:
            args = list(data.draw(strategies[op]))
            tree = self.model.tree()
            files = sorted(path for path, content in tree.items() if content is not None)
            directories = sorted(path for path, content in tree.items() if content is None)
            for index in path_args:
                kind = data.draw(_EXISTING)
                if kind == "in a directory":  # the random path's last name, in one that is there
                    folder = data.draw(st.sampled_from(["", *directories]))
                    name = os.fsdecode(args[index]).rstrip("/").rpartition("/")[2]
                    args[index] = _in_form_of(args[index], f"{folder}/{name}" if folder else name)
                    continue
                pool = files if kind == "file" else directories if kind == "directory" else []
                if pool:
                    args[index] = _in_form_of(args[index], data.draw(st.sampled_from(pool)))
            self.step(op, tuple(args))

        call.__name__ = f"{op}_on_existing"
        return call

    for op in strategies:
        if OPERATIONS[op].path_args:
            setattr(machine, f"{op}_on_existing", rule(data=st.data())(rule_for(op)))


#: How ``link-in`` may point in the state machine: not from inside ``d/e``, which may not exist.
_LINK_STYLES = tuple(style for style in INNER_LINK_STYLES if style not in INNER_LINK_DIRS)
#: The directory each style needs (besides the root): './d/e/../../d' goes through 'd/e'.
_LINK_NEEDS = {"relative": INNER_TARGET, "absolute": INNER_TARGET, "winding": f"{INNER_TARGET}/e"}
#: The operations tried through ``link-in``: every one with a path, but ``walk``, whose answer
#: names the link where the model names its target.
_THROUGH_LINK = (
    "open_read",
    "open_write",
    "copyfile",
    "exists",
    "isdir",
    "listdir",
    "makedirs",
    "mkdir",
    "remove",
    "rename",
    "rmtree",
    "stat",
    "size",
    "walk_errors",
)


def add_link_rules(machine: type[RuleBasedStateMachine], strategies: dict[str, Any]) -> None:
    """A rule that calls an operation through ``link-in``, a link inside the root to ``d``, to
    the root itself, or to itself (a loop), for stores whose root is a directory here
    (pyfakefs's included). The contract makes the link for the one call and removes it after.

    The call must act as the same call on the path the link stands for. A path through the
    link is drawn (three times in four) from what exists below its target; ``d`` is made
    through the store first when the link needs it.
    """

    def through_link(self: Any, data: Any) -> None:
        style = data.draw(st.sampled_from(_LINK_STYLES))
        base = INNER_TARGET if style in _LINK_NEEDS else ""
        needed = _LINK_NEEDS.get(style, "")
        if needed and needed not in self.model.tree():
            self.step("makedirs", (needed,))
        if needed and not _directory_there(self.model, needed):
            # A file where the link leads, or a directory a store without empty directories does
            # not hold: through a link to the root.
            base, style = "", "root"
        op = data.draw(st.sampled_from(_THROUGH_LINK))
        args = list(data.draw(strategies[op]))
        index = data.draw(st.sampled_from(OPERATIONS[op].path_args))
        below = sorted(
            path[len(base) + 1 :] if base else path
            for path in self.model.tree()
            if not base or path.startswith(base + "/")
        )
        rest = os.fsdecode(args[index])
        if below and data.draw(_MOSTLY):
            rest = data.draw(st.sampled_from(below))
        if style == "root" and os.path.normpath(rest) == ".":
            rest = "a"  # through a link to the root, the root itself would list the link too
        args[index] = InnerLink(style, rest.rstrip("/"))
        self.step(op, tuple(args))

    machine.through_link = precondition(lambda self: self.links_possible)(rule(data=st.data())(through_link))


def _directory_there(model: ReferenceModel, path: str) -> bool:
    """Whether the store holds a directory at *path*, by the model: one without empty
    directories holds a directory only above a file."""
    tree = model.tree()
    if tree.get(path, b"") is not None:  # missing, or a file
        return False
    prefix = path + "/"
    return model.caps.empty_directories or any(
        name.startswith(prefix) and content is not None for name, content in tree.items()
    )


def _in_form_of(example: Any, path: str) -> Any:
    """*path* as the same type as *example*: ``str``, ``bytes`` or a pure path."""
    if isinstance(example, bytes):
        return os.fsencode(path)
    return type(example)(path) if isinstance(example, PurePosixPath) else path


def add_operation_rules(
    machine: type[RuleBasedStateMachine], strategies: dict[str, Any], method: str
) -> None:
    """One rule per operation of ``OPERATIONS``: it calls ``machine.<method>(op, args)``."""
    missing = OPERATIONS.keys() ^ strategies.keys()
    assert not missing, f"operations without a strategy, or strategies without an operation: {missing}"

    def rule_for(op: str) -> Callable[[Any, tuple[Any, ...]], None]:
        def call(self: Any, args: tuple[Any, ...]) -> None:
            getattr(self, method)(op, args)

        call.__name__ = op
        return call

    for op, strategy in strategies.items():
        setattr(machine, op, rule(args=strategy)(rule_for(op)))
