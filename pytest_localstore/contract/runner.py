"""Running the contract without pytest: the table's rows, then the state machine."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..artifact_store import ArtifactStore
from .capabilities import FULL, Capabilities
from .checker import Normaliser, check, tree_problem
from .machine import StoreFactory, find_violations
from .model import ReferenceModel, split
from .outcomes import Outcome
from .program import Call, render
from .rows import ROWS, Row


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
    return row_model(row, capabilities).expect(row.call.op, row.call.args)


def check_row(
    row: Row, store: ArtifactStore, capabilities: Capabilities = FULL, factory: str = "make_store()"
) -> str | None:
    """Run one row on an empty *store*; ``None`` if it kept the contract, else the program."""
    done: list[Call] = []
    scratch = ReferenceModel(capabilities)
    normalise = Normaliser(store, scratch)
    for call in setup_calls(row):
        done.append(call)
        problem = check(scratch, store, call, normalise)
        if problem is not None:
            return render(done, f"while building the starting tree: {problem}", factory)
    model = row_model(row, capabilities)
    normalise = Normaliser(store, model)
    done.append(row.call)
    problem = check(model, store, row.call, normalise) or tree_problem(model, store, normalise)
    return None if problem is None else render(done, f"{row.id} -- {problem}", factory)


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
    store_factory: StoreFactory,
    capabilities: Capabilities = FULL,
    *,
    examples: int = 100,
    steps: int = 30,
    seed: int | None = None,
    factory_name: str = "make_store()",
    progress: Callable[[str], None] = lambda message: None,
) -> Report:
    """Every applicable row, then *examples* random sequences of up to *steps* calls."""

    report = Report()
    started = time.perf_counter()
    rows = [row for row in ROWS if row.applies_to(capabilities)]
    for index, row in enumerate(rows, 1):
        program = check_row(row, store_factory(), capabilities, factory_name)
        op = row.operation
        if program is None:
            report.rows_passed[op] += 1
        else:
            report.rows_failed[op] += 1
            report.violations.append((op, program))
        if index % 20 == 0 or index == len(rows):
            progress(f"table rows: {index}/{len(rows)}")
    config = machine_settings(examples, steps, report_multiple_bugs=True, print_blob=False)
    progress(f"state machine: {examples} examples of up to {steps} steps")
    report.violations += find_violations(
        store_factory, capabilities, config, factory_name=factory_name, stats=report.calls, seed=seed
    )
    report.seconds = time.perf_counter() - started
    return report


def machine_settings(examples: int, steps: int, **extra: Any) -> Any:
    """Hypothesis settings for a contract run outside pytest: no database, no deadline."""
    from hypothesis import HealthCheck, settings

    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        **extra,
    )
