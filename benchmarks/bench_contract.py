"""Steps per second of the contract's state machine against a bare machine, same run.

Run: ``python benchmarks/bench_contract.py``. The harness is
``contract_machine`` on ``LocalArtifactStore``: every call is also run on the
reference model, judged, recorded, and the whole tree is read back through the
store after every step. The bare machine has the same Hypothesis rules and
reads the tree back the same way, but calls ``os``/``shutil``/``glob``
directly and checks nothing. Both run the same number of examples from the
same seed, on the real disk and under pyfakefs. Target: the harness costs at
most 1.5x the bare machine per step.
"""

from __future__ import annotations

import argparse
import contextlib
import glob as globmodule
import itertools
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from hypothesis import seed
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from benchmarks._timing import print_table
from pytest_localstore import LocalArtifactStore
from pytest_localstore.contract.capabilities import FULL
from pytest_localstore.contract.machine import GLOB_PATTERNS, contract_machine, names
from pytest_localstore.contract.runner import machine_settings

FAILURES = (OSError, ValueError)


def bare_machine(make_root: Callable[[], str], counts: Counter[str]) -> type[RuleBasedStateMachine]:
    """The same rules and tree read-back with raw calls, and no judging at all."""
    name = st.sampled_from(names(FULL))
    path = st.lists(name, min_size=1, max_size=3).map("/".join)
    any_path = path | st.just(".")
    letters = st.characters(exclude_characters="\r", categories=("L", "M", "N", "P", "S", "Zs"))

    class Bare(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.root = make_root()

        def j(self, rel: str) -> str:
            return os.path.join(self.root, rel)

        def attempt(self, action: Callable[[], Any]) -> None:
            counts["steps"] += 1
            with contextlib.suppress(*FAILURES):
                action()

        def write(self, rel: str, mode: str, data: Any) -> None:
            encoding = None if "b" in mode else "utf-8"
            with open(self.j(rel), mode, encoding=encoding) as handle:
                handle.write(data)

        def read(self, rel: str, mode: str) -> Any:
            encoding = None if "b" in mode else "utf-8"
            with open(self.j(rel), mode, encoding=encoding) as handle:
                return handle.read()

        def copy(self, src: str, dst: str, overwrite: bool) -> None:
            if not overwrite and os.path.lexists(self.j(dst)):
                raise FileExistsError(dst)
            shutil.copyfile(self.j(src), self.j(dst))

        def move(self, src: str, dst: str, overwrite: bool) -> None:
            if not overwrite and os.path.lexists(self.j(dst)):
                raise FileExistsError(dst)
            os.replace(self.j(src), self.j(dst))

        @rule(p=path, mode=st.sampled_from(["wb", "ab", "xb"]), data=st.binary(max_size=12))
        def write_bytes(self, p: str, mode: str, data: bytes) -> None:
            self.attempt(lambda: self.write(p, mode, data))

        @rule(p=path, mode=st.sampled_from(["w", "a", "x"]), data=st.text(letters, max_size=8))
        def write_text(self, p: str, mode: str, data: str) -> None:
            self.attempt(lambda: self.write(p, mode, data))

        @rule(p=path, mode=st.sampled_from(["r", "rb"]))
        def read_file(self, p: str, mode: str) -> None:
            self.attempt(lambda: self.read(p, mode))

        @rule(src=path, dst=path, overwrite=st.booleans())
        def copyfile(self, src: str, dst: str, overwrite: bool) -> None:
            self.attempt(lambda: self.copy(src, dst, overwrite))

        @rule(p=any_path)
        def exists(self, p: str) -> None:
            self.attempt(lambda: os.path.exists(self.j(p)))

        @rule(pattern=st.sampled_from(GLOB_PATTERNS))
        def glob(self, pattern: str) -> None:
            self.attempt(lambda: globmodule.glob(self.j(pattern)))

        @rule(p=any_path)
        def isdir(self, p: str) -> None:
            self.attempt(lambda: os.path.isdir(self.j(p)))

        @rule(p=any_path)
        def listdir(self, p: str) -> None:
            self.attempt(lambda: os.listdir(self.j(p)))

        @rule(p=path)
        def makedirs(self, p: str) -> None:
            self.attempt(lambda: os.makedirs(self.j(p), exist_ok=True))

        @rule(p=path)
        def mkdir(self, p: str) -> None:
            self.attempt(lambda: os.mkdir(self.j(p)))

        @rule(p=path)
        def remove(self, p: str) -> None:
            self.attempt(lambda: os.remove(self.j(p)))

        @rule(src=path, dst=path, overwrite=st.booleans())
        def rename(self, src: str, dst: str, overwrite: bool) -> None:
            self.attempt(lambda: self.move(src, dst, overwrite))

        @rule(p=path)
        def rmtree(self, p: str) -> None:
            self.attempt(lambda: shutil.rmtree(self.j(p)))

        @rule(p=any_path)
        def stat(self, p: str) -> None:
            self.attempt(lambda: os.stat(self.j(p)))

        @rule(p=any_path)
        def size(self, p: str) -> None:
            self.attempt(lambda: os.path.getsize(self.j(p)))

        @rule(top=any_path, topdown=st.booleans())
        def walk(self, top: str, topdown: bool) -> None:
            self.attempt(lambda: list(os.walk(self.j(top), topdown=topdown)))

        @invariant()
        def read_tree_back(self) -> None:
            for dirpath, _, filenames in os.walk(self.root):
                for filename in filenames:
                    with open(os.path.join(dirpath, filename), "rb") as handle:
                        handle.read()

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
    config = machine_settings(examples, steps, phases=("generate",))
    start = time.perf_counter()
    run_state_machine_as_test(seed(run_seed)(machine), settings=config)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (best kept)")
    args = parser.parse_args()
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
    print_table(
        f"Contract state machine, {args.examples} examples x up to {args.steps} steps, seed {args.seed}"
        " (best of the rounds; target <= 1.5x)",
        ["backend", "steps", "bare steps/s", "harness steps/s", "harness cost"],
        rows,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
