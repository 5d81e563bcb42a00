"""The mixin under pytest-xdist: the state machine as several shards, each with its own seed.

The runs that count are real ``python -m pytest -n 2`` processes: xdist's
workers collect on their own, and the shards' seeds must agree between them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_localstore import MemoryArtifactStore
from pytest_localstore.contract import ROWS
from pytest_localstore.contract._suite import shard_seed, shards

ROOT = Path(__file__).resolve().parent.parent

#: The mixin on the memory flavor, as a user would write it (the benchmark times this module).
#: Each store has a root of its own, and the roots go when the test ends: fsspec's memory
#: filesystem is one dict for the process, and a lookup in it reads every key.
MEMORY_SUITE = """
import uuid

import pytest

from pytest_localstore import MemoryArtifactStore
from pytest_localstore.contract import ArtifactStoreContract


class TestMemory(ArtifactStoreContract):
    capabilities = MemoryArtifactStore.capabilities

    @pytest.fixture
    def make_store(self):
        base = uuid.uuid4().hex
        made = []

        def make():
            made.append(MemoryArtifactStore(f"memory://{base}/{len(made)}/"))
            return made[-1]

        yield make
        if made:
            made[0].fs.rm(f"/{base}", recursive=True)
"""

#: A store whose listdir gives full paths, on the disk: a shard of 10 examples all but always
#: meets it (each of 12 seeds did), so every shard fails, on both workers.
BROKEN_SUITE = """
import pytest

from pytest_localstore.contract import ArtifactStoreContract
from tests.broken_stores import ListdirGivesPaths


class TestBroken(ArtifactStoreContract):
    @pytest.fixture
    def make_store(self, tmp_path_factory):
        return lambda: ListdirGivesPaths(tmp_path_factory.mktemp("store"))
"""

#: What a failing shard says last: its seed, the run's, and how to repeat it.
SHARD_LINE = re.compile(
    r"state machine, shard (\d+) of (\d+): (\d+) example\(s\) of up to \d+ steps, seed (\d+)"
    r" \(from the run's seed (\S+)\); repeat it with pytest '(\S+)' --hypothesis-seed=(\S+)"
)
#: A result line of ``pytest -v`` under xdist: worker, outcome, test id.
RESULT_LINE = re.compile(r"^\[(gw\d+)\] \[ *\d+%\] (PASSED|FAILED|SKIPPED|ERROR) (\S+)", re.MULTILINE)


def run_pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m pytest`` in *project*, with this repository importable and no settings of the caller's."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "LOCALSTORE_"))}
    environ.update(PYTHONPATH=str(ROOT), COLUMNS="1000")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", *args],
        cwd=project,
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_examples_are_shared_out_and_none_is_lost() -> None:
    assert [shard.examples for shard in shards(40, 25, 4)] == [10, 10, 10, 10]
    assert [shard.examples for shard in shards(10, 25, 4)] == [3, 3, 2, 2]
    assert [shard.examples for shard in shards(3, 25, 4)] == [1, 1, 1]  # fewer examples than shards
    assert [shard.examples for shard in shards(0, 25, 4)] == [0]
    assert [shard.id for shard in shards(40, 25, 2)] == ["shard-1-of-2", "shard-2-of-2"]
    for examples in range(12):
        for wanted in range(1, 6):
            found = shards(examples, 7, wanted)
            assert sum(shard.examples for shard in found) == examples
            assert {shard.count for shard in found} == {len(found)}
            assert all(shard.steps == 7 for shard in found)


def test_each_shard_has_a_seed_of_its_own_drawn_from_the_runs() -> None:
    seeds = [shard_seed("5", number, 4) for number in range(1, 5)]
    assert len(set(seeds)) == 4 and seeds == [shard_seed("5", number, 4) for number in range(1, 5)]
    assert seeds != [shard_seed("6", number, 4) for number in range(1, 5)]
    assert shard_seed("5", 1, 1) == 5  # one shard: the run's own seed, as the single test had
    assert 0 <= shard_seed("a text seed", 1, 1) < 2**32  # --hypothesis-seed takes any text


def test_the_shards_follow_the_class_and_the_limits(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from pytest_localstore import LocalArtifactStore
        from pytest_localstore.contract import ArtifactStoreContract

        class TestDefault(ArtifactStoreContract):
            @pytest.fixture
            def make_store(self, tmp_path_factory):
                return lambda: LocalArtifactStore(tmp_path_factory.mktemp("store"))

        class TestOne(TestDefault):
            stateful_shards = 1

        class TestFewExamples(TestDefault):
            stateful_limits = (3, 5)

        class TestNone(TestDefault):
            stateful_shards = 0
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--collect-only", "-q", "-k", "stateful")
    lines = result.stdout.lines
    assert [line.split("::", 1)[1] for line in lines if "::TestDefault::" in line] == [
        f"TestDefault::test_contract_stateful[shard-{number}-of-4]" for number in range(1, 5)
    ]
    assert [line for line in lines if "::TestOne::" in line] == [
        "test_the_shards_follow_the_class_and_the_limits.py::TestOne::test_contract_stateful[shard-1-of-1]"
    ]
    assert len([line for line in lines if "::TestFewExamples::test_contract_stateful[shard-" in line]) == 3
    result.stdout.fnmatch_lines(["*TestNone.stateful_shards must be a whole number >= 1, not 0*"])


def test_every_shard_and_row_passes_on_two_workers(tmp_path: Path, private_home: Path) -> None:
    (tmp_path / "test_memory_contract.py").write_text(MEMORY_SUITE)
    result = run_pytest(tmp_path, "-n", "2", "-v")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    results = RESULT_LINE.findall(result.stdout)
    outcomes = {test: outcome for _, outcome, test in results}
    stateful = sorted(test.split("::")[-1] for test in outcomes if "test_contract_stateful" in test)
    assert stateful == [f"test_contract_stateful[shard-{number}-of-4]" for number in range(1, 5)]
    assert all(outcomes[test] == "PASSED" for test in outcomes if "test_contract_stateful" in test)
    applicable = [row for row in ROWS if row.applies_to(MemoryArtifactStore.capabilities)]
    rows = [outcome for test, outcome in outcomes.items() if "test_contract_row" in test]
    assert rows.count("PASSED") == len(applicable) and rows.count("SKIPPED") == len(ROWS) - len(applicable)
    assert {worker for worker, _, _ in results} == {"gw0", "gw1"}  # both workers ran tests
    assert f"{len(applicable) + 4} passed" in result.stdout
    assert not (private_home / ".config" / "localstore").exists()


def test_a_broken_store_fails_in_a_shard_with_a_program_and_a_seed_that_repeats_it(tmp_path: Path) -> None:
    (tmp_path / "test_broken_contract.py").write_text(BROKEN_SUITE)
    result = run_pytest(tmp_path, "-n", "2", "-v", "-k", "stateful")
    assert result.returncode == 1, (result.stdout + result.stderr)[-3000:]
    failed = SHARD_LINE.findall(result.stdout)
    assert failed, result.stdout[-3000:]
    assert "store = make_store()" in result.stdout and "store.listdir(" in result.stdout
    workers = {worker for worker, outcome, test in RESULT_LINE.findall(result.stdout) if outcome == "FAILED"}
    assert workers == {"gw0", "gw1"}
    assert len({run for *_, run, _, _ in failed}) == 1  # both workers drew the same run seed
    number, count, examples, seed, run, test, given = failed[0]
    assert (count, examples, given) == ("4", "10", run)
    assert test.endswith(f"test_contract_stateful[shard-{number}-of-4]")
    assert int(seed) == shard_seed(run, int(number), 4)
    # The command the message gives runs that shard alone, with the same seed, to the same end.
    again = run_pytest(tmp_path, test, f"--hypothesis-seed={run}")
    assert again.returncode == 1, again.stdout[-3000:]
    assert "1 failed" in again.stdout
    assert set(SHARD_LINE.findall(again.stdout)) == {failed[0]}  # twice where CI is set (pytest 8)
