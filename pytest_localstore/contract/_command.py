"""``localstore contract``: check the targets named on the command line, one report each.

The targets come from :mod:`pytest_localstore.targets` (the flavor registry);
the reports are rendered by :mod:`._report`. This module runs them: Ctrl-C and
SIGTERM end a run with the report of what was found, and Hypothesis's own
files stay out of the current directory.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TextIO

from .._exit_status import INTERRUPTED, OK, USAGE_ERROR, VIOLATIONS, stopped_by
from ..targets import TargetError, targets_for
from ._checker import KINDS
from ._document import render_markdown
from ._progress import Progress
from ._report import Checked, json_document, render_text
from ._runner import new_seed, run_contract
from ._settings import RUN_CALL_TIMEOUT, RUN_EXAMPLES, RUN_MAX_TIME, RUN_STEPS

if TYPE_CHECKING:
    from hypothesis.database import ExampleDatabase


def run(
    targets: list[str],
    *,
    out: TextIO,
    err: TextIO,
    examples: int = RUN_EXAMPLES,
    steps: int = RUN_STEPS,
    seed: int | None = None,
    max_time: float | None = RUN_MAX_TIME,
    jobs: int | None = None,
    quiet: bool = False,
    json_path: str | None = None,
    database: str | ExampleDatabase | None = None,
    shard: tuple[int, int] = (1, 1),
    call_timeout: float | None = RUN_CALL_TIMEOUT,
) -> int:
    """Check every target and print one report each. Exit status: 0 conforming, 1 violations
    (or a store that harmed its surroundings, or a factory that failed, during the run), 2 bad
    targets, 130 stopped by Ctrl-C and 143 by SIGTERM (after the report of what was found).
    *jobs* (None: each target's own) rows and examples run at once; *quiet*: no progress,
    only the reports (and errors) are written; *shard* ``(K, N)``: only the K-th of N parts."""
    try:
        testbeds = [testbed for spec in targets for testbed in targets_for(spec)]
    except TargetError as error:
        err.write(f"localstore: error: {error}\n")
        return USAGE_ERROR
    from .._table import draws_boxes

    ascii_only = not draws_boxes(out.encoding)
    seed = new_seed() if seed is None else seed
    if not quiet:
        err.write(f"seed {seed} (repeat this run with --seed {seed})\n")
    started = time.monotonic()
    results: list[Checked] = []
    with (
        _hypothesis_files_kept_out_of_the_current_directory(),
        _signals_as_a_request() as signalled,
        _unraisable_said_once(err),
    ):
        for index, testbed in enumerate(testbeds):
            budget = None
            if max_time is not None:
                budget = max((max_time - (time.monotonic() - started)) / (len(testbeds) - index), 1.0)
            with testbed.setup() as make_store:
                capabilities = testbed.judged_by(make_store)
                progress = Progress(err, quiet=quiet)  # its clock starts with the run, server up
                progress.say(
                    f"{testbed.label}: checking ({', '.join(capabilities.relaxed()) or 'as the local store'})"
                )
                report = run_contract(
                    make_store,
                    capabilities,
                    examples=examples,
                    steps=steps,
                    seed=seed,
                    opening=testbed.opening,
                    max_time=budget,
                    database=database,
                    progress=progress,
                    stop_requested=lambda: bool(signalled),
                    jobs=testbed.jobs if jobs is None else jobs,
                    shard=shard,
                    call_timeout=call_timeout,
                )
            results.append(Checked(testbed.label, capabilities, report))
            by = "SIGTERM" if signalled[:1] == [signal.SIGTERM] else "Ctrl-C"
            progress.done()
            out.write(render_text(results[-1], ascii_only, by))
            out.flush()
            progress.say(f"{testbed.label}: {report.seconds:.1f} s")
            if report.interrupted:
                break
    for message in dict.fromkeys(m for checked in results for m in checked.report.warnings):
        err.write(f"localstore: hypothesis: {' '.join(message.split())}\n")
    status = _status(results, signalled)
    if json_path is not None:
        _write_json(json_path, json_document(results, seed, status, {"examples": examples, "steps": steps}))
    return status


def merge(paths: list[str], *, out: TextIO, err: TextIO, json_path: str | None = None) -> int:
    """Print the report of the whole run the shards' JSON reports in *paths* make up (see
    ``_merge``); its exit status, or 2 if they cannot be merged."""
    from .._table import draws_boxes
    from ._merge import MergeError, merge, read_report

    try:
        if not paths:
            raise MergeError("no reports given: name the shards' JSON reports (--shard K/N --json FILE)")
        twice = [path for path in dict.fromkeys(paths) if paths.count(path) > 1]
        if twice:
            raise MergeError(f"{twice[0]!r} is given twice: each shard's report once")
        seed, settings, results = merge({path: read_report(path) for path in paths})
    except MergeError as error:
        err.write(f"localstore: error: --merge: {error}\n")
        return USAGE_ERROR
    for checked in results:
        out.write(render_text(checked, not draws_boxes(out.encoding)))
    status = _status(results, [])
    if json_path is not None:
        _write_json(json_path, json_document(results, seed, status, settings))
    return status


def _write_json(path: str, document: dict[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2, ensure_ascii=False)
        handle.write("\n")


def _status(results: list[Checked], signalled: list[int]) -> int:
    if any(checked.report.interrupted for checked in results):
        return stopped_by(signalled[0]) if signalled else INTERRUPTED
    return VIOLATIONS if any(not checked.report.ok for checked in results) else OK


@contextlib.contextmanager
def _unraisable_said_once(err: TextIO) -> Iterator[None]:
    """Errors Python cannot raise (a store's file whose ``__del__`` fails when it is collected,
    say), each said in one line at the end with how often, not a traceback every time."""
    seen: Counter[str] = Counter()
    previous = sys.unraisablehook

    def collect(unraisable: Any) -> None:
        owner = unraisable.object
        where = getattr(owner, "__qualname__", type(owner).__qualname__)
        error = unraisable.exc_value
        text = " ".join(str(error).split())
        seen[f"{unraisable.err_msg or 'Exception ignored in'} {where}: {type(error).__name__}: {text}"] += 1

    sys.unraisablehook = collect
    try:
        yield
    finally:
        sys.unraisablehook = previous
        for message, count in seen.items():
            err.write(f"localstore: {message}{f' ({count} times)' if count > 1 else ''}\n")


@contextlib.contextmanager
def _signals_as_a_request() -> Iterator[list[int]]:
    """Ctrl-C and SIGTERM (as ``timeout``, CI runners and pytest-timeout send it) put their
    number in the list the run checks before every row and example; a second one interrupts.

    Either way the run ends through its ``finally`` blocks: a partial report, and nothing of
    the contract's left beside the roots. A KeyboardInterrupt raised by the default handler
    can land in a garbage collector callback (Hypothesis has one), where Python prints and
    ignores it: the run would go on as if Ctrl-C had not been pressed.
    """
    signalled: list[int] = []

    def handler(signum: int, frame: object) -> None:
        if signalled:
            raise KeyboardInterrupt
        signalled.append(signum)

    previous: dict[signal.Signals, Any] = {}
    try:
        for number in (signal.SIGINT, signal.SIGTERM):
            if signal.getsignal(number) is signal.SIG_IGN:  # nohup or a background job: keep ignoring it
                continue
            previous[number] = signal.signal(number, handler)
    except ValueError:  # not the main thread: leave the signals as they are
        pass
    try:
        yield signalled
    finally:
        for restored, handler_before in previous.items():
            signal.signal(restored, handler_before)


@contextlib.contextmanager
def _hypothesis_files_kept_out_of_the_current_directory() -> Iterator[None]:
    """Point Hypothesis's own storage (its character-table cache) at a temporary directory.

    ``hypothesis.configuration.set_hypothesis_home_dir`` is not documented as
    public, and Hypothesis reads no setting for it; without it a run leaves
    ``.hypothesis/`` in the current directory. tests/test_contract.py fails if
    that stops working.
    """
    from hypothesis import configuration

    with tempfile.TemporaryDirectory(prefix="localstore-hypothesis-") as home:
        configuration.set_hypothesis_home_dir(home)
        try:
            yield
        finally:
            configuration.set_hypothesis_home_dir(None)


def markdown() -> str:
    """The contract document (``CONTRACT.md``)."""
    return render_markdown()


__all__ = ["KINDS", "markdown", "merge", "run"]
