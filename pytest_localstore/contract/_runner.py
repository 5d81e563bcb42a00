"""Running the contract: a table row, the state machine, and the shortest program of a violation.

The pytest suite and ``localstore contract`` both run through here.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..artifact_store import ArtifactStore
from ._capabilities import FULL, Capabilities
from ._checker import Normaliser, check, tree_problem
from ._machine import ContractViolation, StoreFactory, contract_machine
from ._model import ReferenceModel, split
from ._outcomes import Outcome
from ._program import Call, render
from ._rows import ROWS, Row
from ._settings import contract_settings

if sys.version_info < (3, 11):  # pragma: no cover - Hypothesis brings the backport
    from exceptiongroup import BaseExceptionGroup  # type: ignore[import-not-found,unused-ignore]


def setup_calls(row: Row) -> list[Call]:
    """The store calls that build a row's starting tree (directories first).

    Each path is first asked for (``exists``, which must say False) and then
    created, so a store that remembers stale answers fails the row.
    """
    calls = []
    for path, content in sorted(row.setup, key=lambda item: item[0].count("/")):
        calls.append(Call("exists", (path,)))
        calls.append(
            Call("makedirs", (path,)) if content is None else Call("open_write", (path, "wb", content))
        )
    return calls


def row_model(row: Row, capabilities: Capabilities = FULL) -> ReferenceModel:
    """The reference model holding a row's starting tree."""
    model = ReferenceModel(capabilities)
    for path, content in row.setup:
        parts = split(path)
        node = model.root
        for name in parts[:-1]:
            node = node.setdefault(name, {})
        node[parts[-1]] = {} if content is None else content
    return model


def row_outcome(row: Row, capabilities: Capabilities = FULL) -> Outcome:
    """What the reference model allows for the row's call."""
    return row_model(row, capabilities).outcome(row.call.op, row.call.args)


def check_row(
    row: Row, store: ArtifactStore, capabilities: Capabilities = FULL, store_source: str = "make_store()"
) -> str | None:
    """Run one row on an empty *store*; ``None`` if it kept the contract, else the program."""
    done: list[Call] = []
    scratch = ReferenceModel(capabilities)
    normalise = Normaliser(store, scratch)
    for call in setup_calls(row):
        done.append(call)
        problem = check(scratch, store, call, normalise)
        if problem is not None:
            return render(done, f"while building the starting tree: {problem}", store_source)
    model = row_model(row, capabilities)
    normalise = Normaliser(store, model)
    done.append(row.call)
    problem = check(model, store, row.call, normalise) or tree_problem(model, store, normalise)
    return None if problem is None else render(done, f"{row.id} -- {problem}", store_source)


@dataclass
class Report:
    """What a contract run found, per operation and in total."""

    rows_passed: Counter[str] = field(default_factory=Counter)
    rows_failed: Counter[str] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)
    violations: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.violations


def run_contract(
    make_store: StoreFactory,
    capabilities: Capabilities = FULL,
    *,
    examples: int = 100,
    steps: int = 30,
    seed: int | None = None,
    store_source: str = "make_store()",
    progress: Callable[[str], None] = lambda message: None,
) -> Report:
    """Every applicable row, then *examples* random sequences of up to *steps* calls."""

    report = Report()
    started = time.perf_counter()
    rows = [row for row in ROWS if row.applies_to(capabilities)]
    for index, row in enumerate(rows, 1):
        program = check_row(row, make_store(), capabilities, store_source)
        op = row.operation
        if program is None:
            report.rows_passed[op] += 1
        else:
            report.rows_failed[op] += 1
            report.violations.append((op, program))
        if index % 20 == 0 or index == len(rows):
            progress(f"table rows: {index}/{len(rows)}")
    config = contract_settings(examples, steps, database=None, report_multiple_bugs=True, print_blob=False)
    progress(f"state machine: {examples} examples of up to {steps} steps")
    report.violations += find_violations(
        make_store, capabilities, config, store_source=store_source, stats=report.calls, seed=seed
    )
    report.seconds = time.perf_counter() - started
    return report


def find_violations(
    make_store: StoreFactory,
    capabilities: Capabilities,
    settings: Any,
    *,
    store_source: str = "make_store()",
    stats: Counter[str] | None = None,
    seed: int | None = None,
) -> list[tuple[str, str]]:
    """Run the state machine under *settings*; each violation as (operation, shortest program)."""
    from hypothesis import seed as use_seed
    from hypothesis.stateful import run_state_machine_as_test

    machine = contract_machine(make_store, capabilities, store_source=store_source, stats=stats)
    if seed is not None:
        machine = use_seed(seed)(machine)
    try:
        run_state_machine_as_test(machine, settings=settings)  # type: ignore[no-untyped-call,unused-ignore]
    except BaseException as error:
        violations = _violations_in(error)
        if violations is None:
            raise
        return [(v.op, shortest_program(v, make_store, capabilities, store_source)) for v in violations]
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
    calls: list[Call], make_store: StoreFactory, capabilities: Capabilities = FULL
) -> tuple[int, str] | None:
    """Run *calls* on a fresh store as the machine does; the first violation, if any.

    Returns ``(index of the call, what went wrong)``.
    """
    store = make_store()
    model = ReferenceModel(capabilities)
    normalise = Normaliser(store, model)
    for index, call in enumerate(calls):
        problem = check(model, store, call, normalise) or tree_problem(model, store, normalise)
        if problem is not None:
            return index, problem
    return None


def shortest_program(
    violation: ContractViolation,
    make_store: StoreFactory,
    capabilities: Capabilities = FULL,
    store_source: str = "make_store()",
) -> str:
    """The violation's program with every call it does not need taken out.

    Hypothesis shrinks the sequence; this removes, one at a time, any call
    whose absence still fails the same operation, until none can go.
    """
    calls = list(violation.calls)
    found = replay(calls, make_store, capabilities)
    if found is None or calls[found[0]].op != violation.op:
        return str(violation)
    calls, note = calls[: found[0] + 1], found[1]
    shorter = True
    while shorter:
        shorter = False
        for index in range(len(calls) - 1, -1, -1):
            trial = calls[:index] + calls[index + 1 :]
            found = replay(trial, make_store, capabilities)
            if found is not None and trial[found[0]].op == violation.op:
                calls, note, shorter = trial[: found[0] + 1], found[1], True
                break
    return render(calls, note, store_source)
