"""The contract benchmark still runs: it drives the contract's own rules from a bare machine,
so a change to those rules can break it without any other test noticing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_contract_benchmark_times_both_machines_on_disk_and_under_pyfakefs(tmp_path: Path) -> None:
    tiny = ["--examples", "3", "--rounds", "1", "--no-flavors", "--no-report-times", "--targets", ""]
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_contract.py"), *tiny],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows = {line.split()[0]: line.split() for line in done.stdout.splitlines()[3:] if line.strip()}
    assert set(rows) == {"disk", "pyfakefs"}
    for backend in ("disk", "pyfakefs"):
        steps, bare, harness, cost = rows[backend][1:]
        assert int(steps) > 0 and float(bare) > 0 and float(harness) > 0
        assert cost.endswith("x")
