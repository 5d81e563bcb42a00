"""When the contract reads a store's tree back: after calls that may change it and after the
last call, and a problem found late is still pinned on the call that made it."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_localstore import Capabilities, LocalArtifactStore
from pytest_localstore.contract import ROWS, check_row, run_contract
from pytest_localstore.contract._program import Call
from pytest_localstore.contract._replay import reads_tree_after, replay
from pytest_localstore.contract._runner import explore, setup_calls

from .broken_stores import AppendTruncates, IsdirLeavesMarkers, StaleCache, WriteEmptiesASibling


def fresh(cls: type[LocalArtifactStore], base: Path) -> Callable[[], LocalArtifactStore]:
    numbers = itertools.count()
    return lambda: cls(base / f"s{next(numbers)}")


class CountsWalks(LocalArtifactStore):
    """The local store, counting the walks made through it (the contract reads a tree by walking)."""

    walks = 0

    def walk(self, *args: Any, **kwargs: Any) -> Any:
        type(self).walks += 1
        return super().walk(*args, **kwargs)


def test_a_row_reads_its_starting_tree_back_once_and_after_its_call(tmp_path: Path) -> None:
    row = next(row for row in ROWS if len(row.setup) >= 3 and row.call.op == "exists")
    make = fresh(CountsWalks, tmp_path)
    CountsWalks.walks = 0
    assert check_row(row, make(), fresh=make) is None
    assert CountsWalks.walks == 2
    CountsWalks.walks = 0
    assert check_row(row, make()) is None  # without a factory of fresh stores: after every call
    assert CountsWalks.walks == len(setup_calls(row)) + 1


def test_which_calls_are_read_back() -> None:
    calls = [
        Call("exists", ("a",)),
        Call("makedirs", ("a",)),
        Call("exists", ("a/f",)),
        Call("open_write", ("a/f", "wb", b"x")),
        Call("isdir", ("a",)),
        Call("listdir", ("a",)),
    ]
    assert [reads_tree_after(calls, index) for index in range(len(calls))] == [
        False,
        True,
        False,
        True,
        False,
        True,  # the last
    ]
    # A row's first four calls build its starting tree: read back after the last of them only.
    assert [reads_tree_after(calls, index, setup=4) for index in range(len(calls))] == [
        False,
        False,
        False,
        True,
        False,
        True,
    ]


def test_a_read_that_writes_is_pinned_on_the_read_not_on_a_later_call(tmp_path: Path) -> None:
    calls = [
        Call("makedirs", ("a",)),
        Call("isdir", ("a",)),  # not read back: it may not change the tree
        Call("open_write", ("a/f", "wb", b"x")),  # read back: the marker shows here
    ]
    found = replay(calls, fresh(IsdirLeavesMarkers, tmp_path))
    assert found is not None
    index, problem = found
    assert (calls[index].op, problem.kind) == ("isdir", "data")
    assert ".dir" in problem.detail


def test_a_read_that_writes_is_named_by_the_rows_and_by_the_state_machine(tmp_path: Path) -> None:
    report = run_contract(fresh(IsdirLeavesMarkers, tmp_path / "run"), Capabilities(), examples=30, seed=3)
    assert {entry.violation.method for entry in report.entries.values()} == {"isdir"}
    assert {entry.kind for entry in report.entries.values()} == {"data"}
    alone = explore(
        fresh(IsdirLeavesMarkers, tmp_path / "alone"), Capabilities(), examples=60, steps=20, seed=3
    )
    assert alone.entries, "the state machine alone finds it too"
    assert {entry.violation.method for entry in alone.entries.values()} == {"isdir"}
    for entry in alone.entries.values():
        assert entry.violation.calls[-1].op == "isdir"


class CountsReads(LocalArtifactStore):
    """The local store, counting the files opened for reading through it."""

    reads = 0

    def open(self, path: Any, mode: str = "r") -> Any:
        if "r" in mode:
            type(self).reads += 1
        return super().open(path, mode)


def test_before_the_last_call_only_the_files_the_model_changed_are_read(tmp_path: Path) -> None:
    calls = [Call("open_write", (f"f{index}", "wb", b"x")) for index in range(5)]
    calls.append(Call("exists", ("f0",)))
    CountsReads.reads = 0
    assert replay(calls, fresh(CountsReads, tmp_path / "partial")) is None
    # After each write, the one file it wrote; after the last call, all five.
    assert CountsReads.reads == 5 + 5
    CountsReads.reads = 0
    assert replay(calls, fresh(CountsReads, tmp_path / "every"), every=True) is None
    assert CountsReads.reads == 1 + 2 + 3 + 4 + 5 + 5


def test_harm_to_a_file_no_call_named_is_pinned_on_the_call_that_did_it(tmp_path: Path) -> None:
    calls = [
        Call("open_write", ("a", "wb", b"first")),
        Call("open_write", ("b", "wb", b"second")),  # empties 'a': its partial read back does not read 'a'
        Call("exists", ("c",)),  # the last call: the tree is read back in full
    ]
    found = replay(calls, fresh(WriteEmptiesASibling, tmp_path / "partial"))
    assert found is not None
    index, problem = found
    assert (calls[index].args[0], problem.kind) == ("b", "data")
    assert "a: expected b'first', found b''" in problem.detail
    every = replay(calls, fresh(WriteEmptiesASibling, tmp_path / "every"), every=True)
    assert every is not None and (every[0], every[1].detail) == (index, problem.detail)


def test_the_state_machine_names_the_write_that_harmed_another_file(tmp_path: Path) -> None:
    found = explore(fresh(WriteEmptiesASibling, tmp_path), Capabilities(), examples=10, steps=12, seed=5)
    assert found.entries, "the state machine alone finds it"
    for entry in found.entries.values():
        assert entry.kind == "data"
        last = entry.violation.calls[-1]
        assert last.op in ("open_write", "open_append", "open_exclusive"), entry.violation.calls


class CountsStores:
    """A factory of fresh stores of *cls*, counting the stores it has made."""

    def __init__(self, cls: type[LocalArtifactStore], base: Path) -> None:
        self.cls, self.base, self.made = cls, base, 0

    def __call__(self) -> LocalArtifactStore:
        self.made += 1
        return self.cls(self.base / f"s{self.made}")


def test_a_problem_right_after_a_read_in_full_is_not_run_again(tmp_path: Path) -> None:
    row = next(row for row in ROWS if row.id == "open: append to an existing file")
    make = CountsStores(AppendTruncates, tmp_path / "row")
    violation = check_row(row, make(), fresh=make)
    assert violation is not None and violation.calls[-1] == row.call
    assert make.made == 1, "the starting tree was read back in full: the problem is the row's call's"
    write, append = Call("open_write", ("a", "wb", b"x")), Call("open_write", ("a", "ab", b"y"))
    make = CountsStores(AppendTruncates, tmp_path / "replay")
    found = replay([write, append], make)
    assert found is not None and found[0] == 1 and make.made == 1


def test_a_problem_after_a_partial_read_is_run_again(tmp_path: Path) -> None:
    calls = [
        Call("open_write", ("a", "wb", b"x")),
        Call("open_write", ("b", "wb", b"x")),  # read back in part: 'a' is listed, not read
        Call("open_write", ("a", "ab", b"y")),
    ]
    make = CountsStores(AppendTruncates, tmp_path)
    found = replay(calls, make)
    assert found is not None and found[0] == 2
    assert make.made == 2, "pinned on its call on a fresh store"


def test_a_row_asks_first_for_the_paths_its_call_names_and_the_folders_above_them() -> None:
    rows = {row.id: row for row in ROWS}
    asked = {
        row_id: [call.source() for call in setup_calls(rows[row_id]) if call.op in ("exists", "isdir")]
        for row_id in (
            "exists: a doubled separator ('d//x.txt')",
            "listdir: the root itself",
            "rename: file onto non-empty dir, overwrite",
            "isdir: a file in a directory",
        )
    }
    assert asked == {
        "exists: a doubled separator ('d//x.txt')": ["store.exists('d')", "store.exists('d/x.txt')"],
        "listdir: the root itself": [],
        # not d/x: the call names d
        "rename: file onto non-empty dir, overwrite": ["store.exists('f')", "store.exists('d')"],
        "isdir: a file in a directory": ["store.isdir('d')", "store.isdir('d/f')"],  # its own question
    }
    for row in ROWS:  # every path is still made, each once, folders first
        made = [call.args[0] for call in setup_calls(row) if call.op not in ("exists", "isdir")]
        assert made == sorted((path for path, _ in row.setup), key=lambda path: path.count("/"))


class StaleIsdir(LocalArtifactStore):
    """isdir remembers its first answer for each path, forever."""

    def __init__(self, path: Any) -> None:
        super().__init__(path)
        self.seen: dict[str, bool] = {}

    def isdir(self, path: Any) -> bool:
        return self.seen.setdefault(os.fsdecode(path), super().isdir(path))


@pytest.mark.parametrize(
    ("store", "row_id"), [(StaleCache, "exists: a file"), (StaleIsdir, "isdir: a directory")]
)
def test_a_store_with_stale_answers_fails_a_row_that_looks_at_a_path_it_was_asked_for(
    tmp_path: Path, store: type[LocalArtifactStore], row_id: str
) -> None:
    row = next(row for row in ROWS if row.id == row_id)
    make = fresh(store, tmp_path)
    found = check_row(row, make(), fresh=make)
    assert found is not None and found.calls[-1] == row.call
    assert "returned False" in str(found.problem)
    plain = fresh(LocalArtifactStore, tmp_path / "plain")
    assert check_row(row, plain(), fresh=plain) is None
