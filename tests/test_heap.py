"""A contract run sets the heap it starts with aside from the garbage collector, and only then."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any, ClassVar

import pytest

from pytest_localstore import MemoryArtifactStore
from pytest_localstore.artifact_store import ArtifactStore, PathType
from pytest_localstore.contract import run_contract

from .test_contract_jobs import MEMORY, memory_stores


class FreezeSeen(MemoryArtifactStore):
    """A memory store that notes how many objects were frozen whenever it is asked ``exists``."""

    seen: ClassVar[list[int]] = []

    def exists(self, path: PathType) -> bool:
        FreezeSeen.seen.append(gc.get_freeze_count())
        return super().exists(path)


def stores() -> Callable[[], ArtifactStore]:
    FreezeSeen.seen = []
    return memory_stores(FreezeSeen)


def run(**options: Any) -> None:
    report = run_contract(stores(), MEMORY, examples=2, steps=4, seed=1, **options)
    assert report.ok


def test_the_heap_is_frozen_while_a_run_calls_its_stores_and_thawed_after() -> None:
    assert gc.get_freeze_count() == 0
    run()
    assert FreezeSeen.seen and min(FreezeSeen.seen) > 0
    assert gc.get_freeze_count() == 0


def test_a_heap_frozen_before_the_run_stays_as_it_was() -> None:
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        run(jobs=2)
        # Nothing more frozen, nothing thawed (a frozen object that is freed leaves the count).
        assert FreezeSeen.seen and min(FreezeSeen.seen) > 0 and max(FreezeSeen.seen) <= before
        assert 0 < gc.get_freeze_count() <= before
    finally:
        gc.unfreeze()


class _Finalized:
    """An object in a cycle (as a client's file held by its own error's frames can be), whose
    finalizer notes that it ran."""

    ran: ClassVar[list[bool]] = []

    def __init__(self) -> None:
        self.itself = self

    def __del__(self) -> None:
        _Finalized.ran.append(True)


class LeavesACycle(MemoryArtifactStore):
    """A memory store that leaves an object in a cycle behind each ``listdir``."""

    def listdir(self, path: PathType) -> list[str]:
        _Finalized()
        return super().listdir(path)


@pytest.mark.parametrize("frozen_before", [False, True])
def test_what_a_run_leaves_in_cycles_is_finalized_before_it_returns(frozen_before: bool) -> None:
    _Finalized.ran = []
    gc.disable()  # no collection but the run's own
    if frozen_before:
        gc.freeze()
    try:
        report = run_contract(memory_stores(LeavesACycle), MEMORY, examples=2, steps=4, seed=1)
        assert report.ok and _Finalized.ran
        left = sum(isinstance(thing, _Finalized) for thing in gc.get_objects())
        assert left == 0
    finally:
        gc.unfreeze()
        gc.enable()
