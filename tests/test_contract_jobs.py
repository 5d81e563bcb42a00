"""A contract run with several jobs: the same report as with one, and a time budget for the whole run."""

from __future__ import annotations

import io
import itertools
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_localstore import LocalArtifactStore, MemoryArtifactStore
from pytest_localstore.artifact_store import ArtifactStore
from pytest_localstore.contract import ROWS, Capabilities, run_contract
from pytest_localstore.contract._progress import Progress
from pytest_localstore.contract._report import Checked, json_document, render_text
from pytest_localstore.contract._runner import Report
from pytest_localstore.targets import targets_for
from pytest_localstore.testbed import REMOTE_JOBS

from .broken_stores import IgnoresOverwrite, RenameCopies, StaleCache, WrongErrorType

#: What memory stores are judged against.
MEMORY: Capabilities = MemoryArtifactStore.capabilities


def document(report: Report) -> dict[str, Any]:
    """The report as ``--json`` writes it, without its timing."""
    found = json_document([Checked("target", MEMORY, report)], report.seed, 0)
    for target in found["targets"]:
        del target["seconds"]
    return found


def memory_stores(cls: type[MemoryArtifactStore] = MemoryArtifactStore) -> Callable[[], ArtifactStore]:
    """Stores on memory filesystems of their own: fsspec's shared one is not safe in threads
    (a rename while another thread writes: "dictionary changed size during iteration")."""
    numbers = itertools.count()
    base = f"jobs-{time.monotonic_ns()}"

    def make() -> ArtifactStore:
        from fsspec.implementations.memory import MemoryFileSystem

        fs = MemoryFileSystem(skip_instance_cache=True)
        fs.store, fs.pseudo_dirs = {}, [""]  # this instance's own, not the class's
        return cls(f"memory://{base}/{next(numbers)}", fs=fs)

    return make


def on_disk(cls: type[LocalArtifactStore], base: Path) -> Callable[[], ArtifactStore]:
    numbers = itertools.count()
    return lambda: cls(base / f"s{next(numbers)}")


def test_a_conforming_store_gets_the_same_report_with_four_jobs() -> None:
    one = run_contract(memory_stores(), MEMORY, examples=12, steps=15, seed=5, jobs=1)
    four = run_contract(memory_stores(), MEMORY, examples=12, steps=15, seed=5, jobs=4)
    assert one.ok and one.calls["examples"] == 12
    assert document(one) == document(four)


@pytest.mark.parametrize("store", [StaleCache, RenameCopies, IgnoresOverwrite])
def test_a_broken_store_gets_the_same_report_with_four_jobs(
    tmp_path: Path, store: type[LocalArtifactStore]
) -> None:
    one = run_contract(on_disk(store, tmp_path / "one"), examples=20, steps=20, seed=3, jobs=1)
    four = run_contract(on_disk(store, tmp_path / "four"), examples=20, steps=20, seed=3, jobs=4)
    assert one.entries and not one.stopped
    assert document(one) == document(four)


class Overlap:
    """A factory of memory stores that records how many of its calls ever ran at once."""

    def __init__(self) -> None:
        self.make = memory_stores()
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def __call__(self) -> ArtifactStore:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(0.002)  # long enough for another thread to come in, if one may
            return self.make()
        finally:
            with self.lock:
                self.running -= 1


def test_a_factory_that_is_not_threadsafe_is_never_called_at_once() -> None:
    careful = Overlap()
    careful.threadsafe = False  # type: ignore[attr-defined]
    report = run_contract(careful, MEMORY, examples=3, steps=5, seed=1, jobs=4)
    assert report.ok
    assert careful.most == 1
    eager = Overlap()
    run_contract(eager, MEMORY, examples=3, steps=5, seed=1, jobs=4)
    assert eager.most > 1  # the check above can see calls at once


def test_the_time_budget_bounds_the_rows_too() -> None:
    report = run_contract(memory_stores(), examples=5, steps=5, seed=0, max_time=0.0, jobs=2)
    applicable = sum(row.applies_to(Capabilities()) for row in ROWS)
    assert sum(report.rows_not_run.values()) == applicable
    assert not report.rows_passed and not report.rows_failed
    assert report.out_of_time and not report.ok
    assert report.calls["examples"] == 0
    text = render_text(Checked("memory", Capabilities(), report), ascii_only=True)
    assert text.startswith("memory: not judged to the end\n")
    assert "NOT RUN" in text and "table row(s) not run" in text
    assert document(report)["targets"][0]["rows"]["not_run"] == dict(report.rows_not_run)
    assert document(report)["targets"][0]["conforms"] is False


def test_rows_not_done_when_the_run_is_stopped_are_listed_as_not_run(tmp_path: Path) -> None:
    asked = itertools.count()  # stop_requested is asked before every row: the 31st is not begun
    report = run_contract(
        on_disk(LocalArtifactStore, tmp_path),
        examples=5,
        steps=5,
        seed=0,
        stop_requested=lambda: next(asked) >= 30,
    )
    applicable = sum(row.applies_to(Capabilities()) for row in ROWS)
    assert report.interrupted and not report.out_of_time and not report.ok
    assert sum(report.rows_passed.values()) + sum(report.rows_failed.values()) == 30
    assert sum(report.rows_not_run.values()) == applicable - 30
    text = render_text(Checked("local", Capabilities(), report), ascii_only=True, interrupted_by="SIGTERM")
    assert "(stopped by SIGTERM: the report of what was found so far)" in text
    assert f"({applicable - 30} table row(s) not run, nor the state machine)" in text and "NOT RUN" in text
    assert "time budget" not in text


def test_a_run_that_stops_looking_at_the_cause_limit_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_localstore.contract import _report, _runner

    monkeypatch.setattr(_runner, "MAX_CAUSES", 1)  # the rows find one: no example is run
    monkeypatch.setattr(_report, "MAX_CAUSES", 1)
    report = run_contract(on_disk(WrongErrorType, tmp_path), examples=5, steps=5, seed=0)
    assert len(report.entries) == 1 and report.calls["examples"] == 0
    text = render_text(Checked("broken", Capabilities(), report), ascii_only=True)
    assert "(a run stops looking at 1 causes: the state machine stopped after 0 examples)" in text
    # Shards' causes merged may reach the limit when no shard did: that is not said.
    report.cause_limit = False
    text = render_text(Checked("broken", Capabilities(), report), ascii_only=True)
    assert "stops looking" not in text


def test_rows_cut_short_by_time_are_neither_passed_nor_failed() -> None:
    slow = memory_stores()

    def make() -> ArtifactStore:
        time.sleep(0.01)
        return slow()

    report = run_contract(make, examples=5, steps=5, seed=0, max_time=0.5)
    applicable = sum(row.applies_to(Capabilities()) for row in ROWS)
    ran = sum(report.rows_passed.values()) + sum(report.rows_failed.values())
    assert 0 < ran < applicable
    assert ran + sum(report.rows_not_run.values()) == applicable
    assert not report.ok


def test_quiet_writes_the_report_alone() -> None:
    from pytest_localstore.contract import _command

    out, err = io.StringIO(), io.StringIO()
    status = _command.run(["memory"], out=out, err=err, examples=2, steps=5, seed=1, quiet=True)
    assert status == 0 and out.getvalue().startswith("memory: conforms\n")
    assert err.getvalue() == ""


def test_the_progress_clock_starts_once_the_stores_are_set_up(monkeypatch: pytest.MonkeyPatch) -> None:
    # Setting up may take long the first time (Azurite installed by npm): not part of the run.
    from pytest_localstore.contract import _command
    from pytest_localstore.testbed import Testbed

    events: list[str] = []
    (memory,) = targets_for("memory")

    def stores() -> Any:
        with memory.setup() as make:
            events.append("set up")
            yield make

    class Noted(Progress):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            events.append("clock started")
            super().__init__(*args, **kwargs)

    testbed = Testbed("memory", memory.opening, stores, memory.capabilities, jobs=memory.jobs)
    monkeypatch.setattr(_command, "targets_for", lambda spec: [testbed])
    monkeypatch.setattr(_command, "Progress", Noted)
    status = _command.run(["memory"], out=io.StringIO(), err=io.StringIO(), examples=1, steps=2, seed=1)
    assert status == 0 and events == ["set up", "clock started"]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_one_line_rewritten_on_a_terminal_with_what_remains() -> None:
    terminal, log = Terminal(), io.StringIO()
    for stream in (terminal, log):
        progress = Progress(stream, clock=iter([100.0, 110.0, 120.0, 120.0, 130.0]).__next__)
        progress.say("memory: checking")
        progress("table rows: 20/532")  # 20 rows in 10 s: 512 more in 256 s
        progress("table rows: 40/532")
        progress("state machine: up to 40 examples of up to 30 steps, seed 1")
        progress("state machine: 10 examples, 0 cause(s) so far")  # 10 in 10 s: 30 more in 30 s
        progress.done()
        progress.say("memory: 1.0 s")
    shown = terminal.getvalue()
    assert shown.count("\n") == 2
    assert "\r\x1b[K  table rows: 40/532 (20 s, about 246 s left)" in shown
    assert log.getvalue().splitlines() == [
        "memory: checking",
        "  table rows: 20/532 (10 s, about 256 s left)",
        "  table rows: 40/532 (20 s, about 246 s left)",
        "  state machine: up to 40 examples of up to 30 steps, seed 1 (20 s)",
        "  state machine: 10 examples, 0 cause(s) so far (30 s, about 30 s left)",
        "memory: 1.0 s",
    ]


def test_a_log_gets_a_line_of_the_rows_every_two_seconds_and_their_last() -> None:
    log = io.StringIO()
    ticks = iter([100.0 + 0.5 * tick for tick in range(40)])
    progress = Progress(log, clock=ticks.__next__)  # started at 100 s; each report 0.5 s later
    for done in range(20, 181, 20):
        progress(f"table rows: {done}/180")  # at 100.5, 101.0, ... 104.5 s
    progress("state machine: up to 40 examples of up to 30 steps, seed 1")
    lines = [line.split(" (")[0].strip() for line in log.getvalue().splitlines()]
    assert lines == [
        "table rows: 80/180",  # 2 s after the start
        "table rows: 160/180",  # 2 s after that
        "table rows: 180/180",  # the last, whatever the time
        "state machine: up to 40 examples of up to 30 steps, seed 1",
    ]


def test_a_factory_target_runs_as_many_jobs_as_a_flavor_behind_a_network() -> None:
    (testbed,) = targets_for("tests.objtargets:unconfined")
    assert testbed.jobs == REMOTE_JOBS > 1  # its stores on this disk get one: run_contract sees to it


def test_a_factory_target_is_judged_by_its_own_capabilities_else_by_its_stores_class() -> None:
    (declared,) = targets_for("tests.objtargets:unconfined")
    (undeclared,) = targets_for("tests.objtargets:memory")
    with declared.setup() as make, undeclared.setup() as make_memory:
        assert declared.judged_by(make) == Capabilities(confined=False)
        assert undeclared.judged_by(make_memory) == MemoryArtifactStore.capabilities


def test_a_zenml_factory_that_is_not_threadsafe_says_so_through_its_wrapping() -> None:
    for name, threadsafe in (("local_alone", False), ("local", True)):
        (testbed,) = targets_for(f"zenml:tests.zenml_factories:{name}")
        with testbed.setup() as make:
            assert getattr(make, "threadsafe", True) is threadsafe
