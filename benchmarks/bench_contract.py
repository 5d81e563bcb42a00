"""Steps per second of the contract's state machine against a bare machine, same run.

Run: ``python benchmarks/bench_contract.py``. The harness is
``contract_machine`` on ``LocalArtifactStore``: every call is also run on the
reference model, judged, recorded, and the whole tree is read back through the
store after every step that may change it and at the end. The bare machine has
the same Hypothesis rules (paths drawn from what its last read-back found, calls
through a link it makes and removes) and reads the tree back after the same
steps, but calls ``os``/``shutil``/
``glob`` directly and checks nothing; a path that leaves the root it does not
call at all (raw ``os`` would follow it out), so those steps are all harness
cost. Both run the same number of examples from the same seed, on the real disk
and under pyfakefs. Target: the harness costs at most 1.5x the bare machine per
step.

Then, for each of ``--targets``, the wall time of ``localstore contract TARGET``
to its full report (every row and every example: no time budget) with one job
and with the target's default number, and their ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import glob as globmodule
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from hypothesis import seed
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from benchmarks._timing import print_table
from pytest_localstore import LocalArtifactStore
from pytest_localstore.contract import FULL, contract_machine
from pytest_localstore.contract._checker import _let_go_of_frames
from pytest_localstore.contract._escapes import (
    MACHINE_FORMS,
    concrete,
    escaping_calls,
    inner_link_in,
    outside_in,
)
from pytest_localstore.contract._machine import (
    add_existing_path_rules,
    add_link_rules,
    add_operation_rules,
    arguments,
    starting_files,
)
from pytest_localstore.contract._operations import OPERATIONS, resolved
from pytest_localstore.contract._sandbox import Sandbox
from pytest_localstore.contract._settings import contract_settings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAILURES = (OSError, ValueError)


def _write(path: str, mode: str, data: bytes) -> None:
    with open(path, mode) if "b" in mode else open(path, mode, encoding="utf-8") as handle:
        handle.write(data if "b" in mode else data.decode("utf-8"))


def _read(path: str, mode: str) -> Any:
    with open(path, mode) if "b" in mode else open(path, mode, encoding="utf-8") as handle:
        return handle.read()


def _copy(src: str, dst: str, overwrite: bool) -> None:
    if not overwrite and os.path.lexists(dst):
        raise FileExistsError(dst)
    shutil.copyfile(src, dst)


def _move(src: str, dst: str, overwrite: bool) -> None:
    if not overwrite and os.path.lexists(dst):
        raise FileExistsError(dst)
    os.replace(src, dst)


#: Each operation done with raw os/shutil/glob: (number of path arguments, action).
RAW: dict[str, tuple[int, Callable[..., Any]]] = {
    "open_read": (1, _read),
    "open_write": (1, _write),
    "copyfile": (2, _copy),
    "exists": (1, os.path.exists),
    "glob": (1, globmodule.glob),
    "isdir": (1, os.path.isdir),
    "listdir": (1, os.listdir),
    "makedirs": (1, lambda path: os.makedirs(path, exist_ok=True)),
    "mkdir": (1, os.mkdir),
    "remove": (1, os.remove),
    "rename": (2, _move),
    "rmtree": (1, shutil.rmtree),
    "stat": (1, os.stat),
    "size": (1, os.path.getsize),
    "walk": (1, lambda top, topdown: list(os.walk(top, topdown=topdown))),
    "walk_errors": (1, lambda top: list(os.walk(top, onerror=lambda error: None))),
}


class _Found:
    """What the bare machine's last read-back found, where the harness's rules ask its model
    (on disk: every capability kept)."""

    caps = FULL

    def __init__(self) -> None:
        self.found: dict[str, bytes | None] = {}

    def tree(self) -> dict[str, bytes | None]:
        return self.found


def bare_machine(make_root: Callable[[], str], counts: Counter[str]) -> type[RuleBasedStateMachine]:
    """The contract's own rules and tree read-back, done with raw calls and judged not at all."""

    class Bare(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.root = make_root()
            self.model = _Found()
            self.links_possible = True
            self.sandbox = Sandbox()

        @initialize(files=starting_files(FULL))
        def populate(self, files: list[tuple[str, bytes]]) -> None:
            """The same starting files as the harness's (they make the tree it reads back)."""
            for path, data in files:
                folder = path.rpartition("/")[0]
                if folder:
                    self.step("makedirs", (folder,))
                self.step("open_write", (path, "wb", data))

        def step(self, op: str, args: tuple[Any, ...]) -> None:
            counts["steps"] += 1
            if outside_in(args) is not None:
                return
            inner = inner_link_in(args)
            if inner is not None:
                self.sandbox.link_in(self.root, inner)
            try:
                args = resolved(op, concrete(args, self.root))  # defaults filled in, paths as str
                paths, action = RAW[op]
                full = [os.path.join(self.root, arg) for arg in args[:paths]]
                with contextlib.suppress(*FAILURES):
                    action(*full, *args[paths:])
            finally:
                if inner is not None:
                    self.sandbox.unlink(self.root, inner.link)
            if OPERATIONS[op].changes:
                self.read_tree_back()

        def teardown(self) -> None:
            self.read_tree_back()

        def read_tree_back(self) -> None:
            found: dict[str, bytes | None] = {}
            for dirpath, dirnames, filenames in os.walk(self.root):
                rel = os.path.relpath(dirpath, self.root)
                prefix = "" if rel == "." else rel + "/"
                for name in dirnames:
                    found[prefix + name] = None
                for name in filenames:
                    with open(os.path.join(dirpath, name), "rb") as handle:
                        found[prefix + name] = handle.read()
            self.model.found = found

    strategies = arguments(FULL)
    add_operation_rules(Bare, strategies, "step")
    add_existing_path_rules(Bare, strategies)
    add_link_rules(Bare, strategies)
    escapes = [call for _, _, call in escaping_calls(MACHINE_FORMS)]
    Bare.escape = rule(call=st.sampled_from(escapes))(lambda self, call: self.step(call.op, call.args))  # type: ignore[attr-defined]
    return Bare


@contextlib.contextmanager
def place(fake: bool) -> Iterator[Callable[[], str]]:
    numbers = itertools.count()
    if not fake:
        with tempfile.TemporaryDirectory(prefix="bench-contract-") as base:
            yield lambda: _fresh(os.path.join(base, str(next(numbers))))
        return
    from pyfakefs.fake_filesystem_unittest import Patcher

    with Patcher():
        yield lambda: _fresh(f"/bench/{next(numbers)}")


def _fresh(path: str) -> str:
    os.makedirs(path)
    return path


def timed(machine: type[RuleBasedStateMachine], examples: int, steps: int, run_seed: int) -> float:
    config = contract_settings(examples, steps, database=None, phases=("generate",))
    start = time.perf_counter()
    run_state_machine_as_test(seed(run_seed)(machine), settings=config)
    return time.perf_counter() - start


def flavor_rows(examples: int, steps: int, run_seed: int, rounds: int) -> list[list[str]]:
    """The harness on the memory and s3 flavors against a bare machine on raw fsspec (same filesystem)."""
    import fsspec

    from examples.raw_fsspec import RawFsspec
    from pytest_localstore.fsspec_store import MemoryArtifactStore, S3ArtifactStore
    from pytest_localstore.s3 import S3Server

    def bare(
        make_raw: Callable[[], RawFsspec], counts: Counter[str], caps: Any
    ) -> type[RuleBasedStateMachine]:
        class Bare(RuleBasedStateMachine):
            def __init__(self) -> None:
                super().__init__()
                self.store = make_raw()

            @initialize(files=starting_files(caps))
            def populate(self, files: list[tuple[str, bytes]]) -> None:
                for path, data in files:
                    self.attempt("open_write", (path, "wb", data))  # parents made by the write

            def attempt(self, op: str, args: tuple[Any, ...]) -> None:
                counts["steps"] += 1
                try:
                    OPERATIONS[op].perform(self.store, args)
                except Exception as error:
                    # As the harness does: a client's file half made by the refused call is
                    # finalized now, not by a collection in fsspec's event loop.
                    _let_go_of_frames(error)
                if OPERATIONS[op].changes:
                    self.read_tree_back()

            def teardown(self) -> None:
                self.read_tree_back()

            def read_tree_back(self) -> None:
                with contextlib.suppress(Exception):
                    for dirpath, _, filenames in self.store.walk(self.store.path):
                        for filename in filenames:
                            with self.store.open(f"{dirpath}/{filename}", "rb") as handle:
                                handle.read()

        add_operation_rules(Bare, arguments(caps), "attempt")
        return Bare

    rows = []
    numbers = itertools.count()
    with S3Server.start() as server:
        bucket = server.make_bucket("bench")
        flavors = [
            ("memory", MemoryArtifactStore, lambda: fsspec.filesystem("memory"), "memory://bench", "/bench"),
            ("s3", S3ArtifactStore, server.filesystem, f"s3://{bucket}", bucket),
        ]
        for name, cls, fs, url, base in flavors:
            best: dict[str, tuple[float, int]] = {}
            for _ in range(rounds):
                for kind in ("bare", "harness"):
                    counts: Counter[str] = Counter()
                    if kind == "bare":
                        machine = bare(
                            lambda fs=fs, base=base: RawFsspec(fs(), f"{base}/{next(numbers)}"),
                            counts,
                            cls.capabilities,
                        )
                    else:
                        machine = contract_machine(
                            lambda cls=cls, fs=fs, url=url: cls(f"{url}/{next(numbers)}", fs=fs()),
                            cls.capabilities,
                            stats=counts,
                        )
                    seconds = timed(machine, examples, steps, run_seed)
                    if kind not in best or seconds / counts["steps"] < best[kind][0] / best[kind][1]:
                        best[kind] = (seconds, counts["steps"])
            bare_rate = best["bare"][1] / best["bare"][0]
            harness_rate = best["harness"][1] / best["harness"][0]
            ratio = bare_rate / harness_rate
            rows.append(
                [name, f"{best['bare'][1]}", f"{bare_rate:8.0f}", f"{harness_rate:8.0f}", f"{ratio:5.2f}x"]
            )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (best kept)")
    parser.add_argument("--no-flavors", dest="flavors", action="store_false", help="skip memory and s3")
    parser.add_argument("--flavor-examples", type=int, default=20, help="examples on memory and s3")
    parser.add_argument("--no-report-times", dest="report_times", action="store_false")
    parser.add_argument(
        "--targets",
        default=",".join(default_targets()),
        help="comma-separated targets timed at one job and at their default (empty: none;"
        " default: memory, local, s3, gcs, azure, and ZenML's remote stores if zenml is installed)",
    )
    parser.add_argument("--only-jobs", action="store_true", help="time the targets' jobs alone")
    args = parser.parse_args()
    targets = [target for target in args.targets.split(",") if target]
    if args.only_jobs:
        jobs_times(targets, args.seed)
        return 0
    rows = []
    for fake in (False, True):
        best: dict[str, tuple[float, int]] = {}
        for _ in range(args.rounds):
            for kind in ("bare", "harness"):
                counts: Counter[str] = Counter()
                with place(fake) as make_root:
                    if kind == "bare":
                        machine = bare_machine(make_root, counts)
                    else:
                        machine = contract_machine(lambda: LocalArtifactStore(make_root()), stats=counts)
                    seconds = timed(machine, args.examples, args.steps, args.seed)
                steps = counts["steps"]
                if kind not in best or seconds / steps < best[kind][0] / best[kind][1]:
                    best[kind] = (seconds, steps)
        bare_rate = best["bare"][1] / best["bare"][0]
        harness_rate = best["harness"][1] / best["harness"][0]
        ratio = bare_rate / harness_rate
        where = "pyfakefs" if fake else "disk"
        rows.append(
            [where, f"{best['bare'][1]}", f"{bare_rate:8.0f}", f"{harness_rate:8.0f}", f"{ratio:5.2f}x"]
        )
    if args.flavors:
        rows += flavor_rows(args.flavor_examples, args.steps, args.seed, args.rounds)
    print_table(
        f"Contract state machine, {args.examples} examples x up to {args.steps} steps, seed {args.seed}"
        " (best of the rounds; target <= 1.5x)",
        ["backend", "steps", "bare steps/s", "harness steps/s", "harness cost"],
        rows,
    )
    if args.report_times:
        report_times(args.seed)
    if targets:
        jobs_times(targets, args.seed)
    return 0


def default_targets() -> list[str]:
    """The targets timed by default: the built-in flavors, and ZenML's remote stores if it is there."""
    import importlib.util

    targets = ["memory", "local", "s3", "gcs", "azure"]
    if importlib.util.find_spec("zenml") is not None:
        targets += ["zenml:s3", "zenml:gcs", "zenml:azure"]
    return targets


#: The most seconds a target's full report may take with its default jobs (the others: 30 s).
TARGET_SECONDS = {"local": 10.0, "memory": 10.0}


def jobs_times(targets: list[str], run_seed: int) -> None:
    """Wall time of each target's full report with ``--jobs 1`` and with its default number of jobs."""
    script = str(Path(sys.executable).parent / "localstore")
    rows = []
    for target in targets:
        seconds = []
        for jobs in (["--jobs", "1"], []):
            argv = [script, "contract", target, "--seed", str(run_seed), "--max-time", "100000", *jobs]
            start = time.perf_counter()
            subprocess.run(argv, capture_output=True, cwd=ROOT)
            seconds.append(time.perf_counter() - start)
        most = TARGET_SECONDS.get(target, 30.0)
        met = "met" if seconds[1] <= most else "NOT MET"
        rows.append(
            [
                target,
                f"{seconds[0]:6.1f}",
                f"{seconds[1]:6.1f}",
                f"{seconds[0] / seconds[1]:5.2f}x",
                f"<= {most:g} s: {met}",
            ]
        )
    print_table(
        f"Wall time to a full report (every row, 40 examples), seed {run_seed}",
        ["target", "--jobs 1 (s)", "default jobs (s)", "speed-up", "target"],
        rows,
    )


def report_times(run_seed: int) -> None:
    """Wall time of ``localstore contract TARGET`` with default settings, to its full report."""
    from tests.broken_stores import BROKEN

    script = str(Path(sys.executable).parent / "localstore")
    targets = ["local"] + [f"tests.broken_stores:make_{name}" for name in sorted(BROKEN)]
    rows = []
    for target in targets:
        start = time.perf_counter()
        done = subprocess.run(
            [script, "contract", target, "--seed", str(run_seed)], capture_output=True, text=True, cwd=ROOT
        )
        seconds = time.perf_counter() - start
        verdict = done.stdout.splitlines()[0].split(": ", 1)[1] if done.stdout else done.stderr.strip()
        rows.append([target.rpartition(":")[2] or target, f"{seconds:5.1f}", verdict[:50]])
    slowest = max((row for row in rows[1:]), key=lambda row: float(row[1]))
    rows.append(["slowest broken store (target <= 60 s)", slowest[1], slowest[0]])
    rows.append(["conforming local store (target <= 15 s)", rows[0][1], ""])
    print_table(
        f"Wall time to a full report, default settings, seed {run_seed}",
        ["target", "seconds", "verdict"],
        rows,
    )


if __name__ == "__main__":
    sys.exit(main())
