"""Fixtures for the other flavors, and ``artifact_store``: one test, run once per flavor.

``--localstore-flavors=local,memory,s3,gcs,azure`` (ini ``localstore_flavors``,
default ``local``) parametrizes every test that asks for ``artifact_store``,
with ids ``[local]``, ``[memory]``, ``[s3]``, ``[gcs]``, ``[azure]``. A flavor
whose extra is missing is a usage error naming the extra, never a skip.
"""

from __future__ import annotations

import contextlib
import re
import sys
import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .artifact_store import ArtifactStore
    from .azure import AzureServer
    from .gcs import GcsServer
    from .s3 import S3Server
    from .testbed import Testbeds


def flavors_from(config: pytest.Config) -> list[str]:
    """The flavors asked for (option, else ini), checked against the flavor registry.

    A usage error names what is wrong: an unknown flavor, or a missing extra.
    """
    from .errors import LocalStoreError
    from .flavors import FlavorRegistry
    from .models import ARTIFACT_STORE

    given = config.getoption("localstore_flavors")
    text = given or config.getini("localstore_flavors")
    where = "--localstore-flavors" if given else "ini localstore_flavors"
    names = [name for name in re.split(r"[,\s]+", str(text)) if name]
    registry = FlavorRegistry()
    if not names:
        known = ", ".join(flavor.name for flavor in registry.list(ARTIFACT_STORE))
        raise pytest.UsageError(f"{where}={text!r}: expected one or more of {known}")
    for name in names:
        try:
            flavor = registry.get(ARTIFACT_STORE, name)
            message = flavor.unmet(f"{where}: flavor {name!r}")
            if message is None and flavor.fixture is None:
                registry.testbeds(name)  # a flavor that needs options says so now, once
        except LocalStoreError as error:
            raise pytest.UsageError(f"{where}: {error}") from None
        if message is not None:
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


@pytest.fixture(scope="session")
def gcs_server(pytestconfig: pytest.Config) -> Iterator[GcsServer]:
    """A GCS endpoint for the session: gcp-storage-emulator in memory on 127.0.0.1 on a free port.

    Started once per process (each xdist worker has its own), in a process of its
    own, and stopped at the end. ``--localstore-gcs-endpoint=URL`` or
    ``LOCALSTORE_GCS_ENDPOINT`` uses an endpoint you run (fake-gcs-server, say)
    instead. Needs the gcs extra.
    """
    from .gcs import GcsServer

    with _one_line():
        server = GcsServer.for_tests(pytestconfig.getoption("localstore_gcs_endpoint"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def gcs_artifact_store(gcs_server: GcsServer) -> Iterator[ArtifactStore]:
    """A ``gcs`` store on ``gcs_server``, in a new bucket of its own, removed after the test."""
    from .cloud_flavors import build_gcs_store

    bucket = gcs_server.make_bucket()
    try:
        with _one_line():
            store = build_gcs_store(  # no check: the bucket was made just now
                f"gs://{bucket}",
                endpoint_url=gcs_server.endpoint_url,
                fs=gcs_server.filesystem(),
                check=False,
            )
        yield store
    finally:
        gcs_server.remove_bucket(bucket)


@pytest.fixture(scope="session")
def azure_server(pytestconfig: pytest.Config) -> Iterator[AzureServer]:
    """An Azure Blob endpoint for the session: Azurite's blob service in memory on 127.0.0.1 on a free port.

    Started once per process (each xdist worker has its own) and stopped at the
    end, even if the run is killed. Azurite is ``LOCALSTORE_AZURITE``, else
    ``azurite-blob`` on PATH, else a copy installed once with npm into the user
    cache directory (needs Node.js 20+). ``--localstore-azure-connection-string``
    or ``LOCALSTORE_AZURE_CONNECTION_STRING`` uses a service you run instead.
    Needs the azure extra.
    """
    from .azure import AzureServer

    given = pytestconfig.getoption("localstore_azure_connection_string")
    with _one_line():
        server = AzureServer.for_tests(given, say=_on_terminal(pytestconfig))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def azure_artifact_store(azure_server: AzureServer) -> Iterator[ArtifactStore]:
    """An ``azure`` store on ``azure_server``, in a new container of its own, removed after the test."""
    from .cloud_flavors import build_azure_store

    container = azure_server.make_container()
    try:
        with _one_line():
            store = build_azure_store(
                f"az://{container}",
                connection_string=azure_server.connection_string,
                fs=azure_server.filesystem(),
                check=False,  # the container was made just now
            )
        yield store
    finally:
        azure_server.remove_container(container)


@contextlib.contextmanager
def _one_line() -> Iterator[None]:
    """A LocalStoreError (a missing extra, node, a bucket) fails the test in one line, no traceback."""
    from .errors import LocalStoreError

    try:
        yield
    except LocalStoreError as error:
        pytest.fail(f"pytest-localstore: {error}", pytrace=False)


def _on_terminal(config: pytest.Config) -> Callable[[str], None]:
    """Write a line to stderr past pytest's output capture, so the user sees it at once.

    On a line of its own: if the progress line has begun, a line break first.
    """

    def say(line: str) -> None:
        capture = config.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
            reporter = config.pluginmanager.get_plugin("terminalreporter")
            begun = reporter is not None and config.get_terminal_writer().width_of_current_line > 0
            print(f"\n{line}" if begun else line, file=sys.stderr, flush=True)

    return say


@pytest.fixture
def memory_artifact_store() -> Iterator[ArtifactStore]:
    """A ``memory`` store (fsspec's in-process filesystem) of its own, emptied after the test."""
    from .fsspec_store import MemoryArtifactStore

    store = MemoryArtifactStore(f"memory://localstore-{uuid.uuid4().hex}")
    try:
        yield store
    finally:
        store.fs.rm(store.fs._strip_protocol(store.path), recursive=True)


@pytest.fixture(scope="session")
def _localstore_testbeds() -> Iterator[Testbeds]:
    """The testbeds of the flavors with no fixture of their own, each set up once when first used."""
    from .testbed import Testbeds

    with Testbeds() as testbeds:
        yield testbeds


@pytest.fixture
def artifact_store(request: pytest.FixtureRequest) -> ArtifactStore:
    """An empty artifact store of each flavor in ``--localstore-flavors`` (default: local).

    The test runs once per flavor, with ids ``[local]``, ``[memory]``, ``[s3]``,
    ``[gcs]``, ``[azure]`` or a plugin's flavor name: code written against one
    flavor runs unchanged on the others. A flavor with a fixture of its own gives
    it (``s3`` gives ``s3_artifact_store``); another gets a fresh store of its
    first testbed.
    """
    from .flavors import FlavorRegistry
    from .models import ARTIFACT_STORE

    name = getattr(request, "param", None) or flavors_from(request.config)[0]
    registry = FlavorRegistry()
    flavor = registry.get(ARTIFACT_STORE, name)
    if flavor.fixture is not None:
        store: ArtifactStore = request.getfixturevalue(flavor.fixture)
        return store
    testbeds: Testbeds = request.getfixturevalue("_localstore_testbeds")
    return testbeds.make_store(registry.testbeds(name)[0])
