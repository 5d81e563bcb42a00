"""What a store's refused call leaves half made is judged on that call.

s3fs's file for appending, when it cannot open (the name is a directory), is left half made in
the frames of the error it raises; its finalizer then writes the file. The contract lets go of
the error's frames before it reads the tree, so the write is seen at once and pinned on the
call, and never happens later in another thread, or at exit, where it hung the process.
"""

from __future__ import annotations

import gc
import itertools
import uuid
from collections.abc import Callable
from typing import IO, Any

import pytest

from pytest_localstore import MemoryArtifactStore
from pytest_localstore.contract import run_contract
from pytest_localstore.contract._checker import REFUSAL_CHANGES_NOTHING

#: The name the half-made file writes, at the root.
LEFT_BEHIND = "half-made"


class _HalfMade:
    """A file given up on while it was being made: its finalizer writes :data:`LEFT_BEHIND`."""

    def __init__(self, store: MemoryArtifactStore, error: OSError) -> None:
        self.store = store
        raise error

    def __del__(self) -> None:
        try:
            with MemoryArtifactStore.open(self.store, LEFT_BEHIND, "wb"):
                pass
        except OSError:
            pass


class LeavesHalfMadeWrites(MemoryArtifactStore):
    """fsspec's memory filesystem, which leaves a half-made file behind each write it refuses."""

    def open(self, path: Any, mode: str = "r") -> IO[Any]:
        try:
            return super().open(path, mode)
        except OSError as error:
            if mode.startswith("r"):
                raise
            _HalfMade(self, error)
            raise AssertionError("unreachable") from None


def memory_stores() -> Callable[[], LeavesHalfMadeWrites]:
    base, numbers = uuid.uuid4().hex, itertools.count()
    return lambda: LeavesHalfMadeWrites(f"memory://{base}/{next(numbers)}")


@pytest.mark.parametrize("call_timeout", [None, 30.0], ids=["no deadline", "a deadline"])
def test_a_write_left_half_made_is_pinned_on_the_call_that_refused(call_timeout: float | None) -> None:
    gc.disable()  # no collection may happen to finalize the file in between
    try:
        report = run_contract(
            memory_stores(), LeavesHalfMadeWrites.capabilities, examples=5, seed=2, call_timeout=call_timeout
        )
    finally:
        gc.enable()
    found = report.ordered()
    causes = [
        (entry.violation.method, entry.kind, entry.violation.problem.rule) for entry in report.ordered()
    ]
    assert causes == [("open", "data", REFUSAL_CHANGES_NOTHING)]
    [entry] = found
    assert f"unexpected ['{LEFT_BEHIND}']" in entry.violation.problem.detail
    assert entry.violation.program.rstrip().splitlines()[-3].startswith("with store.open(")
