"""The contract: its document, its model, the reusable suite, and the broken stores it rejects."""

from __future__ import annotations

import datetime
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from pytest_localstore import LocalArtifactStore
from pytest_localstore.contract import (
    ROWS,
    ArtifactStoreContract,
    Capabilities,
    Row,
    check_row,
    render_markdown,
    run_contract,
)
from pytest_localstore.contract._checker import Normaliser, Problem, check
from pytest_localstore.contract._machine import Violation
from pytest_localstore.contract._model import ReferenceModel
from pytest_localstore.contract._operations import literal
from pytest_localstore.contract._program import Call
from pytest_localstore.contract._report import rows_refused
from pytest_localstore.contract._rows import ESCAPE_ROWS
from pytest_localstore.contract._runner import (
    explore,
    program_of,
    replay,
    row_model,
    row_outcome,
    shortest_calls,
)
from pytest_localstore.contract._sandbox import Sandbox

from .broken_stores import (
    BROKEN,
    DotDotJoined,
    ExistsGivesNumbers,
    FollowsLinks,
    IgnoresOverwrite,
    ListdirGivesPaths,
    MergingRename,
    MovesThenRaises,
    NormalisesNames,
    ObjectStoreLike,
    OverwriteByDefault,
    PrefixConfined,
    RaisesNonOSError,
    SilentRemove,
    StaleCache,
    StatGivesInfoDict,
    StripsTrailingSpaces,
)

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


def capabilities_for(row: Row) -> Capabilities:
    """Capabilities under which *row* applies (the local store's, with the row's need)."""
    if not row.needs:
        return Capabilities()
    name = row.needs.lstrip("!")
    value = not row.needs.startswith("!")
    return Capabilities(**{name: value if name != "max_name_bytes" else 255})


@pytest.mark.parametrize("row", [row for row in ROWS if not row.derived], ids=lambda row: row.id)
def test_the_model_gives_each_row_its_written_outcome(row: Row) -> None:
    """Rows written by hand; the derived ones are checked on the disk (test_derived_rows.py)."""
    capabilities = capabilities_for(row)
    assert row.applies_to(capabilities)
    assert row_outcome(row, capabilities).describe() == row.allowed


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

    capabilities = Capabilities(empty_directories=False, sets_errno=False)

    @pytest.fixture
    def make_store(self, tmp_path_factory: pytest.TempPathFactory) -> Callable[[], LocalArtifactStore]:
        return lambda: ObjectStoreLike(tmp_path_factory.mktemp("store"))


def test_object_store_like_breaks_the_full_contract(tmp_path: Path) -> None:
    count = itertools.count()
    report = run_contract(lambda: ObjectStoreLike(tmp_path / f"s{next(count)}"), examples=5, steps=5, seed=0)
    assert sum(report.rows_failed.values()) >= 5 and report.rows_failed["listdir"] >= 1
    # Its listdir rows fail where the cause is: the makedirs that builds their starting tree.
    assert {entry.violation.method for entry in report.entries.values()} >= {"mkdir", "makedirs"}
    assert all(
        entry.kind == "data"
        for entry in report.entries.values()
        if entry.violation.method == "makedirs"
        and "leaves the root" not in entry.violation.source
        and "sets_errno" not in entry.violation.problem.rule  # it raises with no errno, too
        # A makedirs that makes nothing makes nothing through a link to itself either: the
        # row's tree was read back in full, and matched, before its call.
        and "through a link inside the root to itself" not in entry.violation.source
    )


def test_merging_rename_breaks_the_full_contract(tmp_path: Path) -> None:
    row = next(r for r in ROWS if r.situation == "dir onto non-empty dir, overwrite")
    violation = check_row(row, MergingRename(tmp_path / "s"))
    assert violation is not None and violation.problem.kind == "data"  # it merged: data moved
    assert "OSError(ENOTEMPTY)" in violation.problem.detail
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
    entry = report.ordered()[0]
    assert entry.violation.method == "copyfile" and entry.kind == "data"
    program = entry.violation.program
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
    found = replay(list(noisy), make_store)
    assert found is not None and found[0] == len(noisy) - 1
    shortest = shortest_calls(Violation(noisy, found[1], "test"), make_store)
    assert program_of(shortest).splitlines() == [
        "store = make_store()  # a fresh, empty store",
        "store.exists('a')",
        "with store.open('a', 'wb') as f:",
        "    f.write(b'x')",
        "store.exists('a')",
        "# exists: value: returns what the contract allows; contract: True; the store returned False",
    ]


def test_a_reported_program_compiles_whatever_the_store_said() -> None:
    said = "the store raised ValueError: embedded null byte in 'x\x00'"
    violation = Violation((Call("exists", ("x\x00",)),), Problem("error", "raises what it may", said), "t")
    program = program_of(violation)
    compile(program, "<report>", "exec")  # a NUL byte in a comment: "source code cannot contain null bytes"
    assert program.splitlines()[-1].endswith("in 'x\\x00'"), program


@pytest.mark.parametrize(
    ("form", "imported"), [("pathlib", ["import pathlib"]), ("dotdot", ["import os"]), ("up", [])]
)
def test_a_program_imports_the_modules_its_calls_use_and_no_other(form: str, imported: list[str]) -> None:
    from pytest_localstore.contract._escapes import Outside

    said = "the store returned b'secret'"
    call = Call("open_read", (Outside(form, "f"), "rb"))
    violation = Violation((call,), Problem("silent", "refuses a path outside the root", said), "t")
    program = program_of(violation, watched=False)  # a store not on this disk: no sibling made
    compile(program, "<report>", "exec")
    assert [line for line in program.splitlines() if line.startswith("import")] == imported, program


def test_a_program_whose_path_has_a_nul_byte_makes_nothing_beside_the_root() -> None:
    from pytest_localstore.contract._escapes import Outside

    said = "the store returned False"
    call = Call("exists", (Outside("nul", "x"),))
    violation = Violation((call,), Problem("silent", "refuses a path outside the root", said), "t")
    assert program_of(violation).splitlines()[:2] == [
        "store = make_store()  # a fresh, empty store",
        "store.exists('x\\x00')",
    ]


def test_a_cause_its_last_call_shows_alone_is_shortened_with_one_replay(tmp_path: Path) -> None:
    made = itertools.count()

    def make_store() -> ExistsGivesNumbers:
        return ExistsGivesNumbers(tmp_path / f"s{next(made)}")

    noisy = (Call("makedirs", ("b",)), Call("open_write", ("b/a", "wb", b"x")), Call("exists", ("a",)))
    found = replay(list(noisy), make_store)
    assert found is not None and found[0] == len(noisy) - 1
    before = next(made)
    shortest = shortest_calls(Violation(noisy, found[1], "test"), make_store)
    assert shortest.calls == (Call("exists", ("a",)),)
    assert next(made) - before == 2, "one replay: the last call alone"


def test_runs_of_calls_it_does_not_need_go_together(tmp_path: Path) -> None:
    made = itertools.count()

    def make_store() -> StaleCache:
        return StaleCache(tmp_path / f"s{next(made)}")

    needed = [Call("exists", ("a",)), Call("open_write", ("a", "wb", b"x")), Call("exists", ("a",))]
    filler = [Call("exists", (f"n{index}",)) for index in range(8)]
    noisy = (*filler, needed[0], *filler, needed[1], *filler, needed[2])
    found = replay(list(noisy), make_store)
    assert found is not None and found[0] == len(noisy) - 1
    before = next(made)
    shortest = shortest_calls(Violation(noisy, found[1], "test"), make_store)
    assert list(shortest.calls) == needed
    # Taken out one at a time from the end, the 21 it does not need cost 60 fresh stores.
    assert next(made) - before <= 40


def test_a_shorter_program_whose_problem_shows_at_its_last_call_is_not_run_again_to_pin_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_localstore.contract import _replay

    pins: list[int] = []
    pinned = _replay.pinned
    monkeypatch.setattr(
        _replay, "pinned", lambda calls, *rest: pins.append(len(calls)) or pinned(calls, *rest)
    )
    made = itertools.count()

    def make_store() -> StaleCache:
        return StaleCache(tmp_path / f"s{next(made)}")

    needed = [Call("exists", ("a",)), Call("open_write", ("a", "wb", b"x")), Call("exists", ("a",))]
    noisy = (Call("makedirs", ("d",)), needed[0], Call("open_write", ("d/f", "wb", b"y")), *needed[1:])
    found = replay(list(noisy), make_store)
    assert found is not None and found[0] == len(noisy) - 1
    pins.clear()
    shortest = shortest_calls(Violation(noisy, found[1], "test"), make_store)
    assert list(shortest.calls) == needed
    # The tree is read back in full before a trial's last call, so its problem is its own.
    assert pins == []


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
    result.assert_outcomes(failed=4)  # every shard of the state machine meets it
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
            assert len({store.path for store in MADE}) == len(MADE) > 130 + 10
        """
    )
    result = pytester.runpytest("-p", "no:randomly", "-p", "no:cacheprovider", "-q")
    applicable = sum(1 for row in ROWS if row.applies_to(Capabilities()))
    shards = ArtifactStoreContract.stateful_shards
    result.assert_outcomes(passed=1 + shards + applicable, skipped=len(ROWS) - applicable)


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
    assert "cause(s) of violation" in result.stdout
    # The program runs as pasted: it imports the factory's module first.
    assert f"import tests.broken_stores\n\nstore = tests.broken_stores.make_{name}()" in result.stdout


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
    applicable = sum(1 for row in ROWS if row.applies_to(Capabilities()))
    assert result.stdout.count(f"total: {applicable}/{applicable} table rows") == 2
    # Progress in a log: the rows' last report, and at most one line per 2 s before it.
    assert result.stderr.count(f"table rows: {applicable}/{applicable},") == 2
    assert result.stderr.count("table rows: ") < 2 * applicable // 20


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("no_such_module:make", "cannot import 'no_such_module'"),
        ("tests.broken_stores:nothing", "has no callable 'nothing'"),
        ("tests.broken_stores:BROKEN", "has no callable 'BROKEN'"),
        ("os:getcwd", "returned '"),
        ("justaword", "expected one of azure, gcs, local, memory, s3, zenml:local, zenml:s3, zenml:gcs,"),
        ("zenml:", "target 'zenml:': expected one of azure, gcs, local, memory, s3, zenml:local, zenml:s3,"),
        ("zenml:no_such_module:make", "target 'zenml:no_such_module:make': cannot import 'no_such_module'"),
        ("zenml:os:getcwd", "the factory returned '"),
        ("zenml:tests.zenml_factories:ours", "expected a ZenML artifact store"),
    ],
)
def test_cli_bad_targets_exit_2(target: str, message: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(SCRIPT), "contract", target],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "LOCALSTORE_CONFIG_PATH": str(tmp_path / "cfg"), "TMPDIR": str(tmp_path)},
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


def fresh(cls: type[LocalArtifactStore], base: Path) -> Callable[[], LocalArtifactStore]:
    """A factory of new, empty stores of *cls* below *base*."""
    numbers = itertools.count()
    return lambda: cls(base / f"s{next(numbers)}")


@pytest.mark.parametrize(
    ("store", "kind", "method"),
    [
        (MovesThenRaises, "data", "rename"),  # copied everything, then raised: data, not "raised OSError"
        (RaisesNonOSError, "error", "remove"),  # a non-OSError is a violation, not a crash
        (ExistsGivesNumbers, "value", "exists"),  # 1 and 0 are not bools
        (IgnoresOverwrite, "data", "copyfile"),
        (SilentRemove, "silent", "remove"),
    ],
)
def test_each_kind_of_violation_is_named(
    tmp_path: Path, store: type[LocalArtifactStore], kind: str, method: str
) -> None:
    report = run_contract(fresh(store, tmp_path), examples=20, steps=10, seed=2)
    entries = report.ordered()
    assert (entries[0].kind, entries[0].violation.method) == (kind, method)
    assert {entry.violation.method for entry in entries} == {method}
    program = entries[0].violation.program
    assert program.splitlines()[-1].startswith(f"# {method}: {kind}: ")


def test_the_report_lists_data_first(tmp_path: Path) -> None:
    class Both(RaisesNonOSError, IgnoresOverwrite):
        pass

    report = run_contract(fresh(Both, tmp_path), examples=10, steps=10, seed=0)
    # Two errors: the missing file, and the link out that its exists() refuses to look at.
    assert [entry.kind for entry in report.ordered()] == ["data", "error", "error"]
    assert report.totals() == {"data": 1, "value": 0, "silent": 0, "error": 2}


def test_what_the_store_returned_is_shown_as_it_was(tmp_path: Path) -> None:
    report = run_contract(fresh(ListdirGivesPaths, tmp_path), examples=5, steps=5, seed=0)
    detail = report.ordered()[0].violation.problem.detail
    assert "the store returned ['<root>/" in detail  # the store's own value, the root written <root>


def test_what_names_a_runs_places_and_requests_is_shown_the_same_in_every_run() -> None:
    def shown(root: str, value: object) -> str:
        with Sandbox() as sandbox:
            store: Any = SimpleNamespace(path=root)
            return Normaliser(store, ReferenceModel(), sandbox).shown(value)

    # ZenML's Azure store hands back the name its client uses: a new container in every run.
    found = {"name": "run-4f2a/287/", "type": "directory"}
    assert shown("az://run-4f2a/287", found) == "{'name': '<root>/', 'type': 'directory'}"
    assert (
        shown("az://run-4f2a/287", ["run-4f2a/2870", "xrun-4f2a/287"]) == "['run-4f2a/2870', 'xrun-4f2a/287']"
    )
    assert shown("s3://b", b"b/x") == "b'b/x'"  # a bucket's name alone may be any word
    outside = "File `az://run-4f2a/evil_287` is outside of artifact store bounds `run-4f2a/287`"
    assert shown("az://run-4f2a/287", ValueError(outside)) == (
        "ValueError: File `<root>/../evil_<name of the root>` is outside of artifact store bounds `<root>`"
    )
    assert shown("/tmp/x/s1", "/tmp/x/evil_s1/f") == "'<root>/../evil_<name of the root>/f'"
    azure = "Invalid.\nRequestId:35aa4f58-0f4b-4303-8c7e-508c016cb90e\nTime:2026-12-06T23:44:24.364Z"
    assert shown("az://c/1", OSError(azure)) == "OSError: Invalid.\nRequestId:<uuid>\nTime:<time>"
    # ZenML's S3 store: the bucket that holds the roots is new in every run, and so is the
    # root's name (the stores made before it, in any order); s3fs's info has a datetime.
    bounds = "File `s3://run-9c1e` is outside of artifact store bounds `run-9c1e/317`"
    assert shown("s3://run-9c1e/317", FileNotFoundError(bounds)) == (
        "FileNotFoundError: File `<root>/..` is outside of artifact store bounds `<root>`"
    )
    assert shown("s3://run-9c1e/317", ["run-9c1e/317/../317_evil/x", "s3://run-9c1e/317_evil/y"]) == (
        "['<root>/../<name of the root>_evil/x', '<root>_evil/y']"
    )
    assert shown("s3://run-9c1e/317", ["s3://run-9c1e2/a", "s3://run-9c1e/3170"]) == (
        "['s3://run-9c1e2/a', '<root>/../3170']"
    )
    assert shown("/tmp/x/s1", "/var/tmp/x/s1, /tmp/x/s2") == "'/var/tmp/x/s1, <root>/../s2'"
    info = {"LastModified": datetime.datetime(2026, 12, 7, 1, 15, 57, tzinfo=datetime.timezone.utc)}
    assert shown("s3://b/1", info) == "{'LastModified': <time>}"
    # GCS's JSON API names an object by its bucket and its quoted key; a generation is new
    # with every write.
    missing = "b/run-70ba/o/86%2Fd%2F%2Fx.txt, b/run-70ba/o/86%2F./moveTo/o/86%2Fg"
    assert shown("gs://run-70ba/86", FileNotFoundError(missing)) == (
        "FileNotFoundError: <root>/d//x.txt, <root>/./moveTo/o/<name of the root>/g"
    )
    escaping = "b/run-70ba/o/86%2F..%2F86_evil%2Fx/rewriteTo/b/run-70ba/o/86%2Fcopy"
    assert (
        shown("gs://run-70ba/86", escaping) == "'<root>/../<name of the root>_evil/x/rewriteTo/<root>/copy'"
    )
    gcs_info = {
        "id": "run-70ba/86/f/1796619593916889482",
        "selfLink": "/storage/v1/b/run-70ba/o/86/f",
        "bucket": "run-70ba",
    }
    assert shown("gs://run-70ba/86", gcs_info) == (
        "{'id': '<root>/f/<generation>', 'selfLink': '/storage/v1/<root>/f', 'bucket': '<root>/..'}"
    )
    assert shown("s3://run-70ba/86", "b/run-70ba/o/86%2Fx 1796619593916889482") == (
        "'b/run-70ba/o/86%2Fx 1796619593916889482'"  # only GCS's spellings, only on GCS
    )


@pytest.mark.parametrize(
    ("store", "capabilities"),
    [
        (StatGivesInfoDict, Capabilities()),  # fsspec's info dict is a stat result too
        (
            LocalArtifactStore,
            Capabilities(empty_directories=False),
        ),  # relaxing never rejects a stricter store
        (LocalArtifactStore, Capabilities(max_name_bytes=None, glob_hidden=False)),
    ],
)
def test_stores_that_keep_the_contract_conform(
    tmp_path: Path, store: type[LocalArtifactStore], capabilities: Capabilities
) -> None:
    report = run_contract(fresh(store, tmp_path), capabilities, examples=40, steps=20, seed=4)
    assert report.ok, [entry.violation.program for entry in report.ordered()]


def run_cli(*args: str, cwd: Path = ROOT, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), "contract", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=timeout,
    )


def test_a_seed_gives_the_same_report_byte_for_byte() -> None:
    runs = [
        run_cli("tests.broken_stores:make_rename_copies", "--examples", "30", "--seed", "11")
        for _ in range(2)
    ]
    assert runs[0].returncode == runs[1].returncode == 1
    assert runs[0].stdout == runs[1].stdout
    assert "seed 11" in runs[0].stdout and "seed 11 (repeat this run with --seed 11)" in runs[0].stderr


def test_an_unseeded_run_prints_its_seed() -> None:
    result = run_cli("tests.broken_stores:make_ignores_overwrite", "--examples", "5")
    seed = result.stderr.split("seed ", 1)[1].split()[0]
    assert f"--seed {seed})" in result.stderr and f"seed {seed}" in result.stdout


def test_no_file_is_left_in_the_current_directory_and_json_has_the_report(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    report_file = tmp_path / "report.json"
    target = "tests.broken_stores:make_moves_then_raises"
    result = run_cli(target, "--examples", "10", "--seed", "3", "--json", str(report_file), cwd=work)
    assert result.returncode == 1, result.stderr
    assert list(work.iterdir()) == []  # no .hypothesis/, no example database
    document = json.loads(report_file.read_text(encoding="utf-8"))
    assert document["seed"] == 3 and document["exit_status"] == 1
    (found,) = document["targets"]
    assert found["target"] == target and not found["conforms"]
    assert found["totals"] == {"data": 1, "value": 0, "silent": 0, "error": 0}
    (violation,) = found["violations"]
    assert violation["kind"] == "data" and violation["operation"] == "rename"
    assert violation["program"].startswith("import tests.broken_stores\n")
    assert set(found["rows"]) == {"passed", "failed", "not_run", "skipped_for_refused_names"}
    assert found["rows"]["not_run"] == {} and found["rows"]["skipped_for_refused_names"] == {}
    assert found["cause_limit"] is False
    assert found["capabilities"]["protects_root"] is True
    assert "Hypothesis" not in result.stdout and "hypothesis" not in result.stdout.lower()


def _as_from_a_terminal() -> None:
    """SIGINT delivered as from a terminal: a process started from a test worker may inherit
    it ignored or blocked, and Python then never raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def test_ctrl_c_prints_what_was_found_and_exits_130(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            str(SCRIPT),
            "contract",
            "tests.broken_stores:make_ignores_overwrite",
            "--examples",
            "100000",
            "--max-time",
            "600",
            "--seed",
            "5",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        preexec_fn=_as_from_a_terminal,
    )
    assert process.stderr is not None
    for line in process.stderr:
        if "state machine: up to" in line:
            break
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "(stopped by Ctrl-C: the report of what was found so far)" in stdout
    assert "data 1: copyfile" in stdout  # found by the table rows before the interruption
    assert "Traceback" not in stderr


def test_the_time_budget_stops_the_rows_and_the_state_machine(tmp_path: Path) -> None:
    report = run_contract(fresh(LocalArtifactStore, tmp_path), examples=50, steps=10, seed=0, max_time=0.0)
    assert report.out_of_time
    assert sum(report.rows_not_run.values()) == sum(row.applies_to(Capabilities()) for row in ROWS)
    assert not report.rows_passed and not report.ok  # rows not run are not passed
    assert report.calls["examples"] == 0
    assert report.calls["steps"] == 0


@pytest.mark.parametrize("store", [PrefixConfined, DotDotJoined])
def test_paths_that_leave_the_root_are_caught(tmp_path: Path, store: type[LocalArtifactStore]) -> None:
    report = run_contract(fresh(store, tmp_path), examples=5, steps=5, seed=0)
    rules = {(entry.kind, entry.violation.problem.rule) for entry in report.entries.values()}
    assert ("data", "changes nothing outside the root") in rules
    assert ("silent", "refuses a path outside the root") in rules
    leaked = [e for e in report.entries.values() if e.violation.method == "open" and e.kind == "silent"]
    assert any(
        "b'outside the root'" in entry.violation.problem.detail for entry in leaked
    )  # read from outside
    assert report.outside_watched
    assert not [p for p in tmp_path.iterdir() if p.name.endswith("_evil")]  # the watched siblings are gone


def test_a_store_that_follows_links_out_is_caught_by_the_link_rows_alone(tmp_path: Path) -> None:
    report = run_contract(fresh(FollowsLinks, tmp_path), examples=5, steps=5, seed=0)
    assert not report.ok
    # The rows that catch it are link rows (the state machine goes through links too).
    sources = {entry.violation.source for entry in report.entries.values()} - {"random sequence"}
    assert sources and all("link" in source for source in sources), sources
    assert any("through 'link-out'" in source for source in sources)
    rules = {(entry.kind, entry.violation.problem.rule) for entry in report.entries.values()}
    assert ("data", "changes nothing outside the root") in rules  # written or removed through the link
    leaked = [e for e in report.entries.values() if e.violation.method == "open" and e.kind == "silent"]
    assert any("b'outside the root'" in entry.violation.problem.detail for entry in leaked)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith("_evil")]


def test_a_link_program_runs_as_pasted_and_makes_the_link(tmp_path: Path) -> None:
    report = run_contract(fresh(FollowsLinks, tmp_path), examples=5, steps=5, seed=0)
    entry = next(e for e in report.entries.values() if e.violation.method == "open" and e.kind == "silent")
    program = entry.violation.program
    assert "os.symlink(" in program and "'link-out/" in program
    namespace: dict[str, object] = {"make_store": fresh(FollowsLinks, tmp_path / "again")}
    exec(compile(program, "<violation>", "exec"), namespace)
    assert os.path.islink(os.path.join(str(namespace["store"].path), "link-out"))  # type: ignore[attr-defined]


def test_link_rows_do_not_apply_where_the_root_is_not_on_this_disk() -> None:
    row = next(r for r in ESCAPE_ROWS if r.operation == "open" and "link-out" in r.situation)

    class Elsewhere:  # a store with no operations at all: calling one would be a problem
        path = "/no-such-root-on-this-disk"

    model = row_model(row)
    elsewhere: Any = Elsewhere()
    with Sandbox() as sandbox:
        assert check(model, elsewhere, row.call, Normaliser(elsewhere, model, sandbox)) is None


def test_an_escape_program_runs_as_pasted_and_shows_the_leak(tmp_path: Path) -> None:
    report = run_contract(fresh(PrefixConfined, tmp_path), examples=5, steps=5, seed=0)
    entry = next(e for e in report.entries.values() if e.violation.method == "open" and e.kind == "silent")
    namespace: dict[str, object] = {"make_store": fresh(PrefixConfined, tmp_path / "again")}
    program = entry.violation.program
    assert "_evil" in program and program.startswith("store = make_store()")
    exec(compile(program, "<violation>", "exec"), namespace)  # it makes the sibling, then reads it


def test_a_store_that_does_not_confine_says_so() -> None:
    relaxed = Capabilities(confined=False)
    assert not any(row.applies_to(relaxed) for row in ROWS if row.needs == "confined")
    result = run_cli("tests.objtargets:unconfined", "--examples", "5", "--seed", "1")
    assert result.returncode == 1, result.stderr  # the naive store still breaks other rules
    assert "not confined: no path that leaves the root was tried" in result.stdout


def test_the_state_machine_alone_catches_an_escaping_store(tmp_path: Path) -> None:
    # 100 examples: the escape rule is one of some forty, and Hypothesis's choices depend on the
    # modules loaded (it mixes in their constants), so 40 examples can miss a write outside.
    report = explore(fresh(PrefixConfined, tmp_path), Capabilities(), examples=100, steps=25, seed=0)
    rules = {(entry.kind, entry.violation.problem.rule) for entry in report.ordered()}
    assert ("data", "changes nothing outside the root") in rules
    # and a refusal it should have made (silent) or made wrongly (error)
    assert any(kind != "data" and "a path outside the root" in rule for kind, rule in rules), rules
    assert not [p for p in tmp_path.iterdir() if p.name.endswith("_evil")]


@pytest.mark.parametrize("store", [NormalisesNames, OverwriteByDefault, StripsTrailingSpaces])
def test_the_state_machine_alone_catches_what_random_paths_seldom_reach(
    tmp_path: Path, store: type[LocalArtifactStore]
) -> None:
    # the NFD twin of a name, an existing target for copy and rename, a name with a trailing space
    assert explore(fresh(store, tmp_path), Capabilities(), examples=40, steps=25, seed=0).entries


def test_the_machine_starts_from_files_and_picks_existing_paths(tmp_path: Path) -> None:
    targets: list[str] = []

    class Recording(LocalArtifactStore):
        def copyfile(self, src: Any, dst: Any, overwrite: bool = False) -> None:
            onto_another = self.exists(dst) and not self.isdir(dst) and os.fsdecode(src) != os.fsdecode(dst)
            targets.append("file" if onto_another else "other")
            super().copyfile(src, dst, overwrite)

    assert explore(fresh(Recording, tmp_path), Capabilities(), examples=40, steps=25, seed=0).ok
    assert targets.count("file") >= 8  # copies onto another file that is there (3 without those rules)


def test_hypothesis_simplest_example_is_dropped_before_it_makes_a_store(tmp_path: Path) -> None:
    # Each one-example run tries Hypothesis's simplest example first (every choice its simplest);
    # it would be the same sequence every run, so it must cost no store.
    from hypothesis import Phase
    from hypothesis import seed as use_seed
    from hypothesis.stateful import run_state_machine_as_test

    from pytest_localstore.contract._machine import contract_machine
    from pytest_localstore.contract._settings import contract_settings

    made: list[LocalArtifactStore] = []

    def make_store() -> LocalArtifactStore:
        made.append(LocalArtifactStore(tmp_path / f"s{len(made)}"))
        return made[-1]

    counts: Counter[str] = Counter()
    machine = contract_machine(make_store, stats=counts)
    for run_seed in range(3):
        config = contract_settings(1, 10, database=None, phases=(Phase.generate,))
        run_state_machine_as_test(use_seed(run_seed)(machine), settings=config)
    assert counts["examples"] == 3
    assert len(made) == 3  # one store per example: none for the simplest one each run tried first


def test_a_link_through_a_directory_needs_one_the_store_holds() -> None:
    # A store without empty directories holds 'd/e' only above a file: a link that winds
    # through 'd/e' would dangle there, so the machine goes through a link to the root instead.
    from pytest_localstore.contract._machine import _directory_there
    from pytest_localstore.contract._model import ReferenceModel

    tree = [("d/a b", b""), ("d/e", None), ("f", b"x")]
    relaxed = ReferenceModel.holding(tree, Capabilities(empty_directories=False))
    assert _directory_there(relaxed, "d")
    assert not _directory_there(relaxed, "d/e")
    full = ReferenceModel.holding(tree)
    assert _directory_there(full, "d/e")
    assert not _directory_there(full, "f") and not _directory_there(full, "missing")


def test_through_a_loop_a_name_too_long_may_be_found_first_without_empty_directories() -> None:
    from pytest_localstore.contract._escapes import InnerLink
    from pytest_localstore.contract._model import ReferenceModel

    long = "b/" + "n" * 256 + "/a"
    for caps in (Capabilities(empty_directories=False), Capabilities()):
        outcome = ReferenceModel(caps).outcome("makedirs", (InnerLink("loop", long),))
        assert "ENAMETOOLONG" in outcome.describe(), (caps, outcome.describe())


def test_normal_forms_distinct_false_relaxes_exactly_the_nfd_twins(tmp_path: Path) -> None:
    relaxed = Capabilities(normal_forms_distinct=False)
    skipped = [row.id for row in ROWS if row.applies_to(Capabilities()) and not row.applies_to(relaxed)]
    assert skipped == ["exists: the NFD spelling of an NFC name", "rename: an NFC name to its NFD spelling"]
    report = run_contract(fresh(NormalisesNames, tmp_path), relaxed, examples=20, steps=10, seed=0)
    assert not report.entries, report.ordered()[0].violation.program
    assert run_contract(fresh(NormalisesNames, tmp_path), examples=5, steps=5, seed=0).entries


#: A name made only of spaces, at any depth (Azure Blob cannot hold one).
BLANK_NAMES = r"(?:^|/) +(?:/|$)"


def test_refused_names_skip_rows_that_start_with_them_and_creating_one_is_einval() -> None:
    refused = Capabilities(refused_names=BLANK_NAMES)
    skipped = [row.id for row in ROWS if row.applies_to(Capabilities()) and not row.applies_to(refused)]
    assert skipped == ["exists: a name that is one space", "rename: a name that is one space"]
    assert rows_refused(refused) == {"exists": 1, "rename": 1} and not rows_refused(Capabilities())
    assert [row.not_for(refused) for row in ROWS if row.id in skipped] == [
        "this row starts with ' ', a name the store refuses (refused_names)"
    ] * 2
    # A row both needs what the store lacks and starts with a name it refuses: the need is said
    # (as the report counts it: not among the rows skipped for refused names).
    hidden = Capabilities(refused_names=r"(?:^|/)\.")
    needs_hidden = next(row for row in ROWS if row.needs == "glob_hidden")
    assert needs_hidden.refused_start(hidden) == ".h"
    assert needs_hidden.not_for(hidden) == "this row is for stores with glob_hidden=True"
    said = sum("(refused_names)" in row.not_for(hidden) for row in ROWS if not row.applies_to(hidden))
    assert said == rows_refused(hidden).total() > 100  # the mixin's skips and the report agree
    case_row = next(row for row in ROWS if row.needs == "case_sensitive")
    assert case_row.not_for(Capabilities(case_sensitive=False)) == (
        "this row is for stores with case_sensitive=True"
    )
    onto_blank = next(row for row in ROWS if row.situation == "onto a name that is one space, overwriting")
    assert row_outcome(onto_blank, Capabilities()).describe() == "None"
    assert row_outcome(onto_blank, refused).describe() == "OSError(EINVAL)"
    model = ReferenceModel.holding([("f", b"x"), ("d", None)], refused)
    for op, args in [
        ("open_write", ("d/ ", "wb", b"x")),
        ("makedirs", ("d/ /e",)),
        ("mkdir", (" ",)),
        ("copyfile", ("f", "  ", False)),
        ("rename", ("d", " ", False)),
    ]:
        assert model.outcome(op, args).describe() == "OSError(EINVAL)", op
    # What else stops the call may come first; a name with a space in it is held.
    assert model.outcome("open_write", ("f/ ", "wb", b"x")).describe() == (
        "FileNotFoundError or NotADirectoryError or FileExistsError or OSError(EINVAL)"
    )
    assert model.outcome("exists", (" ",)).describe() == "False"
    assert model.outcome("open_write", ("d/a b ", "wb", b"x")).describe() == "None"


def test_a_store_that_declares_refused_names_must_refuse_them() -> None:
    from dataclasses import replace

    from pytest_localstore import MemoryArtifactStore

    capabilities = replace(MemoryArtifactStore.capabilities, refused_names=BLANK_NAMES)

    class Blankless(MemoryArtifactStore):
        """Refuses to create names of spaces, as it says."""

    Blankless.capabilities = capabilities
    numbers = itertools.count()
    with pytest.raises(OSError, match=r"cannot hold this name: its refused_names '\(\?:\^\|/\) \+"):
        Blankless(f"memory://blankless{next(numbers)}").makedirs("d/ /e")
    refusing = run_contract(lambda: Blankless(f"memory://blankless{next(numbers)}"), capabilities, seed=3)
    assert refusing.ok, [entry.violation.program for entry in refusing.ordered()]
    # The plain memory store holds them: judged as if it refused them, it is caught.
    holds = run_contract(lambda: MemoryArtifactStore(f"memory://holds{next(numbers)}"), capabilities, seed=3)
    found = [entry.violation for entry in holds.ordered()]
    assert found and all("OSError(EINVAL)" in violation.problem.detail for violation in found)
    assert "rename" in {violation.method for violation in found}  # the row 'onto a name that is one space'


def test_refused_names_must_be_a_regular_expression_for_some_names() -> None:
    with pytest.raises(ValueError, match=r"^refused_names '\(': expected a regular .*\(missing \)"):
        Capabilities(refused_names="(")
    with pytest.raises(ValueError, match=r"^refused_names b'x': expected a regular expression \(str\)"):
        Capabilities(refused_names=b"x")  # type: ignore[arg-type]
    for everything in ("", "x*", "^$|a"):
        with pytest.raises(ValueError, match="not one that matches the root itself"):
            Capabilities(refused_names=everything)
    spelt = Capabilities(refused_names=r"[\x00-\x1f\\]").relaxed()
    assert spelt == ["refused_names=r'[\\x00-\\x1f\\\\]'"]


def test_a_decomposed_name_is_written_escaped() -> None:
    assert literal("e\u0301") == "'e\\u0301'"
    assert literal("\u00e9") == "'\u00e9'"


def test_errors_python_cannot_raise_are_said_once_each_not_as_tracebacks(tmp_path: Path) -> None:
    result = run_cli("tests.broken_stores:make_leaves_failing_finalisers", "-q", "--examples=5", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    said = [line for line in result.stderr.splitlines() if "_FailsWhenCollected.__del__" in line]
    assert len(said) == 1, result.stderr
    assert said[0].startswith("localstore: Exception ignored") and said[0].endswith(" times)")
    assert "RuntimeError: Calling sync() from within a running loop" in said[0]


def test_a_programs_watched_places_are_made_only_beside_a_root_on_this_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_localstore.contract._escapes import sibling_preamble

    monkeypatch.chdir(tmp_path)
    for path in ("s3://bucket/root", "memory://root", str(tmp_path / "root")):
        exec(compile(sibling_preamble(), "<preamble>", "exec"), {"store": SimpleNamespace(path=path)})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["root_evil"]  # no 's3:' or 'memory:' folder
    assert (tmp_path / "root_evil" / "d" / "x").read_bytes() == b"outside the root"
