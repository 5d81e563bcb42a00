"""The contract is safe on the worst store: it changes nothing outside a root but its own sandbox,
and a store that harms what lies around its root still gets a report.

The careless stores of ``broken_stores`` (no confinement at all) make their roots
with plain ``tempfile.mkdtemp()``; every test here points that at a directory of
its own, inside a tree of canary files: above the roots, beside them, in a folder
among them, and in the current directory.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_localstore import ArtifactStore, MemoryArtifactStore
from pytest_localstore.artifact_store import PathType
from pytest_localstore.contract import Capabilities, run_contract
from pytest_localstore.contract._escapes import (
    CONTRACT_LINKS,
    FORMS,
    NEIGHBOUR_PREFIX,
    SIBLING_SUFFIX,
    STAND_INS,
    outside_in,
)
from pytest_localstore.contract._operations import OPERATIONS
from pytest_localstore.contract._rows import ESCAPE_ROWS
from pytest_localstore.contract._runner import Report
from pytest_localstore.contract._sandbox import CANARY_PREFIX

from .broken_stores import CarelessRename, NoConfinement
from .test_contract_jobs import MEMORY, memory_stores

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "localstore"
CARELESS = {"no_confinement": NoConfinement, "careless_rename": CarelessRename}


class CanaryTree:
    """``top/canary``, ``top/roots/`` (where roots are made) with canaries beside and among
    the roots, and ``top/cwd/canary`` for the current directory."""

    def __init__(self, top: Path) -> None:
        self.top = top
        self.roots = top / "roots"
        self.cwd = top / "cwd"
        self.canaries = {
            top / "canary": b"above the roots",
            self.roots / "canary": b"beside the roots",
            self.roots / "folder" / "canary": b"in a folder among the roots",
            self.cwd / "canary": b"in the current directory",
        }
        for path, content in self.canaries.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)

    def harmed(self) -> list[str]:
        """The canaries that are not as they were."""
        return [str(path) for path, content in self.canaries.items() if _content(path) != content]

    def left_behind(self) -> list[str]:
        """What of the contract's is still there: siblings, canaries, links in the roots."""
        left = [
            name
            for name in os.listdir(self.roots)
            if name.endswith(SIBLING_SUFFIX) or name.startswith((CANARY_PREFIX, NEIGHBOUR_PREFIX))
        ]
        for dirpath, dirnames, filenames in os.walk(self.roots):
            left += [
                os.path.join(dirpath, name)
                for name in dirnames + filenames
                if name in CONTRACT_LINKS and os.path.islink(os.path.join(dirpath, name))
            ]
        return left


def _content(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


@pytest.fixture
def canary_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CanaryTree]:
    """A canary tree; ``tempfile.mkdtemp()`` makes roots in its ``roots`` and the test runs in its ``cwd``."""
    tree = CanaryTree(tmp_path / "top")
    monkeypatch.setattr(tempfile, "tempdir", str(tree.roots))
    monkeypatch.chdir(tree.cwd)
    yield tree
    shutil.rmtree(tmp_path / "top", ignore_errors=True)


def _causes(report: Report) -> set[tuple[str, str, str]]:
    return set(report.entries)


@pytest.mark.parametrize("name", sorted(CARELESS))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_careless_store_harms_nothing_and_is_caught_by_rows_and_machine(
    canary_tree: CanaryTree, name: str, seed: int
) -> None:
    store = CARELESS[name]
    report = run_contract(lambda: store(tempfile.mkdtemp()), Capabilities(), examples=25, steps=25, seed=seed)
    assert canary_tree.harmed() == []
    assert canary_tree.left_behind() == []
    assert not report.ok and not report.stopped
    rules = {rule for _, _, rule in _causes(report)}
    assert "changes nothing outside the root" in rules
    assert {"refuses a path outside the root", "refuses a path outside the root with PermissionError"} & rules
    assert report.calls["examples"] > 0  # the state machine ran too


@pytest.mark.parametrize("name", sorted(CARELESS))
def test_every_escape_of_a_careless_store_is_reported(canary_tree: CanaryTree, name: str) -> None:
    """Every operation, and every form but the NUL byte (which ``os`` refuses by itself), fails
    at least one confinement row; no call that changes things names what the contract did not make."""
    from pytest_localstore.contract import check_row

    failed_ops: set[str] = set()
    failed_forms: set[str] = set()
    for row in ESCAPE_ROWS:
        outside = outside_in(row.call.args)
        assert outside is not None
        if OPERATIONS[row.call.op].changes:
            assert outside.form not in ("up", "parent"), row.id
        if check_row(row, CARELESS[name](tempfile.mkdtemp()), Capabilities()) is not None:
            failed_ops.add(row.call.op)
            failed_forms.add(outside.form)
    assert canary_tree.harmed() == []
    assert canary_tree.left_behind() == []
    escaping_ops = {row.call.op for row in ESCAPE_ROWS}
    assert failed_ops == escaping_ops
    assert failed_forms >= set(FORMS) - {"nul"}


def _cli(
    tree: CanaryTree, target: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), "contract", target, *args],
        capture_output=True,
        text=True,
        cwd=tree.cwd,
        env={**os.environ, "TMPDIR": str(tree.roots), "PYTHONPATH": str(ROOT), **(env or {})},
        timeout=300,
    )


@pytest.mark.parametrize("name", sorted(CARELESS))
def test_the_cli_on_a_careless_store_exits_1_with_a_report_and_harms_nothing(
    canary_tree: CanaryTree, name: str
) -> None:
    result = _cli(canary_tree, f"tests.broken_stores:make_{name}", "--seed", "4", "--examples", "20")
    assert result.returncode == 1, result.stderr[-2000:]
    assert "changes nothing outside the root" in result.stdout
    assert "Traceback" not in result.stderr
    assert canary_tree.harmed() == []
    assert canary_tree.left_behind() == []


class RmtreeOneLevelUp(NoConfinement):
    """Removes the directory above the one it is given: ``rmtree('.')`` removes what holds the root."""

    def rmtree(self, path: object) -> None:
        shutil.rmtree(os.path.dirname(os.path.normpath(self._full(path))))  # type: ignore[arg-type]


def make_one_level_up() -> RmtreeOneLevelUp:
    return RmtreeOneLevelUp(tempfile.mkdtemp(dir=os.environ["ROOTS_IN"]))


@pytest.mark.parametrize("jobs", [1, 4])
def test_a_store_that_removes_what_holds_its_root_is_stopped_after_that_one_call(
    canary_tree: CanaryTree, tmp_path: Path, jobs: int
) -> None:
    holder = canary_tree.roots / "holder"
    holder.mkdir()
    made: list[str] = []

    def make() -> ArtifactStore:
        made.append(tempfile.mkdtemp(dir=holder))
        return RmtreeOneLevelUp(made[-1])

    report = run_contract(make, Capabilities(), examples=10, steps=10, seed=1, jobs=jobs)
    # The one call it made: bounded to the directory that held the roots. Asked for four jobs, a
    # run on stores on this disk takes one call at a time, so the harm is the same.
    assert not holder.exists()
    assert canary_tree.harmed() == []
    assert "rmtree('.')" in report.stopped and "is gone" in report.stopped
    fatal = [entry.violation for entry in report.entries.values() if entry.violation.problem.fatal]
    assert len(fatal) == 1
    assert fatal[0].calls[-1].source() == "store.rmtree('.')"
    assert report.calls["examples"] == 0  # the run went no further
    assert canary_tree.left_behind() == []


def test_the_cli_reports_a_harmful_store_and_exits_1(canary_tree: CanaryTree) -> None:
    holder = canary_tree.roots / "holder"
    holder.mkdir()
    result = _cli(
        canary_tree,
        "tests.test_contract_safety:make_one_level_up",
        "--seed",
        "1",
        env={"ROOTS_IN": str(holder)},
    )
    assert result.returncode == 1, result.stderr[-2000:]
    assert "(the run stopped: after store.rmtree('.'), the directory that holds the root" in result.stdout
    assert "Traceback" not in result.stderr and "localstore: error" not in result.stderr
    assert canary_tree.harmed() == []


def test_a_factory_that_raises_mid_run_gets_a_report_naming_the_last_call(canary_tree: CanaryTree) -> None:
    made: list[str] = []

    def make() -> ArtifactStore:
        if len(made) == 30:
            raise OSError(28, "No space left on device")
        made.append(tempfile.mkdtemp())
        return NoConfinement(made[-1])

    report = run_contract(make, Capabilities(), examples=5, steps=5, seed=1)
    assert report.stopped.startswith(
        "make_store raised OSError: [Errno 28] No space left on device after store."
    )
    assert not report.ok
    assert canary_tree.left_behind() == []


def test_a_sibling_already_there_is_never_touched(canary_tree: CanaryTree) -> None:
    theirs: list[Path] = []

    def make() -> ArtifactStore:
        root = tempfile.mkdtemp()
        theirs.append(Path(root + SIBLING_SUFFIX))
        theirs[-1].mkdir()
        (theirs[-1] / "x").write_bytes(b"not the contract's")
        return NoConfinement(root)

    report = run_contract(make, Capabilities(), examples=1, steps=5, seed=1)
    assert "is there already and is not this run's" in report.stopped
    assert all(
        os.listdir(path) == ["x"] and (path / "x").read_bytes() == b"not the contract's" for path in theirs
    )


def test_sigterm_gives_the_partial_report_and_leaves_nothing(canary_tree: CanaryTree) -> None:
    process = subprocess.Popen(
        [
            str(SCRIPT),
            "contract",
            "tests.broken_stores:make_careless_rename",
            "--seed",
            "5",
            "--examples",
            "100000",
            "--max-time",
            "600",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=canary_tree.cwd,
        env={**os.environ, "TMPDIR": str(canary_tree.roots), "PYTHONPATH": str(ROOT)},
    )
    assert process.stderr is not None
    for line in process.stderr:
        if "state machine: up to" in line:
            break
    time.sleep(1.0)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert "(stopped by SIGTERM: the report of what was found so far)" in stdout
    assert "cause(s) of violation" in stdout
    assert canary_tree.harmed() == []
    assert canary_tree.left_behind() == []


MIXIN_SUITE = """
import os, shutil, tempfile
import pytest
from pytest_localstore.contract import ArtifactStoreContract
from tests.broken_stores import NoConfinement


class RmtreeOneLevelUp(NoConfinement):
    def rmtree(self, path):
        shutil.rmtree(os.path.dirname(os.path.normpath(self._full(path))))


class TestCareless(ArtifactStoreContract):
    @pytest.fixture
    def make_store(self):
        return lambda: NoConfinement(tempfile.mkdtemp())


class TestHarmful(ArtifactStoreContract):
    @pytest.fixture
    def make_store(self):
        holder = os.path.join(tempfile.gettempdir(), "holder")
        os.makedirs(holder, exist_ok=True)
        return lambda: RmtreeOneLevelUp(tempfile.mkdtemp(dir=holder))
"""


def test_the_mixin_on_careless_stores_harms_nothing_and_stops_a_harmful_one(canary_tree: CanaryTree) -> None:
    (canary_tree.cwd / "test_careless.py").write_text(MIXIN_SUITE)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-p",
            "no:randomly",
            "test_careless.py",
        ],
        capture_output=True,
        text=True,
        cwd=canary_tree.cwd,
        env={**os.environ, "TMPDIR": str(canary_tree.roots), "PYTHONPATH": str(ROOT), "COLUMNS": "1000"},
        timeout=600,
    )
    assert result.returncode == 1, result.stdout[-3000:]
    assert canary_tree.harmed() == []
    assert canary_tree.left_behind() == []
    assert "changes nothing outside the root" in result.stdout
    harmful = [
        line for line in result.stdout.splitlines() if line.startswith("FAILED test_careless.py::TestHarmful")
    ]
    not_run = [line for line in harmful if "not run: an earlier contract test of this class" in line]
    stopped = [
        line for line in harmful if line not in not_run and "the run stopped: after store.rmtree('.')" in line
    ]
    assert len(stopped) == 1, result.stdout[-3000:]
    assert len(not_run) > 100
    assert "error" not in result.stdout.splitlines()[-1]  # failures with reports, not errors


def test_every_form_is_drawn_by_calls_that_read_or_by_calls_that_change() -> None:
    forms = {
        (OPERATIONS[row.call.op].changes, outside.form)
        for row in ESCAPE_ROWS
        if (outside := outside_in(row.call.args))
    }
    assert {form for changes, form in forms if not changes} >= {"up", "parent"}
    assert {form for changes, form in forms if changes} >= set(STAND_INS)
    assert not {("up", True), ("parent", True)} & {(form, changes) for changes, form in forms}


class ExitsInRmtree(NoConfinement):
    """Crashes the process from inside a call: ``SystemExit`` passes every ``except Exception``."""

    def rmtree(self, path: object) -> None:
        raise SystemExit(3)


def test_a_store_that_crashes_the_run_leaves_nothing_behind(canary_tree: CanaryTree) -> None:
    with pytest.raises(SystemExit):
        run_contract(lambda: ExitsInRmtree(tempfile.mkdtemp()), Capabilities(), examples=5, steps=5, seed=1)
    assert canary_tree.harmed() == []
    assert canary_tree.left_behind() == []


@pytest.mark.parametrize("name", sorted(CARELESS))
def test_with_four_jobs_a_careless_store_harms_nothing_and_gets_the_same_causes(
    canary_tree: CanaryTree, name: str
) -> None:
    """Calls on stores on this disk take turns, so the sandbox catches the same escapes."""
    store = CARELESS[name]
    one = run_contract(lambda: store(tempfile.mkdtemp()), Capabilities(), examples=10, steps=20, seed=1)
    four = run_contract(
        lambda: store(tempfile.mkdtemp()), Capabilities(), examples=10, steps=20, seed=1, jobs=4
    )
    assert canary_tree.harmed() == []
    assert canary_tree.left_behind() == []
    assert not four.stopped
    assert _causes(four) == _causes(one)
    assert {key: entry.count for key, entry in four.entries.items()} == {
        key: entry.count for key, entry in one.entries.items()
    }
    assert four.calls == one.calls


class MemoryExistsAnywhere(MemoryArtifactStore):
    """A memory store whose exists answers False for a path outside the root, not PermissionError."""

    def exists(self, path: PathType) -> bool:
        try:
            return super().exists(path)
        except PermissionError:
            return False


def test_a_program_for_a_store_not_on_this_disk_makes_nothing_beside_it() -> None:
    report = run_contract(memory_stores(MemoryExistsAnywhere), MEMORY, examples=1, steps=5, seed=1)
    assert not report.outside_watched  # its roots are in memory: nothing beside them was watched
    (entry,) = report.entries.values()
    assert (
        entry.violation.method == "exists"
        and entry.violation.problem.rule == "refuses a path outside the root"
    )
    program = entry.violation.program
    assert "makedirs" not in program and "write_bytes" not in program, program
    exec(compile(program, "<report>", "exec"), {"make_store": memory_stores(MemoryExistsAnywhere)})
