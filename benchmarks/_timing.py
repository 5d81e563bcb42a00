"""Timing helpers shared by the benchmarks: best-of-N per call, printed as ratios."""

from __future__ import annotations

import statistics
import subprocess
import time
import timeit
from collections.abc import Callable, Sequence


def per_call(fn: Callable[[], object], *, number: int, repeat: int = 7) -> float:
    """Seconds per call of *fn*: the best of *repeat* runs of *number* calls."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def paired(
    baseline: Callable[[], object], candidate: Callable[[], object], *, number: int, rounds: int = 7
) -> tuple[float, float]:
    """Best per-call seconds of two functions, measured in alternating rounds.

    Alternating keeps a burst of machine noise from landing on one side only.
    """
    base, cand = [], []
    for _ in range(rounds):
        base.append(min(timeit.repeat(baseline, number=number, repeat=1)) / number)
        cand.append(min(timeit.repeat(candidate, number=number, repeat=1)) / number)
    return min(base), min(cand)


def command_seconds(argv: Sequence[str], *, runs: int, env: dict[str, str] | None = None) -> float:
    """Median wall-clock seconds of running *argv* to completion."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A plain aligned table."""
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=True)]
    print(title)
    for line in (headers, ["-" * w for w in widths], *rows):
        print("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
    print()
