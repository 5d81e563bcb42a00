"""Fixtures for the other flavors, and ``artifact_store``: one test, run once per flavor.

``--localstore-flavors=local,memory,s3`` (ini ``localstore_flavors``, default
``local``) parametrizes every test that asks for ``artifact_store``, with ids
``[local]``, ``[memory]``, ``[s3]``. A flavor whose extra is missing is a usage
error naming the extra, never a skip.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .artifact_store import ArtifactStore
    from .s3 import S3Server


def flavors_from(config: pytest.Config) -> list[str]:
    """The flavors asked for (option, else ini), checked: a usage error names what is wrong."""
    from ._extras import BUILT_IN_FLAVORS, unmet

    text = config.getoption("localstore_flavors") or config.getini("localstore_flavors")
    names = [name.strip() for name in str(text).split(",") if name.strip()]
    expected = ", ".join(BUILT_IN_FLAVORS)
    if not names:
        raise pytest.UsageError(f"--localstore-flavors={text!r}: expected one or more of {expected}")
    for name in names:
        if name not in BUILT_IN_FLAVORS:
            raise pytest.UsageError(
                f"--localstore-flavors: unknown flavor {name!r}: expected one or more of {expected}"
            )
        message = unmet(name, f"--localstore-flavors: flavor {name!r}")
        if message is not None:  # found without importing: moto and s3fs load only when used
            raise pytest.UsageError(message)
    return list(dict.fromkeys(names))


@pytest.fixture(scope="session")
def s3_server(pytestconfig: pytest.Config) -> Iterator[S3Server]:
    """An S3-protocol endpoint for the session: moto's server on 127.0.0.1 on a free port.

    Started once per process (each xdist worker has its own) and stopped at the
    end. ``--localstore-s3-endpoint=URL`` or ``LOCALSTORE_S3_ENDPOINT`` uses an
    endpoint you run (MinIO, say) instead; credentials then come from the AWS
    variables. Needs the s3 extra.
    """
    from .s3 import S3Server

    server = S3Server.for_tests(pytestconfig.getoption("localstore_s3_endpoint"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_artifact_store(s3_server: S3Server) -> Iterator[ArtifactStore]:
    """An ``s3`` store on ``s3_server``, in a new bucket of its own, removed after the test."""
    from .fsspec_flavors import build_s3_store

    bucket = s3_server.make_bucket()
    try:
        yield build_s3_store(f"s3://{bucket}", endpoint_url=s3_server.endpoint_url, fs=s3_server.filesystem())
    finally:
        s3_server.remove_bucket(bucket)


@pytest.fixture
def memory_artifact_store() -> Iterator[ArtifactStore]:
    """A ``memory`` store (fsspec's in-process filesystem) of its own, emptied after the test."""
    from .fsspec_store import MemoryArtifactStore

    store = MemoryArtifactStore(f"memory://localstore-{uuid.uuid4().hex}")
    try:
        yield store
    finally:
        store.fs.rm(store.fs._strip_protocol(store.path), recursive=True)


@pytest.fixture
def artifact_store(request: pytest.FixtureRequest) -> ArtifactStore:
    """An empty artifact store of each flavor in ``--localstore-flavors`` (default: local).

    The test runs once per flavor, with ids ``[local]``, ``[memory]``, ``[s3]``:
    code written against one flavor runs unchanged on the others.
    """
    flavor = getattr(request, "param", None) or flavors_from(request.config)[0]
    store: ArtifactStore = request.getfixturevalue(f"{flavor}_artifact_store")
    return store
