"""The Hypothesis state machine: random call sequences, checked call by call.

:func:`contract_machine` builds a ``RuleBasedStateMachine`` that drives a
store and the reference model through the same random sequence of all
fourteen operations, judges every result and error by the contract, and
compares the whole tree (paths, kinds, file bytes) after every step. A
violation is raised as :class:`ContractViolation` whose message is the
shortest program of store calls that shows it, runnable as Python.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from ..artifact_store import ArtifactStore
from .capabilities import FULL, Capabilities
from .checker import Normaliser, check, tree_problem
from .model import ReferenceModel
from .program import Call, render

StoreFactory = Callable[[], ArtifactStore]

if sys.version_info < (3, 11):  # pragma: no cover - Hypothesis brings the backport
    from exceptiongroup import BaseExceptionGroup  # type: ignore[import-not-found,unused-ignore]

GLOB_PATTERNS = ("*", "*/*", "*/*/*", "a/*", "*.txt", ".*", "?", "*/d.txt", "a*", "[ab]", "[!a]*")


class ContractViolation(AssertionError):
    """A store did something the contract does not allow; the message is the program.

    ``calls`` are the store calls that led to it, the last one the culprit.
    """

    op = ""
    _by_op: ClassVar[dict[str, type[ContractViolation]]] = {}

    def __init__(self, message: str, calls: tuple[Call, ...] = ()) -> None:
        super().__init__(message)
        self.calls = calls

    @classmethod
    def for_op(cls, op: str) -> type[ContractViolation]:
        """A subclass per operation, so Hypothesis shrinks and reports each one apart."""
        if op not in cls._by_op:
            cls._by_op[op] = type(f"ContractViolation[{op}]", (cls,), {"op": op})
        return cls._by_op[op]


def names(capabilities: Capabilities) -> list[str]:
    """The names paths are built from: plain, hidden, dotted, non-ASCII, and case twins."""
    found = ["a", "b", ".h", "d.txt", "é"]
    return [*found, "A"] if capabilities.case_sensitive else found


def contract_machine(
    store_factory: StoreFactory,
    capabilities: Capabilities = FULL,
    *,
    factory_name: str = "make_store()",
    stats: Counter[str] | None = None,
) -> type[RuleBasedStateMachine]:
    """A state machine class that checks stores made by *store_factory*."""
    name = st.sampled_from(names(capabilities))
    path = st.lists(name, min_size=1, max_size=3).map("/".join)
    any_path = path | st.just(".")
    binary = st.binary(max_size=12)
    text = st.text(
        st.characters(exclude_characters="\r", categories=("L", "M", "N", "P", "S", "Zs")), max_size=8
    )
    counts = stats if stats is not None else Counter()

    class StoreContract(RuleBasedStateMachine):
        """Random sequences of store calls, each judged against the reference model."""

        def __init__(self) -> None:
            super().__init__()
            self.store = store_factory()
            self.model = ReferenceModel(capabilities)
            self.normalise = Normaliser(self.store, self.model)
            self.calls: list[Call] = []
            counts["examples"] += 1

        def step(self, op: str, *args: Any) -> None:
            call = Call(op, args)
            self.calls.append(call)
            counts[op] += 1
            counts["steps"] += 1
            problem = check(self.model, self.store, call, self.normalise)
            if problem is not None:
                program = render(self.calls, problem, factory_name)
                raise ContractViolation.for_op(op)(program, tuple(self.calls))

        @rule(path=path, mode=st.sampled_from(["wb", "ab", "xb"]), data=binary)
        def write_bytes(self, path: str, mode: str, data: bytes) -> None:
            self.step("open_write", path, mode, data)

        @rule(path=path, mode=st.sampled_from(["w", "a", "x"]), data=text)
        def write_text(self, path: str, mode: str, data: str) -> None:
            self.step("open_write", path, mode, data.encode("utf-8"))

        @rule(path=path, mode=st.sampled_from(["r", "rb"]))
        def read(self, path: str, mode: str) -> None:
            self.step("open_read", path, mode)

        @rule(src=path, dst=path, overwrite=st.booleans())
        def copyfile(self, src: str, dst: str, overwrite: bool) -> None:
            self.step("copyfile", src, dst, overwrite)

        @rule(path=any_path)
        def exists(self, path: str) -> None:
            self.step("exists", path)

        @rule(pattern=st.sampled_from(GLOB_PATTERNS))
        def glob(self, pattern: str) -> None:
            self.step("glob", pattern)

        @rule(path=any_path)
        def isdir(self, path: str) -> None:
            self.step("isdir", path)

        @rule(path=any_path)
        def listdir(self, path: str) -> None:
            self.step("listdir", path)

        @rule(path=path)
        def makedirs(self, path: str) -> None:
            self.step("makedirs", path)

        @rule(path=path)
        def mkdir(self, path: str) -> None:
            self.step("mkdir", path)

        @rule(path=path)
        def remove(self, path: str) -> None:
            self.step("remove", path)

        @rule(src=path, dst=path, overwrite=st.booleans())
        def rename(self, src: str, dst: str, overwrite: bool) -> None:
            self.step("rename", src, dst, overwrite)

        @rule(path=path)
        def rmtree(self, path: str) -> None:
            self.step("rmtree", path)

        @rule(path=any_path)
        def stat(self, path: str) -> None:
            self.step("stat", path)

        @rule(path=any_path)
        def size(self, path: str) -> None:
            self.step("size", path)

        @rule(top=any_path, topdown=st.booleans())
        def walk(self, top: str, topdown: bool) -> None:
            self.step("walk", top, topdown)

        @invariant()
        def whole_tree_matches(self) -> None:
            problem = tree_problem(self.model, self.store, self.normalise)
            if problem is not None:
                op = self.calls[-1].op if self.calls else "setup"
                program = render(self.calls, problem, factory_name)
                raise ContractViolation.for_op(op)(program, tuple(self.calls))

    StoreContract.__name__ = StoreContract.__qualname__ = "StoreContract"
    return StoreContract


def find_violations(
    store_factory: StoreFactory,
    capabilities: Capabilities,
    settings: Any,
    *,
    factory_name: str = "make_store()",
    stats: Counter[str] | None = None,
    seed: int | None = None,
) -> list[tuple[str, str]]:
    """Run the state machine under *settings*; each violation as (operation, shortest program)."""
    from hypothesis import seed as use_seed
    from hypothesis.stateful import run_state_machine_as_test

    machine = contract_machine(store_factory, capabilities, factory_name=factory_name, stats=stats)
    if seed is not None:
        machine = use_seed(seed)(machine)
    try:
        run_state_machine_as_test(machine, settings=settings)  # type: ignore[no-untyped-call,unused-ignore]
    except BaseException as error:
        violations = _violations_in(error)
        if violations is None:
            raise
        return [(v.op, shortest_program(v, store_factory, capabilities, factory_name)) for v in violations]
    return []


def _violations_in(error: BaseException) -> list[ContractViolation] | None:
    """The violations *error* holds (it may be a group of them), or None if it holds anything else."""
    if isinstance(error, ContractViolation):
        return [error]
    if isinstance(error, BaseExceptionGroup):
        found: list[ContractViolation] = []
        for inner in error.exceptions:
            more = _violations_in(inner)
            if more is None:
                return None
            found += more
        return found
    return None


def replay(
    calls: list[Call], store_factory: StoreFactory, capabilities: Capabilities = FULL
) -> tuple[int, str] | None:
    """Run *calls* on a fresh store as the machine does; the first violation, if any.

    Returns ``(index of the call, what went wrong)``.
    """
    store = store_factory()
    model = ReferenceModel(capabilities)
    normalise = Normaliser(store, model)
    for index, call in enumerate(calls):
        problem = check(model, store, call, normalise) or tree_problem(model, store, normalise)
        if problem is not None:
            return index, problem
    return None


def shortest_program(
    violation: ContractViolation,
    store_factory: StoreFactory,
    capabilities: Capabilities = FULL,
    factory_name: str = "make_store()",
) -> str:
    """The violation's program with every call it does not need taken out.

    Hypothesis shrinks the sequence; this removes, one at a time, any call
    whose absence still fails the same operation, until none can go.
    """
    calls = list(violation.calls)
    found = replay(calls, store_factory, capabilities)
    if found is None or calls[found[0]].op != violation.op:
        return str(violation)
    calls, note = calls[: found[0] + 1], found[1]
    shorter = True
    while shorter:
        shorter = False
        for index in range(len(calls) - 1, -1, -1):
            trial = calls[:index] + calls[index + 1 :]
            found = replay(trial, store_factory, capabilities)
            if found is not None and trial[found[0]].op == violation.op:
                calls, note, shorter = trial[: found[0] + 1], found[1], True
                break
    return render(calls, note, factory_name)
