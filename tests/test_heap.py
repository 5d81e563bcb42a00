"""A contract run sets the heap it starts with aside from the garbage collector, and only then."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any, ClassVar

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
