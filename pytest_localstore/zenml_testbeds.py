"""Testbeds for ZenML's own artifact stores, seen through :class:`ZenMLArtifactStore`.

``zenml:local``, ``zenml:s3``, ``zenml:gcs`` and ``zenml:azure`` are contract
targets beside the flavors: the four stores ZenML ships, made as a ZenML
user's stack makes them (with a ZenML sandbox that keeps its files in a
temporary directory; the remote ones on a server started for the run), judged
against what ZenML promises (:data:`ZENML_LOCAL`, :data:`ZENML_OBJECT_STORE`).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from .capabilities import Capabilities
from .errors import LocalStoreError, UnknownFlavorError
from .testbed import FRESH, OPENING_FOLDER, REMOTE_JOBS, Testbed, remove_or_warn

if TYPE_CHECKING:
    from .artifact_store import ArtifactStore
    from .testbed import MakeStore

T = TypeVar("T")

#: What ZenML's local store is judged against: this package's promises, but its root may go.
ZENML_LOCAL = Capabilities(protects_root=False)
#: ZenML's S3, GCS and Azure stores: object stores whose glob is fsspec's (``**`` recursive,
#: ``*`` matches ``.h``).
ZENML_OBJECT_STORE = Capabilities.object_store(glob_recursive=True, glob_hidden=True)
#: The name it had when S3 was ZenML's only remote store here.
ZENML_S3 = ZENML_OBJECT_STORE


def _local_stores() -> Iterator[MakeStore]:
    from .zenml_sandbox import zenml_pointed_at
    from .zenml_store import ZenMLArtifactStore, zenml_local_store

    numbers = itertools.count()
    with tempfile.TemporaryDirectory(prefix="localstore-contract-") as base, zenml_pointed_at(base):
        yield lambda: ZenMLArtifactStore(zenml_local_store(os.path.join(base, str(next(numbers)))))


def _s3_stores() -> Iterator[MakeStore]:
    from .s3 import S3Server
    from .zenml_store import zenml_s3_store

    server = _started_while_zenml_is_imported(S3Server.for_tests)
    yield from _stores_on(
        server,
        server.make_bucket,
        server.remove_bucket,
        lambda url: zenml_s3_store(url, endpoint_url=server.endpoint_url, credentials=server.credentials),
        "s3",
    )


def _gcs_stores() -> Iterator[MakeStore]:
    from .gcs import GcsServer
    from .zenml_store import zenml_gcs_store

    server = _started_while_zenml_is_imported(GcsServer.for_tests)
    yield from _stores_on(
        server,
        server.make_bucket,
        server.remove_bucket,
        lambda url: zenml_gcs_store(url, endpoint_url=server.endpoint_url),
        "gs",
    )


def _azure_stores() -> Iterator[MakeStore]:
    import sys

    from .azure import AzureServer, client_without_retries
    from .zenml_store import zenml_azure_store

    server = _started_while_zenml_is_imported(
        lambda: AzureServer.for_tests(say=lambda message: print(message, file=sys.stderr, flush=True))
    )

    one_try: list[Any] = []

    def make(url: str) -> Any:
        store = zenml_azure_store(url, connection_string=server.connection_string)
        if not one_try:  # the stores of a run share the first one's filesystem (below)
            # One try, not 80 s of them, for the names Azurite answers with a 500 (a NUL byte).
            one_try.append(client_without_retries(server.connection_string, started_here=server.started_here))
            store._filesystem.service_client = one_try[0]
        return store

    yield from _stores_on(server, server.make_container, server.remove_container, make, "az")


def _started_while_zenml_is_imported(start: Callable[[], T]) -> T:
    """The server *start* starts, in a thread while ZenML is imported in this one: each takes
    a second or so, the server in a process of its own (the target was checked without the
    import, see ``check_zenml``)."""
    from concurrent.futures import ThreadPoolExecutor

    from .zenml_store import require_zenml

    with ThreadPoolExecutor(1, thread_name_prefix="localstore-server-start") as pool:
        starting = pool.submit(start)
        try:
            require_zenml()
        except BaseException:
            with contextlib.suppress(Exception):
                starting.result().stop()  # type: ignore[attr-defined]
            raise
        return starting.result()


def _stores_on(
    server: Any,
    make_place: Callable[[str], str],
    remove_place: Callable[[str], None],
    zenml_store: Callable[[str], Any],
    scheme: str,
) -> Iterator[MakeStore]:
    """ZenML stores below one new bucket or container on *server* (stopped at the end), in a
    ZenML sandbox; the stores of a run share the first one's filesystem and client session."""
    from .zenml_sandbox import zenml_pointed_at
    from .zenml_store import ZenMLArtifactStore

    numbers = itertools.count()
    with (
        tempfile.TemporaryDirectory(prefix="localstore-contract-") as base,
        zenml_pointed_at(base),
        server,
        _libraries_quiet(),
    ):
        place = make_place("localstore-contract")
        made: list[Any] = []
        one_at_a_time = threading.Lock()  # ZenML builds its stores from one global configuration

        def make() -> ArtifactStore:
            with one_at_a_time:
                store = zenml_store(f"{scheme}://{place}/{next(numbers)}")
                if made:
                    # Each ZenML store opens its own client session (~150 ms) on first use.
                    store._filesystem = made[0].filesystem
                made.append(store)
            return ZenMLArtifactStore(store)

        try:
            yield make
        finally:
            if not server.started_here:  # else it goes with the server, at once
                remove_or_warn(remove_place, place)


#: The loggers of the libraries under ZenML's remote stores, and ZenML's own for them: each
#: refused request is a traceback there (fsspec's read-ahead, gcsfs, adlfs, the Azure SDK), and
#: ZenML warns that a GCS append overwrites. A report says what went wrong, in our words.
QUIET_LOGGERS = ("fsspec", "gcsfs", "adlfs", "azure", "s3fs", "botocore", "zenml.integrations")


@contextlib.contextmanager
def _libraries_quiet() -> Iterator[None]:
    """The :data:`QUIET_LOGGERS` silent, and their libraries' warnings ignored, for the block."""
    import logging
    import warnings

    levels = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module=r"(gcsfs|adlfs|fsspec|zenml)\b")
            yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def _server_opening(
    module: str, server: str, what: str, make: str, builder: str, url: str, settings: str
) -> str:
    """The opening of a reported program for ZenML's store in a new place on a server: below a
    folder of it, as the run's stores are (a bucket's root answers some calls its own way)."""
    return (
        "from pytest_localstore import ZenMLArtifactStore\n"
        f"from pytest_localstore.{module} import {server}\n"
        f"from pytest_localstore.zenml_store import {builder}\n\n"
        f"server = {server}.start()  # {what} on 127.0.0.1\n"
        f"place = server.{make}()\n"
        f"store = ZenMLArtifactStore({builder}(f'{url}://{{place}}/{OPENING_FOLDER}', {settings})){FRESH}"
    )


#: Each ZenML store a target may name: its testbed and the extra it needs besides zenml.
ZENML_TESTBEDS: dict[str, tuple[Testbed, str | None]] = {
    "zenml:local": (
        Testbed(
            "zenml:local",
            "import tempfile\n\n"
            "from pytest_localstore import ZenMLArtifactStore\n"
            "from pytest_localstore.zenml_store import zenml_local_store\n\n"
            f"store = ZenMLArtifactStore(zenml_local_store(tempfile.mkdtemp())){FRESH}",
            _local_stores,
            ZENML_LOCAL,
        ),
        None,
    ),
    "zenml:s3": (
        Testbed(
            "zenml:s3",
            _server_opening(
                "s3",
                "S3Server",
                "moto's server",
                "make_bucket",
                "zenml_s3_store",
                "s3",
                "endpoint_url=server.endpoint_url, credentials=server.credentials",
            ),
            _s3_stores,
            ZENML_OBJECT_STORE,
            jobs=REMOTE_JOBS,
        ),
        "s3",
    ),
    "zenml:gcs": (
        Testbed(
            "zenml:gcs",
            _server_opening(
                "gcs",
                "GcsServer",
                "gcp-storage-emulator",
                "make_bucket",
                "zenml_gcs_store",
                "gs",
                "endpoint_url=server.endpoint_url",
            ),
            _gcs_stores,
            ZENML_OBJECT_STORE,
            jobs=REMOTE_JOBS,
        ),
        "gcs",
    ),
    "zenml:azure": (
        Testbed(
            "zenml:azure",
            _server_opening(
                "azure",
                "AzureServer",
                "Azurite",
                "make_container",
                "zenml_azure_store",
                "az",
                "connection_string=server.connection_string",
            ),
            _azure_stores,
            ZENML_OBJECT_STORE,
            jobs=REMOTE_JOBS,
        ),
        "azure",
    ),
}


def zenml_testbed(name: str) -> Testbed:
    """The testbed of ZenML's store *name* (``zenml:local``, say), its packages checked.

    UnknownFlavorError for a name ZenML's stores do not have; LocalStoreError,
    one line, if zenml or the extra the store needs is missing.
    """
    from ._extras import unmet
    from .zenml_store import check_zenml

    if name not in ZENML_TESTBEDS:
        raise UnknownFlavorError(f"unknown ZenML store {name!r}: expected one of {', '.join(ZENML_TESTBEDS)}")
    testbed, extra = ZENML_TESTBEDS[name]
    check_zenml()  # not imported yet: a server may start meanwhile
    message = None if extra is None else unmet(extra, f"{name!r}:")
    if message is not None:
        raise LocalStoreError(message)
    return testbed
