"""How the object-store flavors look a name up and walk a tree: one listing each, with the
answers the local store gives, on real servers (moto, gcp-storage-emulator, Azurite)."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator
from typing import Any

import pytest

from pytest_localstore import ArtifactStore, LocalArtifactStore, fsspec_store

#: Names that begin with 'n' and sort before 'n/' (its directory): a listing of the names
#: that begin with 'n' meets them first.
BEFORE_THE_DIRECTORY = ["n b", "n!", "n-b", "n.txt"]
#: A file one request does not read whole: past the limit by 14 bytes.
LARGE = bytes(range(256)) * (fsspec_store._READ_WHOLE // 256) + b"past the limit"


@pytest.fixture(params=["s3", "gcs", "azure"])
def object_store(request: pytest.FixtureRequest) -> ArtifactStore:
    store: ArtifactStore = request.getfixturevalue(f"{request.param}_artifact_store")
    return store


def write(store: ArtifactStore, *names: str) -> None:
    for name in names:
        folder = name.rpartition("/")[0]
        if folder:
            store.makedirs(folder)
        with store.open(name, "wb") as handle:
            handle.write(name.encode())


@pytest.mark.parametrize("page", [fsspec_store._LOOKUP_KEYS, 2])
def test_a_lookup_tells_a_directory_from_the_names_that_sort_before_it(
    object_store: ArtifactStore, page: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With a page of 2 names, the directory lies beyond the first page: the lookup asks again.
    monkeypatch.setattr(fsspec_store, "_LOOKUP_KEYS", page)
    store = object_store
    write(store, *BEFORE_THE_DIRECTORY, "n/x", "no")
    assert store.isdir("n") and store.exists("n")
    assert sorted(store.listdir("n")) == ["x"]
    for name in BEFORE_THE_DIRECTORY:
        assert store.exists(name) and not store.isdir(name)
        assert store.size(name) == len(name.encode())
        assert store.open(name, "rb").read() == name.encode()
    assert not store.exists("n.t") and not store.exists("m") and not store.exists("n/y")
    with pytest.raises(IsADirectoryError):
        store.open("n", "rb")
    with pytest.raises(NotADirectoryError):
        store.open("n.txt/x", "wb")


def relative_walk(store: ArtifactStore, topdown: bool) -> list[tuple[str, list[str], list[str]]]:
    base = store.path.rstrip("/")
    return [
        (dirpath.rstrip("/")[len(base) :].lstrip("/"), sorted(dirnames), sorted(filenames))
        for dirpath, dirnames, filenames in store.walk(store.path, topdown=topdown)
    ]


TREE = ["top.txt", "d/x", "d/e/y", "d/e/f/z", "d/n.txt", "d-e/w", "g/h"]


@pytest.mark.parametrize("topdown", [True, False])
def test_a_walk_from_one_listing_is_the_local_stores_walk(
    object_store: ArtifactStore, tmp_path: pathlib.Path, topdown: bool
) -> None:
    local = LocalArtifactStore(tmp_path / "local")
    for store in (object_store, local):
        write(store, *TREE)
    found = relative_walk(object_store, topdown)
    assert sorted(found) == sorted(relative_walk(local, topdown))
    assert len(found) == 6  # '', d, d/e, d/e/f, d-e, g
    order = [dirpath for dirpath, _, _ in found]
    for dirpath in order[1:]:
        parent = dirpath.rpartition("/")[0]
        assert (order.index(parent) < order.index(dirpath)) == topdown  # parents first, or last


def test_a_walk_goes_only_where_its_caller_leaves_it(object_store: ArtifactStore) -> None:
    write(object_store, *TREE)
    seen = []
    for dirpath, dirnames, _ in object_store.walk(object_store.path):
        seen.append(dirpath.rstrip("/").rpartition("/")[2])
        if "e" in dirnames:
            dirnames.remove("e")  # as with os.walk: not descended into
    assert "e" not in seen and "f" not in seen and "d" in seen


@pytest.fixture
def s3_requests(s3_artifact_store: ArtifactStore) -> Iterator[list[str]]:
    """The S3 requests ``s3_artifact_store`` makes from when it is asked for, by operation."""
    made: list[str] = []
    client: Any = s3_artifact_store.fs.s3  # type: ignore[attr-defined]

    def seen(model: Any, **_: Any) -> None:
        made.append(model.name)

    client.meta.events.register("before-call.s3", seen)
    yield made
    client.meta.events.unregister("before-call.s3", seen)


def test_each_s3_call_asks_what_it_needs_once(
    s3_artifact_store: ArtifactStore, s3_requests: list[str]
) -> None:
    store = s3_artifact_store
    write(store, "d/e/x", "d/y", "top")
    made = s3_requests
    made.clear()
    assert not store.exists("missing")
    assert made == ["ListObjectsV2"]  # not a HEAD, then a listing
    made.clear()
    assert store.open("d/y", "rb").read() == b"d/y"
    assert made == ["GetObject"]  # read whole in one request, not looked up first
    made.clear()
    assert len(list(store.walk(store.path))) == 3
    assert made == ["ListObjectsV2"]  # one listing for the whole tree, not one per directory
    made.clear()
    store.makedirs("new/deeper")
    assert set(made) == {"ListObjectsV2"}  # lookups only: an object store keeps no empty directory


def test_a_large_s3_file_is_looked_up_after_one_try(
    s3_artifact_store: ArtifactStore, s3_requests: list[str]
) -> None:
    store, made = s3_artifact_store, s3_requests
    with store.open("big", "wb") as handle:
        handle.write(LARGE)
    made.clear()
    assert store.open("big", "rb").read() == LARGE
    assert made[:2] == ["GetObject", "ListObjectsV2"]  # one try at reading it whole, then s3fs's file


def test_a_directory_marker_made_behind_the_stores_back_is_a_directory(object_store: ArtifactStore) -> None:
    fs: Any = object_store.fs  # type: ignore[attr-defined]
    root = fs._strip_protocol(object_store.path).rstrip("/")
    fs.touch(f"{root}/m/")  # an empty key named 'm/', as some tools make for a folder
    fs.pipe_file(f"{root}/m/k", b"z")
    write(object_store, "e")
    assert sorted(relative_walk(object_store, True)) == [("", ["m"], ["e"]), ("m", [], ["k"])]
    assert object_store.isdir("m") and object_store.open("m/k", "rb").read() == b"z"


@pytest.fixture
def azure_requests(azure_artifact_store: ArtifactStore, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The Azure Blob requests made from when it is asked for: 'GET' (a blob), 'GET list', 'PUT',
    'PUT block', 'PUT blocklist' and so on."""
    from urllib.parse import parse_qs, urlparse

    from azure.core.pipeline import AsyncPipeline

    made: list[str] = []
    run = AsyncPipeline.run

    async def counting(self: Any, request: Any, **kwargs: Any) -> Any:
        comp = parse_qs(urlparse(request.url).query).get("comp", [])
        made.append(" ".join([request.method, *comp]))
        return await run(self, request, **kwargs)

    monkeypatch.setattr(AsyncPipeline, "run", counting)
    return made


def test_an_azure_file_is_written_and_read_in_one_request_each(
    azure_artifact_store: ArtifactStore, azure_requests: list[str]
) -> None:
    store, made = azure_artifact_store, azure_requests
    write(store, "d/x")
    made.clear()
    with store.open("d/y", "wb") as handle:
        handle.write(b"some ")
        handle.write(bytearray(b"bytes"))
    assert made == ["GET list", "GET list", "PUT"]  # the name and its folder looked up, then one PUT
    made.clear()
    assert store.open("d/y", "rb").read() == b"some bytes"
    assert made == ["GET"]  # no lookup first
    with store.open("d/t", "w") as text:
        text.write("é\n")
    assert store.open("d/t").read() == "é\n"


@pytest.mark.parametrize("flavor", ["s3", "azure"])
def test_what_one_request_cannot_say_is_looked_up(request: pytest.FixtureRequest, flavor: str) -> None:
    store: ArtifactStore = request.getfixturevalue(f"{flavor}_artifact_store")
    write(store, "d/x")
    with store.open("empty", "wb"):
        pass
    assert store.open("empty", "rb").read() == b""  # no byte at offset 0: looked up, then read
    with pytest.raises(IsADirectoryError):
        store.open("d", "rb")
    with pytest.raises(FileNotFoundError):
        store.open("missing", "rb")
    with pytest.raises(NotADirectoryError):
        store.open("d/x/under", "rb")


def test_an_azure_folder_marker_is_looked_up_and_not_read(azure_artifact_store: ArtifactStore) -> None:
    store = azure_artifact_store
    write(store, "d/x")
    fs: Any = store.fs  # type: ignore[attr-defined]
    root = fs._strip_protocol(store.path).rstrip("/")
    container, _, prefix = root.partition("/")

    async def mark() -> None:  # adlfs's own marker of a folder: a blob named as the folder
        async with fs.service_client.get_blob_client(
            container=container, blob=f"{prefix}/marked".lstrip("/")
        ) as blob:
            await blob.upload_blob(b"m", metadata={"is_directory": "true"})

    store._on_loop(mark)  # type: ignore[attr-defined]
    fs.pipe_file(f"{root}/marked/k", b"z")
    with pytest.raises(IsADirectoryError):
        store.open("marked", "rb")


def test_azure_lookups_walks_and_removals_share_one_container_client(
    azure_artifact_store: ArtifactStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = azure_artifact_store
    service: Any = store.fs.service_client  # type: ignore[attr-defined]
    made: list[str] = []
    make = service.get_container_client

    def counted(*args: Any, **kwargs: Any) -> Any:
        made.append(kwargs.get("container", args[0] if args else ""))
        return make(*args, **kwargs)

    monkeypatch.setattr(service, "get_container_client", counted)
    write(store, "d/x", "d/e/y")
    assert store.exists("d/x") and store.isdir("d/e") and not store.exists("nope")
    assert len(list(store.walk(store.path))) == 3
    store.rmtree("d/e")
    assert not store.exists("d/e/y") and not store.exists("d/e") and store.exists("d/x")
    assert len(made) <= 1  # made once for the store's container (or before, by another store)


def test_a_large_azure_file_goes_through_the_clients_own_file(
    azure_artifact_store: ArtifactStore, azure_requests: list[str]
) -> None:
    store, made = azure_artifact_store, azure_requests
    with store.open("big", "wb") as handle:
        for start in range(0, len(LARGE), 1 << 20):
            handle.write(LARGE[start : start + (1 << 20)])
    assert "PUT blocklist" in made and "PUT" not in made  # spilled into adlfs's blocks
    made.clear()
    with store.open("big", "rb") as handle:
        handle.seek(len(LARGE) - 14)
        assert handle.read() == b"past the limit"
    assert made[0] == "GET"  # one try at reading it whole, then adlfs's file
    with store.open("big", "ab") as handle:
        handle.write(b"!")
    assert store.size("big") == len(LARGE) + 1


@pytest.mark.parametrize("empty", ["", b""])
def test_the_empty_path_exists_nowhere_as_on_the_local_store(
    object_store: ArtifactStore, tmp_path: pathlib.Path, empty: str | bytes
) -> None:
    local = LocalArtifactStore(tmp_path)
    for store in (local, object_store):
        assert store.exists(empty) is False and store.isdir(empty) is False
        with pytest.raises(FileNotFoundError):
            store.stat(empty)


def test_a_tree_with_folder_markers_goes_whole(object_store: ArtifactStore) -> None:
    fs: Any = object_store.fs  # type: ignore[attr-defined]
    root = fs._strip_protocol(object_store.path).rstrip("/")

    def marked_tree(name: str) -> None:
        for key in (f"{name}/", f"{name}/sub/", f"{name}/sub/deep/"):  # folder markers, as tools make
            fs.touch(f"{root}/{key}")
        fs.pipe_file(f"{root}/{name}/k", b"z")

    marked_tree("m")
    object_store.rmtree("m")
    assert not object_store.exists("m") and object_store.listdir(".") == []
    marked_tree("s")
    object_store.rename("s", "t")
    assert not object_store.exists("s") and object_store.open("t/k", "rb").read() == b"z"
    assert sorted(relative_walk(object_store, True))[0] == ("", ["t"], [])


@pytest.mark.parametrize("content", [b"", b"hello world", LARGE], ids=["empty", "small", "large"])
def test_a_file_read_seeks_and_refuses_writes_as_a_file_on_disk(
    object_store: ArtifactStore, tmp_path: pathlib.Path, content: bytes
) -> None:
    """Read whole (small), or through the client's own file (LARGE: too large to read whole)."""
    import errno
    import io

    from pytest_localstore import MemoryArtifactStore

    memory = MemoryArtifactStore(f"memory://seek-{tmp_path.name}")
    for store in (LocalArtifactStore(tmp_path), memory, object_store):
        with store.open("f", "wb") as handle:
            handle.write(content)
        with store.open("f", "rb") as handle:
            for offset, whence in ((-len(content) - 20, io.SEEK_END), (-1, io.SEEK_SET), (-5, io.SEEK_CUR)):
                with pytest.raises(OSError) as refused:
                    handle.seek(offset, whence)
                assert refused.value.errno == errno.EINVAL, store
                assert handle.tell() == 0
            assert handle.seek(3) == 3 and handle.read(2) == content[3:5]
            if content:
                assert handle.seek(-2, io.SEEK_END) == len(content) - 2 and handle.read() == content[-2:]
            with pytest.raises(io.UnsupportedOperation):
                handle.write(b"x")
            assert not handle.writable() and handle.readable() and handle.seekable()
        assert store.open("f", "rb").read() == content
        with store.open("f", "rb") as handle:
            assert isinstance(handle, io.BufferedReader) and handle.mode == "rb"
            assert handle.read(7) + handle.read1(3) + handle.read() == content
        handle.close()  # again: nothing happens
        for after in (handle.tell, handle.readable, handle.seekable, handle.read, lambda: handle.seek(0)):
            with pytest.raises(ValueError, match="closed file"):
                after()
        with store.open("f") as text:
            assert text.mode == "r"
