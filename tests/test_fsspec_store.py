"""The fsspec-based flavors: the whole contract on memory and on S3 (moto's server), and their edges."""

from __future__ import annotations

import pathlib
import uuid
from collections.abc import Callable

import pytest

from pytest_localstore import (
    ArtifactStore,
    FsspecArtifactStore,
    MemoryArtifactStore,
    PathOutsideStoreError,
    S3ArtifactStore,
)
from pytest_localstore.contract import ArtifactStoreContract
from pytest_localstore.s3 import S3Server


class TestMemoryFlavorKeepsTheContract(ArtifactStoreContract):
    capabilities = MemoryArtifactStore.capabilities

    @pytest.fixture
    def make_store(self) -> Callable[[], ArtifactStore]:
        base = f"memory://contract-{uuid.uuid4().hex}"
        numbers = iter(range(10**9))
        return lambda: MemoryArtifactStore(f"{base}/{next(numbers)}")


class TestS3FlavorKeepsTheContract(ArtifactStoreContract):
    capabilities = S3ArtifactStore.capabilities
    stateful_limits = (8, 12)  # every call is an HTTP request or several

    @pytest.fixture
    def make_store(self, s3_server: S3Server) -> Callable[[], ArtifactStore]:
        bucket = s3_server.make_bucket()
        fs = s3_server.filesystem()
        return lambda: S3ArtifactStore(f"s3://{bucket}/{uuid.uuid4().hex}", fs=fs)


def test_paths_come_back_as_urls_and_may_be_given_as_urls(memory_artifact_store: ArtifactStore) -> None:
    store = memory_artifact_store
    assert store.path.startswith("memory://")
    store.makedirs("a/b")
    with store.open(f"{store.path}/a/b/f.txt", "w") as f:
        f.write("grüße")
    assert store.glob("a/*/f.txt") == [f"{store.path}/a/b/f.txt"]
    assert [entry[0] for entry in store.walk("a")] == [f"{store.path}/a", f"{store.path}/a/b"]
    assert store.open("a/b/f.txt").read() == "grüße"


@pytest.mark.parametrize(
    "path",
    ["../x", "/etc/passwd", "memory://elsewhere/x", "s3://bucket/x", "a/../../x"],
)
def test_paths_that_leave_the_root_are_refused(memory_artifact_store: ArtifactStore, path: str) -> None:
    with pytest.raises(PathOutsideStoreError):
        memory_artifact_store.exists(path)


def test_a_relative_path_that_looks_like_the_bucket_stays_relative(s3_artifact_store: ArtifactStore) -> None:
    bucket = s3_artifact_store.path[len("s3://") :]
    with s3_artifact_store.open(f"{bucket}/x", "wb") as f:  # a directory named like the bucket
        f.write(b"1")
    assert s3_artifact_store.listdir(".") == [bucket]


def test_a_name_with_a_colon_is_a_name(memory_artifact_store: ArtifactStore) -> None:
    with memory_artifact_store.open("run:1", "wb") as f:
        f.write(b"x")
    assert memory_artifact_store.listdir(".") == ["run:1"]
    with pytest.raises(PathOutsideStoreError):
        memory_artifact_store.exists("memory:")


def test_a_url_made_into_a_pathlib_path_still_names_the_store(memory_artifact_store: ArtifactStore) -> None:
    store = memory_artifact_store
    store.makedirs("d")
    assert store.isdir(pathlib.Path(f"{store.path}/d"))  # pathlib writes 'memory:/...'
    with pytest.raises(PathOutsideStoreError):
        store.exists(pathlib.Path(f"{store.path}_evil/x"))


def test_a_sibling_sharing_the_roots_name_is_outside(memory_artifact_store: ArtifactStore) -> None:
    with pytest.raises(PathOutsideStoreError):
        memory_artifact_store.open(memory_artifact_store.path + "_evil/x", "wb")


def test_a_directory_rename_moves_the_whole_tree_or_nothing(s3_artifact_store: ArtifactStore) -> None:
    store = s3_artifact_store
    for name in ("d/x", "d/e/y", "t/keep"):
        with store.open(name, "wb") as f:
            f.write(name.encode())
    with pytest.raises(OSError, match="not empty"):
        store.rename("d", "t", overwrite=True)  # refused before anything moved
    assert sorted(store.listdir("d")) == ["e", "x"]
    store.rename("d", "moved")
    assert not store.exists("d")
    assert store.open("moved/e/y", "rb").read() == b"d/e/y"


def test_the_s3_store_names_its_url_and_reads_back_what_it_wrote(s3_artifact_store: ArtifactStore) -> None:
    assert s3_artifact_store.path.startswith("s3://localstore-")
    assert s3_artifact_store.flavor == "s3"
    with s3_artifact_store.open("a/b.txt", "w") as f:
        f.write("text ✓")
    assert s3_artifact_store.size("a/b.txt") == len("text ✓".encode())
    assert s3_artifact_store.isdir("a") and s3_artifact_store.listdir("a") == ["b.txt"]


def test_a_store_over_a_filesystem_given_by_url(tmp_path: object) -> None:
    store = FsspecArtifactStore(f"file://{tmp_path}/root")
    store.makedirs("x/y")
    assert store.isdir("x/y") and store.path == f"file://{tmp_path}/root"
