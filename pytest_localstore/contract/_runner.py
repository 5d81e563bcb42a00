"""Running the contract: the table's rows, the state machine, and one entry per cause.

The pytest suite and ``localstore contract`` both run through here. A
violation's program keeps only the calls it needs (they are taken out, in runs
and then one at a time, while the same cause still shows). Violations with the same cause (store
method, kind, rule) are one entry of the report, with their count; once a cause
has a program, the state machine drops examples that run into it again and
spends its time on other causes. Hypothesis does not shrink (taking calls out
is bounded and enough), so a report comes within a time budget; with a seed,
the same store gives the same report.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..artifact_store import ArtifactStore
from ..capabilities import FULL, Capabilities
from ._checker import KINDS
from ._database import example_database
from ._deadline import HUNG_RULE, Deadline
from ._escapes import STAND_INS, link_made_for, link_source, outside_in, sibling_preamble
from ._heap import frozen_heap
from ._jobs import (
    Jobs,
    Pending,
    ThreadCounts,
    ThreadKnown,
    WarningLog,
    hypothesis_threadsafe,
    warnings_per_thread,
)
from ._machine import ContractViolation, Explored, StoreFactory, Violation, contract_machine, guarded
from ._model import ReferenceModel, split
from ._operations import OPERATIONS
from ._outcomes import Outcome
from ._program import DEFAULT_OPENING, Call, render
from ._replay import replay
from ._rows import ROWS, Row
from ._sandbox import RunStopped, Sandbox, on_this_disk
from ._settings import RUN_CALL_TIMEOUT, RUN_EXAMPLES, RUN_STEPS, contract_settings
from ._shared_models import SharedModels

if TYPE_CHECKING:
    from hypothesis.database import ExampleDatabase

if sys.version_info < (3, 11):  # pragma: no cover - Hypothesis brings the backport
    from exceptiongroup import BaseExceptionGroup  # type: ignore[import-not-found,unused-ignore]

#: At most this many replays to take calls out of one violation's program.
MINIMISING_REPLAYS = 400
#: A run stops looking once it has found this many causes.
MAX_CAUSES = 60
#: Examples per Hypothesis run: each run gives up to five of every six examples to copies of
#: steps within one it made (its mutator), so short runs, each with its own seed, keep most fresh.
ROUND_EXAMPLES = 1
#: Seconds between progress reports while the state machine runs.
PROGRESS_EVERY = 2.0


def setup_calls(row: Row) -> list[Call]:
    """The store calls that build a row's starting tree (in order of depth).

    A path the row's call names, or a folder above one, is first asked for
    (``exists``, or ``isdir`` where that is the row's own question: either must
    say False) and then created, so a store that remembers stale answers about
    what the call looks at fails the row. The other paths are created at once:
    asking costs one or two round trips a path on a store behind a network (a
    quarter of a ZenML S3 store's requests).
    """
    named = _named_below_root(row.call)
    question = "isdir" if row.call.op == "isdir" else "exists"
    calls = []
    for path, content in sorted(row.setup, key=lambda item: item[0].count("/")):
        if path in named:
            calls.append(Call(question, (path,)))
        calls.append(
            Call("makedirs", (path,)) if content is None else Call("open_write", (path, "wb", content))
        )
    return calls


def _named_below_root(call: Call) -> set[str]:
    """The paths *call* names below the root (``a/b`` for ``'a/b/'``), and the folders above them."""
    named: set[str] = set()
    for index in OPERATIONS[call.op].path_args:
        path = call.args[index]
        if isinstance(path, (str, bytes, os.PathLike)):
            names = split(os.fsdecode(path))
            named.update("/".join(names[:end]) for end in range(1, len(names) + 1))
    return named


def row_model(row: Row, capabilities: Capabilities = FULL) -> ReferenceModel:
    """The reference model holding a row's starting tree."""
    return ReferenceModel.holding(row.setup, capabilities)


def row_outcome(row: Row, capabilities: Capabilities = FULL) -> Outcome:
    """What the reference model allows for the row's call."""
    return row_model(row, capabilities).outcome(row.call.op, row.call.args)


def check_row(
    row: Row,
    store: ArtifactStore,
    capabilities: Capabilities = FULL,
    sandbox: Sandbox | None = None,
    *,
    fresh: StoreFactory | None = None,
) -> Violation | None:
    """Run one row on an empty *store*: its starting tree, then its call; the violation, if any.

    With *fresh*, a factory of more stores, the starting tree is read back once it is built
    (a problem is then pinned on its call on a fresh store, see ``_replay``); without, after
    every call. What the contract makes beside the root goes in *sandbox* (the run's), or in
    one of the row's own, removed at its end. A store that harms what lies around its root
    raises :class:`RunStopped`, whose violation is the row's.
    """
    calls = [*setup_calls(row), row.call]
    given = [store]

    def make() -> ArtifactStore:
        return given.pop() if given else fresh()  # type: ignore[misc]

    found = replay(
        calls,
        make,
        capabilities,
        sandbox,
        source=f"table row '{row.id}'",
        setup=len(calls) - 1,
        every=fresh is None,
    )
    if found is None:
        return None
    index, problem = found
    return Violation(tuple(calls[: index + 1]), problem, f"table row '{row.id}'")


def shortest_calls(
    violation: Violation,
    make_store: StoreFactory,
    capabilities: Capabilities = FULL,
    sandbox: Sandbox | None = None,
    give_up: Callable[[], bool] = lambda: False,
) -> Violation:
    """*violation* with every call it does not need taken out (a bounded number of replays).

    Calls may go if, without them, the calls still end in the same cause. The last call
    alone is tried first (a table row's cause is mostly its call's, whatever tree it starts
    from); then runs of calls are taken out, the longest first (half the program, then a
    quarter, ... then one call at a time), each replay on a fresh store. Once *give_up* says
    so (the run is out of time, or ending), the shortest program found so far.
    """

    tried: list[list[Call]] = []  # programs already tried (compared, not hashed: any argument)

    def same_cause(trial: list[Call]) -> Violation | None:
        if trial in tried:
            return None
        tried.append(trial)
        # The tree is read back in full before the last call, the one that shows the cause: a
        # problem there is then its own, not run again to pin it (see ``_replay``).
        found = replay(trial, make_store, capabilities, sandbox, setup=len(trial) - 1)
        if found is None:
            return None
        candidate = Violation(tuple(trial[: found[0] + 1]), found[1], violation.source)
        return candidate if candidate.cause == violation.cause else None

    calls = list(violation.calls)
    if len(calls) > 1 and (alone := same_cause(calls[-1:])) is not None:
        return alone
    shortest = same_cause(calls)
    if shortest is None:
        return violation  # not reproducible on a fresh store: keep it as it was seen
    budget = MINIMISING_REPLAYS
    size = max(1, (len(shortest.calls) - 1) // 2)
    while budget > 0 and not give_up():
        calls = list(shortest.calls)
        for end in range(len(calls) - 1, 0, -size):  # the last call stays: it shows the cause
            if budget <= 0 or give_up():
                break
            budget -= 1
            shorter = same_cause(calls[: max(0, end - size)] + calls[end:])
            if shorter is not None:
                shortest = shorter
                size = min(size, max(1, (len(shorter.calls) - 1) // 2))
                break
        else:
            if size == 1:
                break  # no call can go on its own
            size //= 2
    return shortest


#: Where a violation was first seen, in the order a whole run takes its work: ``(0, row)``, a
#: table row by its index among the rows that apply; ``(1, run)``, a state-machine run by its
#: index; ``(2, 0)``, the call that ended the run. Shards' reports merge by it.
FirstSeen = tuple[int, int]


@dataclass
class Entry:
    """One cause: the violation with the shortest program, and how often the cause was seen."""

    violation: Violation
    count: int = 1
    sources: Counter[str] = field(default_factory=Counter)
    first: FirstSeen = (0, 0)

    @property
    def kind(self) -> str:
        return self.violation.problem.kind


@dataclass
class Report:
    """What a contract run found: rows per operation, calls made, one entry per cause."""

    seed: int = 0
    #: ``(K, N)``: the run was the K-th of N shards (see :func:`run_contract`); ``(1, 1)``: whole.
    shard: tuple[int, int] = (1, 1)
    rows_passed: Counter[str] = field(default_factory=Counter)
    rows_failed: Counter[str] = field(default_factory=Counter)
    #: Rows the time budget left out, per operation: neither passed nor failed.
    rows_not_run: Counter[str] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)
    entries: dict[tuple[str, str, str], Entry] = field(default_factory=dict)
    seconds: float = 0.0
    interrupted: bool = False
    out_of_time: bool = False
    #: Whether the state machine stopped because the run had found ``MAX_CAUSES`` causes.
    cause_limit: bool = False
    #: Why the run ended before its end, when a store harmed what lies around its root or the
    #: contract could not go on ("" if it did not); the report is what was found until then.
    stopped: str = ""
    #: Whether a place outside the root was watched (a confined store on the local disk).
    outside_watched: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the store conforms: no cause found, and every row run."""
        return not self.entries and not self.stopped and not self.rows_not_run

    def stop(self, stop: RunStopped) -> None:
        """Record why the run ended early, and the violation that ended it, if one did."""
        self.stopped = stop.reason
        if stop.violation is not None:
            source = "table rows" if stop.violation.source.startswith("table row") else "random sequences"
            self.add(stop.violation, source, (2, 0))

    def add(self, violation: Violation, source: str, first: FirstSeen = (0, 0)) -> bool:
        """Count *violation* under its cause, first seen at *first*; True if the cause is new."""
        entry = self.entries.get(violation.cause)
        if entry is None:
            self.entries[violation.cause] = Entry(violation, 1, Counter({source: 1}), first)
            return True
        entry.count += 1
        entry.sources[source] += 1
        return False

    def ordered(self) -> list[Entry]:
        """The entries, most serious kind first, then in the order they were found."""
        return sorted(self.entries.values(), key=lambda entry: KINDS.index(entry.kind))

    def totals(self) -> dict[str, int]:
        """Causes found per kind."""
        found = Counter(entry.kind for entry in self.entries.values())
        return {kind: found[kind] for kind in KINDS}


def new_seed() -> int:
    """A seed for a run that was given none (printed, so the run can be repeated)."""
    return random.SystemRandom().randrange(2**32)


def run_contract(
    make_store: StoreFactory,
    capabilities: Capabilities = FULL,
    *,
    examples: int = RUN_EXAMPLES,
    steps: int = RUN_STEPS,
    seed: int | None = None,
    opening: str = DEFAULT_OPENING,
    max_time: float | None = None,
    database: str | ExampleDatabase | None = None,
    progress: Callable[[str], None] = lambda message: None,
    stop_requested: Callable[[], bool] = lambda: False,
    jobs: int = 1,
    shard: tuple[int, int] = (1, 1),
    call_timeout: float | None = RUN_CALL_TIMEOUT,
) -> Report:
    """Every applicable row, then up to *examples* random sequences of up to *steps* calls.

    *shard* ``(K, N)`` runs the K-th of N disjoint parts of that work: every N-th row and
    every N-th sequence, from the K-th on, each sequence with the seed it has in the whole
    run; the N shards' reports merge (``localstore contract --merge``) into the whole run's.
    A call on a store not on this disk that has not returned after *call_timeout* seconds
    (None: no limit) is a violation of its own, and the run goes on with a fresh store.
    *database* keeps the failing examples for the next run: a directory, a ``redis://`` URL
    (for shards on many machines) or a Hypothesis ``ExampleDatabase``.

    Up to *jobs* rows, sequences or replays run at once, in threads, each on a fresh store
    (one, if *make_store* has a false ``threadsafe`` attribute or makes stores on this disk);
    the report is the same for any number. Stops early at *max_time* seconds, rows included
    (``report.rows_not_run``), at Ctrl-C, or once *stop_requested* says so, checked before
    every row and every example (``report.interrupted``), with what was found so far. A store
    that harms what lies around its root, or a factory that raises, ends the run at once
    (``report.stopped``), with a report too. Whatever the contract made beside the roots is
    gone when this returns or raises.
    """
    saved = example_database(database)
    seed = new_seed() if seed is None else seed
    report = Report(seed=seed, shard=shard)
    started = time.monotonic()
    if not getattr(make_store, "threadsafe", True):
        jobs = 1
    if jobs > 1 and on_this_disk(make_store().path):
        # A store on this disk is CPU-bound here (threads buy nothing on it), and one call at a
        # time keeps the canaries' verdict exact: the call that harmed is the one reported.
        jobs = 1

    def out_of_time() -> bool:
        return max_time is not None and time.monotonic() - started > max_time

    with frozen_heap(), Sandbox() as sandbox, Jobs(jobs) as work, SharedModels() as models:
        sandbox.deadline = Deadline(call_timeout)
        make = guarded(make_store, sandbox, models.share)
        shortening = Shortening(report, work, make, capabilities, sandbox, out_of_time)
        try:
            _run_rows(report, make, capabilities, progress, stop_requested, sandbox, shortening, out_of_time)
            if not report.out_of_time:
                examples = len(range(shard[0] - 1, examples, shard[1]))
                progress(
                    f"state machine: up to {_count(examples, 'example')} of up to {steps} steps,"
                    f" seed {report.seed}"
                )
                with Jobs(jobs if hypothesis_threadsafe() else 1) as runs:
                    _run_machine(
                        report,
                        Exploration(make, capabilities, steps, saved, sandbox),
                        examples,
                        runs,
                        shortening,
                        max_time,
                        started,
                        progress,
                        stop_requested,
                    )
            shortening.finish()
        except KeyboardInterrupt:
            report.interrupted = True
        except RunStopped as stop:
            report.stop(stop)
        finally:
            work.ending.set()
            shortening.finish(strict=False)
    for entry in report.entries.values():
        if not entry.violation.program:
            entry.violation.program = program_of(entry.violation, opening, watched=report.outside_watched)
    report.seconds = time.monotonic() - started
    return report


class Shortening:
    """The programs of new causes, shortened (:func:`shortest_calls`) as jobs, each on its own
    stores; with one job, at once, as each cause is found."""

    def __init__(
        self,
        report: Report,
        work: Jobs,
        make_store: StoreFactory,
        capabilities: Capabilities,
        sandbox: Sandbox,
        out_of_time: Callable[[], bool] = lambda: False,
    ) -> None:
        self.report, self.work, self.make_store = report, work, make_store
        self.capabilities, self.sandbox = capabilities, sandbox
        self.give_up = lambda: out_of_time() or work.ending.is_set()
        self.pending: dict[tuple[str, str, str], Pending[Violation]] = {}

    def start(self, violation: Violation) -> None:
        """Shorten *violation*'s program, the program of its cause's entry once done (not that of
        a call that hung: each try would wait out the deadline)."""
        if violation.problem.rule == HUNG_RULE:
            return
        self.pending[violation.cause] = self.work.submit(
            shortest_calls, violation, self.make_store, self.capabilities, self.sandbox, self.give_up
        )
        if self.work.count == 1:
            self.finish()

    def finish(self, *, strict: bool = True) -> None:
        """Wait for every program under way and put it in its entry. Not *strict*: only those
        done, whatever went wrong with the others (a run that ends early)."""
        pending, self.pending = self.pending, {}
        for cause, shortened in pending.items():
            try:
                self.report.entries[cause].violation = shortened.result()
            except BaseException:
                if strict:
                    raise


def _run_rows(
    report: Report,
    make_store: StoreFactory,
    capabilities: Capabilities,
    progress: Callable[[str], None],
    stop_requested: Callable[[], bool],
    sandbox: Sandbox,
    shortening: Shortening,
    out_of_time: Callable[[], bool] = lambda: False,
) -> None:
    """Every applicable row, each on a fresh store, as jobs; their results taken in row order.

    Rows not begun when time is up, or not done when the run is stopped (Ctrl-C, SIGTERM, a
    store that harmed what lies around its root), are counted in ``report.rows_not_run``.
    """
    applying = [row for row in ROWS if row.applies_to(capabilities)]
    part, parts = report.shard
    numbers = list(range(part - 1, len(applying), parts))  # each row's index in the whole run
    rows = [applying[number] for number in numbers]
    first: list[bool] = []  # whether the first store's outside is watched

    def run_row(row: Row, index: int) -> Violation | None:
        store = make_store()
        if index == 0:
            first.append(capabilities.confined and on_this_disk(store.path))
        return check_row(row, store, capabilities, sandbox, fresh=make_store)

    jobs = shortening.work
    ahead = 1 if jobs.count == 1 else 4 * jobs.count
    pending: dict[int, Pending[Violation | None]] = {}
    counted = 0  # rows passed or failed so far: the others are not run if the run is stopped
    try:
        for index, row in enumerate(rows):
            if stop_requested():
                raise KeyboardInterrupt
            for later in range(index, min(len(rows), index + ahead)):
                if later not in pending and not out_of_time():
                    pending[later] = jobs.submit(run_row, rows[later], later)
            if index not in pending:
                report.out_of_time = True
                report.rows_not_run.update(left.operation for left in rows[index:])
                progress(f"table rows: {index}/{len(rows)}, the time budget ran out")
                _stop_for_harm_left_behind(pending)
                return
            try:
                violation = pending.pop(index).result()
            except RunStopped:
                report.rows_failed[row.operation] += 1
                counted += 1
                raise
            finally:
                if index == 0:
                    report.outside_watched = bool(first and first[0])
            if violation is None:
                report.rows_passed[row.operation] += 1
            else:
                report.rows_failed[row.operation] += 1
                if report.add(violation, "table rows", (0, numbers[index])):
                    shortening.start(violation)
            counted += 1
            if (index + 1) % 20 == 0 or index + 1 == len(rows):
                progress(f"table rows: {index + 1}/{len(rows)}, {len(report.entries)} cause(s) so far")
    except (KeyboardInterrupt, RunStopped):
        report.rows_not_run.update(left.operation for left in rows[counted:])
        raise


@dataclass
class RunOutcome:
    """One Hypothesis run of the state machine (one example), run on its own: what it found,
    the calls it made, and how it ended, for the runner to take in order."""

    known: frozenset[tuple[str, str, str]]
    calls: Counter[str] = field(default_factory=Counter)
    found: list[Violation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    out_of_time: bool = False
    #: Hypothesis gave up (every example it tried ran into a known cause).
    gave_up: bool = False
    error: BaseException | None = None


@dataclass
class Exploration:
    """What every run of the state machine in one contract run shares."""

    make_store: StoreFactory
    capabilities: Capabilities
    steps: int
    database: ExampleDatabase | None = None
    sandbox: Sandbox | None = None
    on_example: Callable[[], None] = lambda: None
    log: WarningLog = field(default_factory=WarningLog)
    _counts: ThreadCounts = field(default_factory=ThreadCounts)
    _known: ThreadKnown = field(default_factory=ThreadKnown)
    _machine: Any = None

    def machine(self) -> Any:
        """The state machine class, made on first use: one for every run, so that every run
        draws from the same strategies whatever the thread or the causes known."""
        if self._machine is None:
            self._machine = contract_machine(
                self.make_store,
                self.capabilities,
                stats=self._counts,
                known=self._known,
                on_example=lambda: self.on_example(),
                sandbox=self.sandbox,
            )
        return self._machine

    def run(self, index: int, seed: int, known: frozenset[tuple[str, str, str]]) -> RunOutcome:
        """The *index*-th run, with *seed*, dropping examples that run into a cause in *known*."""
        from hypothesis import Phase, Verbosity
        from hypothesis import seed as use_seed
        from hypothesis.errors import HypothesisException
        from hypothesis.stateful import run_state_machine_as_test

        outcome = RunOutcome(known)
        machine = self.machine()
        self._counts.start(outcome.calls)
        self._known.start(known)

        def factory() -> Any:
            # A function, not the class: Hypothesis reads its source for the database key, and
            # reading a class's source parses its module (not safe in threads on Python 3.11).
            return machine()

        config = contract_settings(
            ROUND_EXAMPLES,
            self.steps,
            database=self.database,
            report_multiple_bugs=False,
            print_blob=False,
            verbosity=Verbosity.quiet,
            # The examples saved in the database are replayed once, in the first run.
            phases=(Phase.explicit, Phase.reuse, Phase.generate) if index == 0 else (Phase.generate,),
        )
        outcome.warnings = self.log.start()
        try:
            run_state_machine_as_test(use_seed(seed)(factory), settings=config)  # type: ignore[arg-type,no-untyped-call,unused-ignore]
        except Explored:
            outcome.out_of_time = True
            return outcome
        except BaseException as error:
            violations = _violations_in(error)
            if violations is not None:
                outcome.found = violations
            elif isinstance(error, HypothesisException):
                outcome.gave_up = True
            else:
                outcome.error = error
        finally:
            self.log.messages = None
        # One example a run, whatever Hypothesis ran to get it: an example it threw away (one
        # that ran out of choices), or a failing one run again at the end to raise its error.
        outcome.calls["examples"] = 0 if outcome.gave_up or outcome.error is not None else 1
        return outcome


def _run_machine(
    report: Report,
    exploration: Exploration,
    examples: int,
    runs: Jobs,
    shortening: Shortening,
    max_time: float | None = None,
    started: float = 0.0,
    progress: Callable[[str], None] = lambda message: None,
    stop_requested: Callable[[], bool] = lambda: False,
) -> None:
    """Hypothesis runs of one example each, each seed drawn from the report's, as jobs (in a
    shard, the runs it has of the whole run's, each with the seed it has there).

    Each run is given the causes known when it starts; its outcome is taken in run order,
    as if the runs had gone one after the other, each knowing every cause found before
    it. A run that ran into a cause found since it started is run again, knowing it: the
    run in order would have dropped that example and tried another. Runs past the end
    are thrown away.
    """

    def on_example() -> None:
        if stop_requested():
            raise KeyboardInterrupt
        if runs.ending.is_set() or (max_time is not None and time.monotonic() - started > max_time):
            raise Explored

    exploration.on_example = on_example
    exploration.machine()  # made here, before any thread needs it
    seeds = random.Random(report.seed)  # each run's seed, drawn from the report's
    drawn: list[int] = []
    part, parts = report.shard

    def whole(index: int) -> int:
        """The index in the whole run of this shard's *index*-th run."""
        return index * parts + part - 1

    def start(index: int) -> Pending[RunOutcome]:
        while len(drawn) <= whole(index):
            drawn.append(seeds.getrandbits(64))
        return runs.submit(exploration.run, index, drawn[whole(index)], frozenset(report.entries))

    pending: dict[int, Pending[RunOutcome]] = {}
    index, last_progress = 0, time.monotonic()
    with warnings_per_thread() as exploration.log:
        while report.calls["examples"] < examples and len(report.entries) < MAX_CAUSES:
            # The database's examples are replayed by the first run alone, before the others start.
            alone = runs.count == 1 or (exploration.database is not None and index == 0)
            ahead = 1 if alone else min(examples - report.calls["examples"], 2 * runs.count)
            for later in range(index, index + ahead):
                if later not in pending:
                    pending[later] = start(later)
            outcome = pending.pop(index).result()
            if any(v.cause in report.entries and v.cause not in outcome.known for v in outcome.found):
                pending[index] = start(index)
                continue
            report.calls.update(outcome.calls)
            if outcome.gave_up:
                break
            if outcome.error is not None:
                raise outcome.error
            report.warnings += [message for message in outcome.warnings if message not in report.warnings]
            seen = (1, whole(index))
            new = [found for found in outcome.found if report.add(found, "random sequences", seen)]
            for violation in new:
                shortening.start(violation)
            if new:  # runs not yet begun would not know the new causes: begin them again, knowing them
                for later, waiting in list(pending.items()):
                    if waiting.cancel():
                        pending[later] = start(later)
            if outcome.out_of_time:
                report.out_of_time = True
                break
            index += 1
            if time.monotonic() - last_progress >= PROGRESS_EVERY:
                last_progress = time.monotonic()
                found = len(report.entries)
                done = _count(report.calls["examples"], "example")
                progress(f"state machine: {done}, {found} cause(s) so far")
        report.cause_limit = len(report.entries) >= MAX_CAUSES
        runs.ending.set()
        _stop_for_harm_left_behind(pending)


def _stop_for_harm_left_behind(pending: dict[int, Pending[Any]]) -> None:
    """Raise the first :class:`RunStopped` among work begun but past the end of the run.

    Its result is not part of the report, but a store that harmed what lies around its root
    while doing it must still be reported; work not begun is called off.
    """
    for index in sorted(pending):
        waiting = pending.pop(index)
        if waiting.cancel():
            continue
        try:
            error = getattr(waiting.result(), "error", None)
        except RunStopped as stop:
            error = stop
        except BaseException:
            continue
        if isinstance(error, RunStopped):
            raise error


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}{'' if number == 1 else 's'}"


def _violations_in(error: BaseException) -> list[Violation] | None:
    """The violations *error* holds (it may be a group of them), or None if it holds anything else."""
    if isinstance(error, ContractViolation):
        return [error.violation]
    if isinstance(error, BaseExceptionGroup):
        found: list[Violation] = []
        for inner in error.exceptions:
            more = _violations_in(inner)
            if more is None:
                return None
            found += more
        return found
    return None


def program_of(violation: Violation, opening: str = DEFAULT_OPENING, *, watched: bool = True) -> str:
    """*violation* as a program that runs as pasted, after *opening* makes the store.

    A program with a path that leaves the root first makes the watched sibling, for a store
    on this disk (not *watched*: the run watched nothing outside, its stores being elsewhere,
    and the program makes nothing); a call through a link the contract makes is preceded by
    the line that makes it and followed (unless it is the last) by the one that removes it,
    as the contract did.
    """
    escaping = [
        outside
        for call in violation.calls
        if (outside := outside_in(call.args)) is not None and outside.form != "nul"  # names no place
    ]
    if escaping and watched:
        neighbour = any(outside.form in STAND_INS for outside in escaping)
        opening = f"{opening}\n{sibling_preamble(neighbour)}"
    return render(list(violation.calls), _note(violation), opening, _link_lines)


def _link_lines(call: Call) -> tuple[str, str] | None:
    """The lines that make, and then remove, the link *call* goes through (None: no link)."""
    made = link_source(call.args)
    place = link_made_for(call.args)
    if made is None or place is None:
        return None
    return made, f"os.unlink(os.path.join(store.path, {place!r}))"


def _note(violation: Violation) -> str:
    """The comment that ends a violation's program: what the contract says and what the store did."""
    return f"{violation.method}: {violation.problem}"


def explore(
    make_store: StoreFactory,
    capabilities: Capabilities,
    *,
    examples: int,
    steps: int,
    seed: int | None = None,
    opening: str = DEFAULT_OPENING,
) -> Report:
    """The state machine alone (for the pytest suite), in a sandbox of its own: its report."""
    report = Report(seed=new_seed() if seed is None else seed)
    with Sandbox() as sandbox, Jobs(1) as work, SharedModels() as models:
        make = guarded(make_store, sandbox, models.share)
        try:
            _run_machine(
                report,
                Exploration(make, capabilities, steps, None, sandbox),
                examples,
                work,
                Shortening(report, work, make, capabilities, sandbox),
            )
        except RunStopped as stop:
            report.stop(stop)
    for entry in report.entries.values():
        entry.violation.program = program_of(entry.violation, opening)
    return report
