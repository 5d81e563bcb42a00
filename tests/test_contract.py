"""The contract: its document, its model, the reusable suite, and the broken stores it rejects."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_localstore import LocalArtifactStore
from pytest_localstore.contract import (
    ROWS,
    ArtifactStoreContract,
    Capabilities,
    ContractViolation,
    check_row,
    render_markdown,
    run_contract,
)
from pytest_localstore.contract._program import Call
from pytest_localstore.contract._runner import row_outcome, shortest_program

from .broken_stores import BROKEN, IgnoresOverwrite, MergingRename, ObjectStoreLike, StaleCache

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "localstore"


def test_contract_md_is_generated_from_the_table() -> None:
    assert (ROOT / "CONTRACT.md").read_text(encoding="utf-8") == render_markdown()


def test_every_operation_has_rows_for_missing_paths_and_the_root() -> None:
    situations: dict[str, set[str]] = {}
    for row in ROWS:
        situations.setdefault(row.operation, set()).add(row.situation)
    assert len(situations) == 14
    for op, found in situations.items():
        if op != "glob":
            assert any("missing" in s for s in found), op
        if op not in ("copyfile", "glob", "size"):
            assert any("root" in s for s in found), op


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_the_model_gives_each_row_its_written_outcome(row: object) -> None:
    assert row_outcome(row).describe() == row.allowed  # type: ignore[attr-defined]


class TestLocalStoreOnDisk(ArtifactStoreContract):
    """The local store on the real disk keeps the contract."""

    @pytest.fixture
    def make_store(self, tmp_path_factory: pytest.TempPathFactory) -> Callable[[], LocalArtifactStore]:
        return lambda: LocalArtifactStore(tmp_path_factory.mktemp("store"))


@pytest.mark.localstore(backend="fake")
class TestLocalStoreInPyfakefs(ArtifactStoreContract):
    """The local store under pyfakefs (the plugin's fake backend) keeps it too."""

    @pytest.fixture
    def make_store(self, artifact_store_factory: Callable[..., LocalArtifactStore]) -> Callable[[], object]:
        names = (f"store{number}" for number in itertools.count())
        return lambda: artifact_store_factory(next(names))


class TestCapabilityRelaxesExactlyWhatItSays(ArtifactStoreContract):
    """A store that merges directories on rename keeps the contract once it says so."""

    capabilities = Capabilities(atomic_rename=False)

    @pytest.fixture
    def make_store(self, tmp_path_factory: pytest.TempPathFactory) -> Callable[[], LocalArtifactStore]:
        return lambda: MergingRename(tmp_path_factory.mktemp("store"))


class TestObjectStoreWithoutEmptyDirectories(ArtifactStoreContract):
    """A store whose directories exist only above files keeps the relaxed contract."""

    capabilities = Capabilities(empty_directories=False)

    @pytest.fixture
    def make_store(self, tmp_path_factory: pytest.TempPathFactory) -> Callable[[], LocalArtifactStore]:
        return lambda: ObjectStoreLike(tmp_path_factory.mktemp("store"))


def test_object_store_like_breaks_the_full_contract(tmp_path: Path) -> None:
    count = itertools.count()
    report = run_contract(lambda: ObjectStoreLike(tmp_path / f"s{next(count)}"), examples=5, steps=5, seed=0)
    failed_rows = sum(report.rows_failed.values())
    assert failed_rows >= 5
    assert {op for op, _ in report.violations} >= {"mkdir", "makedirs", "listdir"}


def test_merging_rename_breaks_the_full_contract(tmp_path: Path) -> None:
    row = next(r for r in ROWS if r.situation == "dir onto non-empty dir, overwrite")
    program = check_row(row, MergingRename(tmp_path / "s"))
    assert program is not None and "OSError(ENOTEMPTY)" in program
    relaxed = Capabilities(atomic_rename=False)
    assert check_row(row, MergingRename(tmp_path / "t"), relaxed) is None


def test_case_insensitive_stores_skip_case_rows() -> None:
    case_rows = [row for row in ROWS if row.needs == "case_sensitive"]
    assert case_rows
    assert not any(row.applies_to(Capabilities(case_sensitive=False)) for row in case_rows)


def test_a_violation_is_a_runnable_program(tmp_path: Path) -> None:
    count = itertools.count()

    def make_store() -> IgnoresOverwrite:
        return IgnoresOverwrite(tmp_path / f"s{next(count)}")

    report = run_contract(make_store, examples=5, steps=5, seed=0)
    assert not report.ok
    op, program = report.violations[0]
    assert op == "copyfile"
    assert program.startswith("store = make_store()")
    namespace: dict[str, object] = {"make_store": make_store}
    exec(compile(program, "<violation>", "exec"), namespace)
    replayed = namespace["store"]
    assert isinstance(replayed, IgnoresOverwrite)
    with replayed.open("g", "rb") as handle:
        assert handle.read() == b"data"  # the bug, reproduced: 'old' was overwritten


def test_the_reported_program_has_no_call_it_does_not_need(tmp_path: Path) -> None:
    count = itertools.count()

    def make_store() -> StaleCache:
        return StaleCache(tmp_path / f"s{next(count)}")

    noisy = (
        Call("exists", ("a",)),
        Call("glob", ("*",)),
        Call("makedirs", ("b",)),
        Call("open_write", ("a", "wb", b"x")),
        Call("listdir", (".",)),
        Call("isdir", ("b",)),
        Call("exists", ("a",)),
    )
    violation = ContractViolation.for_op("exists")("the long program", noisy)
    program = shortest_program(violation, make_store)
    assert program.splitlines() == [
        "store = make_store()  # a fresh, empty store",
        "store.exists('a')",
        "with store.open('a', 'wb') as f:",
        "    f.write(b'x')",
        "store.exists('a')",
        "# contract: True; the store returned False",
    ]


BROKEN_SUITE = """
import pytest
from pytest_localstore.contract import ArtifactStoreContract
from tests.broken_stores import {cls}

class TestBroken(ArtifactStoreContract):
    @pytest.fixture
    def make_store(self, tmp_path_factory):
        return lambda: {cls}(tmp_path_factory.mktemp("store"))
"""


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_broken_store_is_rejected_through_the_mixin(pytester: pytest.Pytester, name: str) -> None:
    pytester.syspathinsert(ROOT)
    pytester.makepyfile(BROKEN_SUITE.format(cls=BROKEN[name].__name__))
    result = pytester.runpytest("-p", "no:randomly", "-p", "no:cacheprovider", "-q", "-k", "contract_row")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) >= 1, result.stdout.str()[-2000:]
    result.stdout.fnmatch_lines(["*store = make_store()*"])


def test_the_mixin_shows_the_violation_of_a_store_whose_rmtree_misbehaves(pytester: pytest.Pytester) -> None:
    # Emptying one reused store through this rmtree left directories behind, so
    # examples depended on each other and Hypothesis reported Flaky instead.
    pytester.makepyfile(
        """
        import os, pytest
        from pytest_localstore import LocalArtifactStore
        from pytest_localstore.contract import ArtifactStoreContract

        class RmtreeLeavesADirectory(LocalArtifactStore):
            def rmtree(self, path):
                try:
                    super().rmtree(path)
                finally:  # every call, failed or not, leaves a directory there
                    os.makedirs(os.path.join(self.path, os.fsdecode(path)), exist_ok=True)

        class TestIt(ArtifactStoreContract):
            @pytest.fixture
            def make_store(self, tmp_path_factory):
                return lambda: RmtreeLeavesADirectory(tmp_path_factory.mktemp("store"))
        """
    )
    result = pytester.runpytest("-p", "no:randomly", "-p", "no:cacheprovider", "-k", "stateful")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert "store = make_store()" in output and "store.rmtree(" in output
    assert "Flaky" not in output and "Inconsistent data generation" not in output


def test_every_row_and_example_gets_a_store_of_its_own(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from pytest_localstore import LocalArtifactStore
        from pytest_localstore.contract import ArtifactStoreContract

        MADE = []

        class TestIt(ArtifactStoreContract):
            @pytest.fixture
            def make_store(self, tmp_path_factory):
                def make():
                    MADE.append(LocalArtifactStore(tmp_path_factory.mktemp("store")))
                    return MADE[-1]
                return make

        def test_zz_count():
            assert len({store.path for store in MADE}) == len(MADE) > 134 + 10
        """
    )
    result = pytester.runpytest("-p", "no:randomly", "-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=1 + 1 + sum(1 for row in ROWS if row.applies_to(Capabilities())))


def test_a_subclass_without_make_store_gets_one_error_naming_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from pytest_localstore import LocalArtifactStore
        from pytest_localstore.contract import ArtifactStoreContract

        class TestOldStyle(ArtifactStoreContract):
            @pytest.fixture
            def store(self, tmp_path):
                return LocalArtifactStore(tmp_path)
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(errors=1, skipped=1)
    result.stdout.fnmatch_lines(
        ["*TestOldStyle runs the ArtifactStoreContract but defines no make_store fixture*"]
    )


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_broken_store_is_rejected_through_the_cli(name: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [
            str(SCRIPT),
            "contract",
            f"tests.broken_stores:make_{name}",
            "--examples",
            "5",
            "--steps",
            "10",
            "--seed",
            "1",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "LOCALSTORE_CONFIG_PATH": str(tmp_path / "cfg")},
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    assert "violation(s)" in result.stdout
    assert f"store = tests.broken_stores.make_{name}()" in result.stdout


def test_cli_local_conforms_on_disk_and_pyfakefs(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(SCRIPT), "contract", "--examples", "10", "--steps", "10", "--seed", "3"],
        capture_output=True,
        text=True,
        env={**os.environ, "LOCALSTORE_CONFIG_PATH": str(tmp_path / "cfg")},
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "local (disk): conforms" in result.stdout
    assert "local (pyfakefs): conforms" in result.stdout
    assert result.stdout.count(f"total: {len(ROWS)}/{len(ROWS)} table rows") == 2
    assert "table rows: 20/" in result.stderr  # progress


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("no_such_module:make", "cannot import 'no_such_module'"),
        ("tests.broken_stores:nothing", "has no callable 'nothing'"),
        ("tests.broken_stores:BROKEN", "has no callable 'BROKEN'"),
        ("os:getcwd", "returned '"),
        ("justaword", "expected 'local' or MODULE:FACTORY"),
    ],
)
def test_cli_bad_targets_exit_2(target: str, message: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(SCRIPT), "contract", target],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "LOCALSTORE_CONFIG_PATH": str(tmp_path / "cfg")},
        timeout=120,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_cli_prints_the_contract_document() -> None:
    result = subprocess.run(
        [str(SCRIPT), "contract", "--markdown"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert result.stdout == render_markdown()


def test_cli_rejects_bad_numbers() -> None:
    result = subprocess.run([str(SCRIPT), "contract", "--examples", "0"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "'0': expected a whole number of at least 1" in result.stderr
