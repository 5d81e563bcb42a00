"""Per-test cost of ``local_artifact_store`` against a bare ``tmp_path`` test, same run.

Run: ``python benchmarks/bench_fixtures.py``. Each variant is a file of N
tests that write the same 4 KiB file; the marginal cost per test is
``(time of N tests - time of 1 test) / (N - 1)``, so start-up cancels out,
measured in alternating rounds and the median kept. Targets: the disk backend
at most 1.25x a bare ``tmp_path`` test, the fake backend at most 1.5x
pyfakefs's bare ``fs``. The floor row makes, with raw ``os`` in a ``tmp_path``,
the entries the fixture's layout needs beyond it (the registry, ``local_stores``
and the store's directory): what the file system charges for them, with no
plugin code at all. Set ``TMPDIR`` to run on another file system (a tmpfs).
Then the start-up cost of the plugin on an empty test file against the same
run without it (target: <= 30 ms more). With autoload off, the plugin is named
by module: ``-p localstore`` there also pays for pytest's scan of every
installed distribution's entry points, which is pytest's cost, not the plugin's.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks._timing import command_seconds, print_table

VARIANTS = {
    "tmp_path (baseline)": (
        "",
        "def test_{i}(tmp_path):\n    (tmp_path / 'f.bin').write_bytes(DATA)\n",
    ),
    "tmp_path + the layout by raw os (floor)": (
        "",
        "def test_{i}(tmp_path):\n"
        "    (tmp_path / 'registry.json').write_bytes(REGISTRY)\n"
        "    (tmp_path / 'local_stores').mkdir()\n"
        "    (tmp_path / 'local_stores' / 'id').mkdir()\n"
        "    (tmp_path / 'local_stores' / 'id' / 'f.bin').write_bytes(DATA)\n",
    ),
    "local_artifact_store, disk": (
        "",
        "def test_{i}(local_artifact_store):\n"
        "    with local_artifact_store.open('f.bin', 'wb') as f:\n        f.write(DATA)\n",
    ),
    "fs (pyfakefs, for reference)": (
        "",
        "def test_{i}(fs):\n    with open('/f.bin', 'wb') as f:\n        f.write(DATA)\n",
    ),
    "local_artifact_store, fake": (
        "pytestmark = pytest.mark.localstore(backend='fake')\n",
        "def test_{i}(local_artifact_store):\n"
        "    with local_artifact_store.open('f.bin', 'wb') as f:\n        f.write(DATA)\n",
    ),
}
BASE_ARGS = ["-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:xdist"]


def file_system_of(path: Path) -> str:
    """The type of the file system *path* is on, from ``/proc/self/mounts`` (Linux), else "unknown"."""
    found, longest = "unknown", -1
    try:
        with open("/proc/self/mounts", encoding="utf-8") as mounts:
            for line in mounts:
                point, kind = line.split()[1:3]
                inside = str(path) == point or str(path).startswith(point.rstrip("/") + "/")
                if inside and len(point) > longest:
                    found, longest = kind, len(point)
    except OSError:
        pass
    return found


def write_suite(directory: Path, name: str, header: str, body: str, count: int) -> Path:
    path = directory / f"test_{name}_{count}.py"
    tests = "".join(body.format(i=i) for i in range(count))
    path.write_text(f"import pytest\nDATA = b'x' * 4096\nREGISTRY = b'x' * 512\n{header}\n{tests}")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=400, help="tests in the large file")
    parser.add_argument("--rounds", type=int, default=7, help="alternating rounds (the median is kept)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        # Bytecode caching on, as on a user's machine; the run's config is private.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["LOCALSTORE_CONFIG_PATH"] = str(work / "config")
        pytest_cmd = [sys.executable, "-m", "pytest", *BASE_ARGS]
        runs = itertools.count()

        def timed(argv: list[str], environ: dict[str, str]) -> float:
            """Seconds of one run, in a fresh base temporary directory removed afterwards, untimed.

            A shared ``--basetemp`` would make each run delete the previous run's
            directories, charging one variant's clean-up to the next one.
            """
            basetemp = work / f"bt{next(runs)}"
            try:
                return command_seconds([*argv, "--basetemp", str(basetemp)], runs=1, env=environ)
            finally:
                shutil.rmtree(basetemp, ignore_errors=True)

        suites = {
            label: (
                write_suite(work, f"v{index}", header, body, 1),
                write_suite(work, f"v{index}", header, body, args.tests),
            )
            for index, (label, (header, body)) in enumerate(VARIANTS.items())
        }
        # Each round times every variant (one test, then many) in turn; a round's
        # marginal cost per test is (T(many) - T(one)) / (many - 1), and the
        # median over the rounds is kept.
        marginals: dict[str, list[float]] = {label: [] for label in suites}
        for _ in range(args.rounds):
            for label, (one, many) in suites.items():
                t_one = timed([*pytest_cmd, str(one)], env)
                t_many = timed([*pytest_cmd, str(many)], env)
                marginals[label].append((t_many - t_one) / (args.tests - 1))
        marginal = {label: statistics.median(values) for label, values in marginals.items()}

        def ratio(label: str, base: str) -> float:
            """The median over rounds of the two variants' ratio in the same round.

            Both were timed a few seconds apart, so the machine's drift between
            rounds cancels; a ratio of the two medians would keep it.
            """
            return statistics.median(a / b for a, b in zip(marginals[label], marginals[base], strict=True))

        base, fs = "tmp_path (baseline)", "fs (pyfakefs, for reference)"
        rows = [
            [label, f"{cost * 1e3:6.3f}", f"{ratio(label, base):5.2f}x", f"{ratio(label, fs):5.2f}x"]
            for label, cost in marginal.items()
        ]
        print_table(
            f"Marginal cost per test on {file_system_of(work)} ({args.tests} tests, median of"
            f" {args.rounds} alternating rounds; targets: disk <= 1.25x tmp_path, fake <= 1.5x fs)",
            ["variant", "ms/test", "vs tmp_path", "vs fs"],
            rows,
        )

        empty = work / "test_empty.py"
        empty.write_text("def test_nothing():\n    pass\n")
        startup = {
            "autoload on: pytest -p no:localstore": ([*pytest_cmd, "-p", "no:localstore"], env),
            "autoload on: pytest (plugin loaded)": (pytest_cmd, env),
            "autoload off: pytest": (pytest_cmd, {**env, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}),
            "autoload off: pytest -p pytest_localstore.plugin": (
                [*pytest_cmd, "-p", "pytest_localstore.plugin"],
                {**env, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
            ),
        }
        fastest = {label: float("inf") for label in startup}
        for _ in range(max(args.rounds * 3, 9)):
            for label, (argv, environ) in startup.items():
                fastest[label] = min(fastest[label], timed([*argv, str(empty)], environ))
        labels = list(startup)
        rows = [[label, f"{fastest[label] * 1e3:7.1f}"] for label in labels]
        rows.append(
            [
                "plugin cost, autoload on (target <= 30 ms)",
                f"{(fastest[labels[1]] - fastest[labels[0]]) * 1e3:+7.1f}",
            ]
        )
        rows.append(
            [
                "plugin cost, autoload off (target <= 30 ms)",
                f"{(fastest[labels[3]] - fastest[labels[2]]) * 1e3:+7.1f}",
            ]
        )
        print_table("Start-up on an empty test file (best of the rounds, ms)", ["run", "ms"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
