"""ZenML's GCS and Azure artifact stores (``zenml_gcs_store``, ``zenml_azure_store``) on the test servers.

Each store is ZenML's own class on gcp-storage-emulator or Azurite, a new
prefix in one bucket or container per module; the contract's table rows judge
it as ZenML's S3 store is judged.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator

import pytest

from pytest_localstore import LocalStoreError, ZenMLArtifactStore
from pytest_localstore.azure import AzureServer
from pytest_localstore.contract import check_row
from pytest_localstore.contract._rows import ROWS, Row
from pytest_localstore.gcs import GcsServer
from pytest_localstore.zenml_store import zenml_azure_store, zenml_gcs_store
from pytest_localstore.zenml_testbeds import ZENML_OBJECT_STORE

FLAVORS = ["gcs", "azure"]

Factory = Callable[[], ZenMLArtifactStore]


@pytest.fixture(scope="module")
def gcs_bucket(gcs_server: GcsServer) -> Iterator[str]:
    bucket = gcs_server.make_bucket("zenml-cloud")
    yield bucket
    gcs_server.remove_bucket(bucket)


@pytest.fixture(scope="module")
def azure_container(azure_server: AzureServer) -> Iterator[str]:
    container = azure_server.make_container("zenml-cloud")
    yield container
    azure_server.remove_container(container)


@pytest.fixture(params=FLAVORS)
def make_store(request: pytest.FixtureRequest) -> Factory:
    """Fresh ZenML stores of one flavor, then the other."""
    return _factory(request, request.param)


def _factory(request: pytest.FixtureRequest, flavor: str) -> Factory:
    """Fresh ZenML stores of *flavor*, each a new prefix in the module's bucket or container."""
    numbers = itertools.count()
    prefix = uuid.uuid4().hex[:8]
    if flavor == "gcs":
        gcs: GcsServer = request.getfixturevalue("gcs_server")
        bucket = request.getfixturevalue("gcs_bucket")
        return lambda: ZenMLArtifactStore(
            zenml_gcs_store(f"gs://{bucket}/{prefix}-{next(numbers)}", endpoint_url=gcs.endpoint_url)
        )
    azure: AzureServer = request.getfixturevalue("azure_server")
    container = request.getfixturevalue("azure_container")
    return lambda: ZenMLArtifactStore(
        zenml_azure_store(
            f"az://{container}/{prefix}-{next(numbers)}", connection_string=azure.connection_string
        )
    )


def server_filesystem(store: ZenMLArtifactStore, request: pytest.FixtureRequest) -> object:
    """The server's own filesystem (not the store's), to see what the store wrote."""
    name = "gcs_server" if store.path.startswith("gs://") else "azure_server"
    return request.getfixturevalue(name).filesystem()


def test_writes_reads_lists_and_removes_on_the_server(
    make_store: Factory, request: pytest.FixtureRequest
) -> None:
    store = make_store()
    kind = {"gs": "GCPArtifactStore", "az": "AzureArtifactStore"}[store.path.split("://")[0]]
    assert type(store.zenml).__name__ == kind
    with store.open("a.txt", "w") as file:
        file.write("hello")
    with store.open("d/b.bin", "wb") as file:
        file.write(b"\x00\x01")
    assert sorted(store.listdir("")) == ["a.txt", "d"]
    assert store.exists("d/b.bin") and store.isdir("d") and store.size("d/b.bin") == 2
    with store.open("a.txt") as file:
        assert file.read() == "hello"
    fs = server_filesystem(store, request)
    key = store.path.split("://", 1)[1] + "/a.txt"
    assert fs.cat_file(key) == b"hello"  # type: ignore[attr-defined]
    store.remove("a.txt")
    assert not store.exists("a.txt")
    assert not fs.exists(key)  # type: ignore[attr-defined]
    assert store.listdir("") == ["d"]


def test_the_builders_change_no_environment_variable(make_store: Factory) -> None:
    before = dict(os.environ)
    store = make_store()
    with store.open("x", "wb") as file:
        file.write(b"x")
    assert store.exists("x")
    assert dict(os.environ) == before


@pytest.mark.parametrize(
    ("build", "module", "extra"),
    [
        (lambda: zenml_gcs_store("gs://b", endpoint_url="http://127.0.0.1:1"), "gcsfs", "gcs"),
        (
            lambda: zenml_azure_store("az://c", connection_string="UseDevelopmentStorage=true"),
            "adlfs",
            "azure",
        ),
    ],
    ids=FLAVORS,
)
def test_without_the_library_the_builder_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, build: Callable[[], object], module: str, extra: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # as if not installed
    with pytest.raises(LocalStoreError) as raised:
        build()
    message = str(raised.value)
    assert "\n" not in message
    assert f"needs {module}, which is not installed" in message
    assert f"pip install 'pytest-localstore[{extra}]'" in message


#: (table row, the cause found: operation, kind, rule), as measured on both stores.
FOUND_ON_BOTH = [
    # A directory renamed moves nothing: gcsfs's and adlfs's mv of a prefix, not recursive.
    ("rename: a directory with content", ("rename", "data", "leaves the tree the contract says")),
    # ZenML ignores topdown: walk is always top-down.
    ("walk: bottom-up", ("walk", "value", "returns each directory before its parent")),
    # gcsfs's and adlfs's mv write 'new/f': the trailing slash makes a directory.
    (
        "rename: a file to a missing 'new/'",
        ("rename", "data", "a call that refuses, or must refuse, changes nothing"),
    ),
    # With overwrite=True a file renamed onto a non-empty directory goes into it.
    (
        "rename: file onto non-empty dir, overwrite",
        ("rename", "data", "a call that refuses, or must refuse, changes nothing"),
    ),
]


@pytest.mark.parametrize(("row_id", "cause"), FOUND_ON_BOTH, ids=[row for row, _ in FOUND_ON_BOTH])
def test_the_rows_find_on_both(make_store: Factory, row_id: str, cause: tuple[str, str, str]) -> None:
    violation = check_row(_row(row_id), make_store(), ZENML_OBJECT_STORE)
    assert violation is not None and violation.cause == cause


@pytest.mark.filterwarnings("ignore:Append mode 'a' is not supported in GCS:UserWarning")
def test_the_rows_find_that_gcs_append_overwrites(request: pytest.FixtureRequest) -> None:
    make = _factory(request, "gcs")
    violation = check_row(_row("open: append to an existing file"), make(), ZENML_OBJECT_STORE)
    assert violation is not None
    assert violation.cause == ("open", "data", "leaves the tree the contract says")
    assert "expected b'data+', found b'+'" in violation.problem.detail  # the file was overwritten


def test_the_rows_find_that_azure_append_raises_the_sdks_error(request: pytest.FixtureRequest) -> None:
    make = _factory(request, "azure")
    violation = check_row(_row("open: append to an existing file"), make(), ZENML_OBJECT_STORE)
    assert violation is not None
    # adlfs appends only to append blobs; every other write makes a block blob.
    assert violation.cause == (
        "open",
        "error",
        "raises only what the contract allows, not ResourceExistsError",
    )


@pytest.mark.parametrize(
    ("flavor", "error"), [("gcs", "FileNotFoundError"), ("azure", "HttpResponseError")], ids=FLAVORS
)
def test_the_rows_find_that_listing_the_root_as_dot_fails(
    request: pytest.FixtureRequest, flavor: str, error: str
) -> None:
    """``listdir('.')``: ZenML hands on '<root>/.'; GCS finds no such object, Azurite refuses the URL."""
    violation = check_row(_row("listdir: the root itself"), _factory(request, flavor)(), ZENML_OBJECT_STORE)
    assert violation is not None
    assert violation.cause == ("listdir", "error", f"raises only what the contract allows, not {error}")


def test_the_rows_find_nothing_wrong_in_plain_calls(make_store: Factory) -> None:
    for row_id in ("exists: a file", "walk: top-down", "rename: dir onto non-empty dir, overwrite"):
        assert check_row(_row(row_id), make_store(), ZENML_OBJECT_STORE) is None, row_id


def _row(row_id: str) -> Row:
    (row,) = [row for row in ROWS if row.id == row_id]
    return row


def test_a_first_gcsfs_import_by_the_builder_leaves_no_variable_behind() -> None:
    """In a fresh process: gcsfs imported by the builder, with its setting for that import only."""
    code = (
        "import os\n"
        "import zenml\n"  # its import sets TF_CPP_MIN_LOG_LEVEL: not the builder's doing
        "before = dict(os.environ)\n"
        "from pytest_localstore.zenml_store import zenml_gcs_store\n"
        "store = zenml_gcs_store('gs://b/p', endpoint_url='http://127.0.0.1:9')\n"
        "import gcsfs\n"
        "print(sorted(set(os.environ.items()) ^ set(before.items())))\n"
        "print(gcsfs.GCSFileSystem.__name__, type(store.filesystem).__name__)\n"
    )
    environ = {k: v for k, v in os.environ.items() if k != "GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environ, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[]", "GCSFileSystem GCSFileSystem"]  # the core class


# -- the contract targets ---------------------------------------------------------------------


@pytest.mark.parametrize("flavor", FLAVORS)
def test_each_is_a_contract_target_on_a_server_of_its_own(flavor: str) -> None:
    from pytest_localstore.targets import targets_for

    [target] = targets_for(f"zenml:{flavor}")
    assert target.label == f"zenml:{flavor}" and target.capabilities == ZENML_OBJECT_STORE
    assert f"from pytest_localstore.zenml_store import zenml_{flavor}_store" in target.opening
    row = next(row for row in ROWS if row.id == "rename: a directory with content")
    with target.setup() as make_store:
        first, second = make_store(), make_store()
        assert isinstance(first, ZenMLArtifactStore) and first.path != second.path
        integration = {"gcs": "gcp", "azure": "azure"}[flavor]
        assert type(first.zenml).__module__.startswith(f"zenml.integrations.{integration}")
        assert check_row(row, first, ZENML_OBJECT_STORE) is not None  # moves nothing (see above)
    assert f"zenml:{flavor}" in [target.label for target in targets_for("all")]
