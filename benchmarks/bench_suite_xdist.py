"""Wall time of the contract mixin on the memory flavor with ``pytest -n 0`` against ``-n 2``.

Run: ``python benchmarks/bench_suite_xdist.py``. The test module is the one
``tests/test_contract_xdist.py`` runs (``MEMORY_SUITE``): the mixin on
``MemoryArtifactStore``, every store on a root of its own, removed when its
test ends. Each run is a fresh ``python -m pytest`` process, in alternating
rounds after one untimed warm-up of each, with a fixed ``--hypothesis-seed``
so that every run makes the same calls; the medians are compared, and the
ratio is ``-n 0`` over ``-n 2`` (target >= 1.7x). Bytecode caching is on, as
on a user's machine.

The same is timed for an empty test file: what xdist's start-up costs (two
more interpreters that import pytest, Hypothesis and pyfakefs, and collect),
which no split of the tests wins back; and for the module with a ``make_store``
that leaves its roots behind. fsspec's memory filesystem is one dict for the
process and a lookup in it reads every key, so there each test is slower than
the one before, and two workers, each with half the keys, win more than twice
over on that part: a ratio that says more about the roots left than about
xdist. ``--thorough`` also times the module under
``--hypothesis-profile=localstore-thorough`` (1,000 examples of up to 50
steps: minutes per run). The load average is printed with each workload: on a
machine that other work keeps busy, two workers do not get two cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks._timing import print_table
from tests.test_contract_xdist import MEMORY_SUITE

TARGET = 1.7
SEED = "1"
#: The same module, with the roots left in fsspec's memory filesystem until the process ends.
ROOTS_LEFT = MEMORY_SUITE.replace(
    """        yield make
        if made:
            made[0].fs.rm(f"/{base}", recursive=True)
""",
    "        return make\n",
)
if ROOTS_LEFT == MEMORY_SUITE:
    raise RuntimeError("MEMORY_SUITE no longer removes its roots as this benchmark expects")


def seconds(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Wall-clock seconds of one run of *argv*, which must pass."""
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return elapsed


def compare(
    argv: list[str], workers: int, cwd: Path, env: dict[str, str], rounds: int, *, warm_up: bool = True
) -> tuple[list[float], list[float]]:
    """Times of *argv* with ``-n 0`` and with ``-n WORKERS``, alternating, after an untimed run of
    each (*warm_up*: it writes the bytecode caches the timed runs read)."""
    serial, parallel = [*argv, "-n", "0"], [*argv, "-n", str(workers)]
    if warm_up:
        seconds(serial, cwd, env)
        seconds(parallel, cwd, env)
    one, many = [], []
    for _ in range(rounds):
        one.append(seconds(serial, cwd, env))
        many.append(seconds(parallel, cwd, env))
    return one, many


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (the median is kept)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--thorough", action="store_true", help="also time the thorough profile")
    parser.add_argument("--thorough-rounds", type=int, default=2, help="its rounds (minutes each)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-suite-xdist-") as tmp:
        work = Path(tmp)
        (work / "test_memory_contract.py").write_text(MEMORY_SUITE)
        (work / "roots_left").mkdir()
        (work / "roots_left" / "test_memory_contract.py").write_text(ROOTS_LEFT)
        (work / "empty").mkdir()
        (work / "empty" / "test_empty.py").write_text("def test_nothing():\n    pass\n")
        env = {
            k: v
            for k, v in os.environ.items()
            if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith(("PYTEST_", "LOCALSTORE_"))
        }
        # Never the user's own config directory.
        env.update(HOME=str(work / "home"), XDG_CONFIG_HOME=str(work / "home" / ".config"))
        pytest_cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"]
        suite = [*pytest_cmd, f"--hypothesis-seed={SEED}", "test_memory_contract.py"]
        workloads = {
            "mixin on memory, quick (40 examples)": (suite, work, args.rounds),
            "empty test file (start-up alone)": (pytest_cmd, work / "empty", args.rounds),
            "the same, roots left behind": (suite, work / "roots_left", args.rounds),
        }
        if args.thorough:
            thorough = [*suite, "--hypothesis-profile=localstore-thorough"]
            workloads["mixin on memory, thorough (1,000 examples)"] = (thorough, work, args.thorough_rounds)
        rows = []
        for index, (label, (argv, cwd, rounds)) in enumerate(workloads.items()):
            one, many = compare(argv, args.workers, cwd, env, rounds, warm_up=index < 3)
            ratios = [a / b for a, b in zip(one, many, strict=True)]
            rows.append(
                [
                    label,
                    f"{statistics.median(one):6.2f}",
                    f"{statistics.median(many):6.2f}",
                    f"{statistics.median(one) / statistics.median(many):5.2f}x",
                    f"{min(ratios):.2f}x-{max(ratios):.2f}x",
                    f"{statistics.median(one) - statistics.median(many):6.2f}",
                    f"{os.getloadavg()[0]:4.2f}",
                ]
            )
    print_table(
        f"Wall time, pytest -n 0 against -n {args.workers}: median of alternating rounds"
        f" ({args.rounds}; thorough: {args.thorough_rounds}),"
        f" --hypothesis-seed={SEED} (target >= {TARGET}x); {os.cpu_count()} CPUs, and the load"
        " average (1 minute) when each workload's runs ended",
        ["workload", "-n 0 (s)", f"-n {args.workers} (s)", "ratio", "ratio per round", "saved (s)", "load"],
        rows,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
