"""Cold start of the ``localstore`` command against ``python -c pass``, same run.

Run: ``python benchmarks/bench_cli.py``. Each command runs to completion
*runs* times in a fresh process with a private config directory; the table
shows medians and the ratio to a bare interpreter start (target <= 4x).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks._timing import command_seconds, print_table

TARGET = 4.0
LIST = ("stack", "list")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="runs per command")
    args = parser.parse_args()
    script = str(Path(sys.executable).parent / "localstore")
    with tempfile.TemporaryDirectory() as config:
        env = {**os.environ, "LOCALSTORE_CONFIG_PATH": config}
        command_seconds([script, "stack", "list"], runs=1, env=env)  # first use writes the registry
        baseline = command_seconds([sys.executable, "-c", "pass"], runs=args.runs, env=env)
        rows = []
        for label, argv in (
            ("localstore stack list", [script, "stack", "list"]),
            ("localstore artifact-store describe", [script, "artifact-store", "describe"]),
            (
                "python -m pytest_localstore stack list",
                [sys.executable, "-m", "pytest_localstore", "stack", "list"],
            ),
        ):
            seconds = command_seconds(argv, runs=args.runs, env=env)
            ratio = seconds / baseline
            rows.append(
                [label, f"{seconds * 1e3:7.1f}", f"{ratio:5.2f}x", "ok" if ratio <= TARGET else "over"]
            )
    print_table(
        f"CLI cold start vs python -c pass ({baseline * 1e3:.1f} ms), target <= {TARGET}x",
        ["command", "median ms", "ratio", ""],
        rows,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
