"""A random sequence that runs into a cause already known is dropped for another, a few times a
run at most: then it is kept, explored up to that cause (``MAX_DROPPED``)."""

from __future__ import annotations

from typing import IO, Any

import pytest

from pytest_localstore import MemoryArtifactStore
from pytest_localstore.artifact_store import PathType
from pytest_localstore.contract import run_contract
from pytest_localstore.contract._machine import MAX_DROPPED
from pytest_localstore.contract._runner import explore

from .broken_stores import _WritesNothing
from .test_contract_jobs import MEMORY, document, memory_stores


class MemoryWritesLost(MemoryArtifactStore):
    """A memory store whose every file opened for writing keeps nothing (one that threads share)."""

    def open(self, path: PathType, mode: str = "r") -> IO[Any]:
        handle = super().open(path, mode)
        return _WritesNothing(handle) if set(mode) & set("wax") else handle  # type: ignore[return-value]


def test_a_store_that_breaks_every_sequence_still_gets_its_examples() -> None:
    report = run_contract(memory_stores(MemoryWritesLost), MEMORY, examples=4, steps=6, seed=3)
    assert report.calls["examples"] == 4  # not given up: each ran into the known cause, and was kept
    assert MAX_DROPPED <= report.calls["dropped"] <= 4 * MAX_DROPPED
    assert "open" in [entry.violation.method for entry in report.entries.values()]


def test_the_drops_are_the_same_at_any_number_of_jobs() -> None:
    one, four = (
        run_contract(memory_stores(MemoryWritesLost), MEMORY, examples=6, steps=6, seed=8, jobs=jobs)
        for jobs in (1, 4)
    )
    assert one.calls["examples"] == 6 and one.calls["dropped"] >= MAX_DROPPED
    assert one.calls == four.calls and document(one) == document(four)


def test_a_known_cause_is_not_run_again_to_pin_its_call(monkeypatch: pytest.MonkeyPatch) -> None:
    from pytest_localstore.contract import _replay, _runner

    pinned: list[tuple[str, ...]] = []
    original = _replay.pinned

    def counting(calls: Any, *args: Any, **kwargs: Any) -> Any:
        pinned.append(tuple(call.op for call in calls))
        return original(calls, *args, **kwargs)

    monkeypatch.setattr(_replay, "pinned", counting)
    monkeypatch.setattr(_runner, "shortest_calls", lambda violation, *args: violation)  # no replays
    report = explore(memory_stores(MemoryWritesLost), MEMORY, examples=6, steps=8, seed=3)
    assert report.calls["examples"] == 6 and report.calls["dropped"] >= MAX_DROPPED
    # Only a problem whose cause is new is pinned: once per cause the report has, at most.
    assert report.entries and len(pinned) <= len(report.entries)
