"""A store that hangs: each call on a store not on this disk has a deadline (--call-timeout); a
call past it is a violation of its own, and the run goes on with fresh stores."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_localstore import Capabilities, LocalArtifactStore, MemoryArtifactStore
from pytest_localstore.contract import run_contract
from pytest_localstore.contract._deadline import HUNG_RULE, Deadline, Hung

from .test_contract import run_cli

#: Set at the end of each test: lets the calls left hanging return.
RELEASE = threading.Event()


@pytest.fixture(autouse=True)
def _release_hung_calls() -> Iterator[None]:
    RELEASE.clear()
    yield
    RELEASE.set()


class SizeHangs(MemoryArtifactStore):
    """fsspec's memory filesystem, whose ``size`` never returns (until the test ends)."""

    def size(self, path: Any) -> int:
        RELEASE.wait(60)
        return super().size(path)


def memory_stores(cls: type[MemoryArtifactStore]) -> Callable[[], MemoryArtifactStore]:
    base, numbers = uuid.uuid4().hex, itertools.count()
    return lambda: cls(f"memory://{base}/{next(numbers)}")


def test_a_call_that_hangs_is_a_violation_of_its_own_and_the_run_goes_on() -> None:
    started = time.monotonic()
    report = run_contract(
        memory_stores(SizeHangs), Capabilities.object_store(), examples=5, seed=1, call_timeout=0.2
    )
    assert time.monotonic() - started < 60
    assert list(report.entries) == [("size", "error", HUNG_RULE)]
    entry = report.entries[("size", "error", HUNG_RULE)]
    detail = entry.violation.problem.detail
    assert "had not returned after 0.2 s: the store hung" in detail and detail.count("store.size(") == 1
    assert entry.violation.program.rstrip().splitlines()[-2].startswith("store.size(")
    assert report.rows_failed["size"] == report.rows_failed.total()  # only the size rows failed
    assert report.rows_passed["open"] > 0 and report.calls["examples"] == 5


class SlowSizeOnDisk(LocalArtifactStore):
    def size(self, path: Any) -> int:
        time.sleep(0.3)
        return super().size(path)


def test_calls_on_a_store_on_this_disk_have_no_deadline(tmp_path: Path) -> None:
    numbers = itertools.count()
    report = run_contract(
        lambda: SlowSizeOnDisk(tmp_path / f"s{next(numbers)}"), examples=1, seed=1, call_timeout=0.1
    )
    assert report.ok


def test_a_deadline_gives_what_the_call_returned_or_raised() -> None:
    deadline = Deadline(5)
    assert deadline.call(lambda: 42) == 42
    with pytest.raises(KeyError, match="k"):
        deadline.call(lambda: {"a": 1}["k"])
    with pytest.raises(Hung, match=r"the nap had not returned after 0\.05 s"):
        Deadline(0.05).call(lambda: RELEASE.wait(60), "the nap")
    assert Deadline(None).call(threading.get_ident) == threading.get_ident()


def test_the_call_timeout_option() -> None:
    assert "--call-timeout SECONDS" in run_cli("--help").stdout
    result = run_cli("memory", "--call-timeout=0")
    assert result.returncode == 2
    assert "'0': expected a number of seconds above 0" in result.stderr
