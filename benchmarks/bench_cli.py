"""Cold start of the ``localstore`` command against ``python -c pass``, as a user gets it.

Run: ``python benchmarks/bench_cli.py``. It makes a fresh virtual environment
with only this package installed (not editable), so ``python -c pass`` there
is a bare interpreter start: a development environment's many ``.pth`` files
and site-packages make the baseline slower and every ratio look better (a
shared interpreter measured 33 ms against 8 ms in a fresh environment).
Bytecode caching is on, as on a user's machine (``PYTHONDONTWRITEBYTECODE``
would recompile the package on every run). Each command runs in a fresh
process, alternating with the baseline, and the medians are compared (target
<= 2.5x). The floor is what no CLI of this shape avoids: the console-script
launcher, ``argparse`` and ``json``.
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

TARGET = 2.5
REPO = Path(__file__).resolve().parent.parent
#: What every command line built on argparse pays: the launcher's imports, argparse, json.
FLOOR = (
    "import re, sys, argparse, json\n"
    "p = argparse.ArgumentParser(prog='x'); g = p.add_subparsers(dest='g')\n"
    "g.add_parser('stack').add_subparsers(dest='a').add_parser('list')\n"
    "p.parse_args(['stack', 'list']); json.loads('{}')\n"
)


def fresh_environment(directory: Path) -> Path:
    """A new virtual environment with this package installed; its Python."""
    subprocess.run([sys.executable, "-m", "venv", str(directory)], check=True)
    python = directory / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(REPO)], check=True
    )
    return python


def medians(commands: dict[str, list[str]], *, runs: int, env: dict[str, str]) -> dict[str, float]:
    """Median seconds of each command, run in alternation so noise falls on all alike."""
    times: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(runs):
        for label, argv in commands.items():
            start = time.perf_counter()
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
            times[label].append(time.perf_counter() - start)
    return {label: statistics.median(values) for label, values in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=41, help="runs per command (alternating)")
    parser.add_argument(
        "--python", help="the Python of an environment where the package is installed (default: a fresh one)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        python = Path(args.python) if args.python else fresh_environment(Path(tmp) / "venv")
        script = str(python.parent / "localstore")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["LOCALSTORE_CONFIG_PATH"] = str(Path(tmp) / "config")
        floor = Path(tmp) / "floor.py"
        floor.write_text(FLOOR)
        for argv in ([script, "stack", "list"], [str(python), str(floor)]):  # first use; bytecode cached
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
        commands = {
            "python -c pass (baseline)": [str(python), "-c", "pass"],
            "floor: launcher + argparse + json": [str(python), str(floor)],
            "localstore stack list": [script, "stack", "list"],
            "localstore artifact-store describe": [script, "artifact-store", "describe"],
            "python -m pytest_localstore stack list": [
                str(python),
                "-m",
                "pytest_localstore",
                "stack",
                "list",
            ],
        }
        found = medians(commands, runs=args.runs, env=env)
    baseline = found["python -c pass (baseline)"]
    rows = []
    for label, seconds in found.items():
        ratio = seconds / baseline
        verdict = "" if label.startswith(("python -c", "floor")) else "ok" if ratio <= TARGET else "over"
        rows.append([label, f"{seconds * 1e3:7.1f}", f"{ratio:5.2f}x", verdict])
    print_table(
        f"CLI cold start, Python {sys.version_info.major}.{sys.version_info.minor}, median of {args.runs}"
        f" alternating runs; target <= {TARGET}x python -c pass",
        ["command", "median ms", "ratio", ""],
        rows,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
