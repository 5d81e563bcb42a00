"""Per-test cost of ``zenml_client`` against a fresh ZenML client on an empty config directory.

Run: ``python benchmarks/bench_zenml.py`` (needs the zenml extra). Both sides
are timed in this process, alternating: the fixture's work (a copy of the
session's prepared config directory, ZenML pointed at it, ``Client()`` and the
default stack's artifact store) against the same on an empty directory, which
is what a test pays without the fixture (ZenML creates and migrates its SQLite
store). Target: the fixture's median at most 0.1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks._timing import print_table
from pytest_localstore.zenml_sandbox import ZenMLSandbox

TARGET = 0.1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (the median is kept)")
    parser.add_argument("--copies", type=int, default=10, help="fixture runs per round")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-zenml-") as base:
        sandbox = ZenMLSandbox(base, source_root=base)
        started = time.perf_counter()
        sandbox.template  # noqa: B018 (once per session: not part of the per-test cost)
        prepare = time.perf_counter() - started
        fixture: list[float] = []
        fresh: list[float] = []
        for round_number in range(args.rounds):
            for _ in range(args.copies):
                started = time.perf_counter()
                with sandbox.activated(sandbox.new_config_dir("copy")) as client:
                    client.active_stack.artifact_store  # noqa: B018
                fixture.append(time.perf_counter() - started)
            empty = os.path.join(base, f"empty-{round_number}")
            os.makedirs(empty)
            started = time.perf_counter()
            with sandbox.activated(empty) as client:
                client.active_stack.artifact_store  # noqa: B018
            fresh.append(time.perf_counter() - started)
    ours, theirs = statistics.median(fixture), statistics.median(fresh)
    print_table(
        f"ZenML client per test (medians: {len(fixture)} copies, {len(fresh)} fresh clients,"
        f" alternating; target: <= {TARGET} s)",
        ["variant", "s per test", "ratio"],
        [
            ["fresh Client() on an empty config dir", f"{theirs:.3f}", "1.00x"],
            ["zenml_client (a copy of the prepared dir)", f"{ours:.3f}", f"{ours / theirs:.3f}x"],
            ["preparing the session's directory (once)", f"{prepare:.3f}", ""],
        ],
    )
    return 0 if ours <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
