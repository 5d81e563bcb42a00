"""Testbeds for ZenML's own artifact stores, seen through :class:`ZenMLArtifactStore`.

``zenml:local`` and ``zenml:s3`` are contract targets beside the flavors: the
stores ZenML itself ships, made as a ZenML user's stack makes them (with a
ZenML sandbox that keeps its files in a temporary directory), judged against
what ZenML promises (:data:`ZENML_LOCAL`, :data:`ZENML_S3`).
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .capabilities import Capabilities
from .errors import LocalStoreError, UnknownFlavorError
from .testbed import FRESH, Testbed

if TYPE_CHECKING:
    from .artifact_store import ArtifactStore
    from .testbed import MakeStore

#: What ZenML's local store is judged against: this package's promises, but its root may go.
ZENML_LOCAL = Capabilities(protects_root=False)
#: ZenML's S3 store: an object store whose glob is s3fs's (``**`` recursive, ``*`` matches ``.h``).
ZENML_S3 = Capabilities.object_store(glob_recursive=True, glob_hidden=True)


def _local_stores() -> Iterator[MakeStore]:
    from .zenml_sandbox import zenml_pointed_at
    from .zenml_store import ZenMLArtifactStore, zenml_local_store

    numbers = itertools.count()
    with tempfile.TemporaryDirectory(prefix="localstore-contract-") as base, zenml_pointed_at(base):
        yield lambda: ZenMLArtifactStore(zenml_local_store(os.path.join(base, str(next(numbers)))))


def _s3_stores() -> Iterator[MakeStore]:
    from .s3 import S3Server
    from .zenml_sandbox import zenml_pointed_at
    from .zenml_store import ZenMLArtifactStore, zenml_s3_store

    numbers = itertools.count()
    with (
        tempfile.TemporaryDirectory(prefix="localstore-contract-") as base,
        zenml_pointed_at(base),
        S3Server.for_tests() as server,
    ):
        bucket = server.make_bucket("localstore-contract")
        made: list[Any] = []

        def make() -> ArtifactStore:
            url = f"s3://{bucket}/{next(numbers)}"
            store = zenml_s3_store(url, endpoint_url=server.endpoint_url, credentials=server.credentials)
            if made:
                # Each ZenML S3 store opens its own client session (~150 ms) on first
                # use; the stores of one run share the first one's, with the same settings.
                store._filesystem = made[0].filesystem
            made.append(store)
            return ZenMLArtifactStore(store)

        try:
            yield make
        finally:
            server.remove_bucket(bucket)


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
            "from pytest_localstore import ZenMLArtifactStore\n"
            "from pytest_localstore.s3 import S3Server\n"
            "from pytest_localstore.zenml_store import zenml_s3_store\n\n"
            "server = S3Server.start()  # moto's server on 127.0.0.1\n"
            "bucket = server.make_bucket()\n"
            "store = ZenMLArtifactStore(\n"
            "    zenml_s3_store(\n"
            "        f's3://{bucket}', endpoint_url=server.endpoint_url, credentials=server.credentials\n"
            "    )\n"
            f"){FRESH}",
            _s3_stores,
            ZENML_S3,
        ),
        "s3",
    ),
}


def zenml_testbed(name: str) -> Testbed:
    """The testbed of ZenML's store *name* (``zenml:local``, say), its packages checked.

    UnknownFlavorError for a name ZenML's stores do not have; LocalStoreError,
    one line, if zenml or the extra the store needs is missing.
    """
    from ._extras import unmet
    from .zenml_store import require_zenml

    if name not in ZENML_TESTBEDS:
        raise UnknownFlavorError(f"unknown ZenML store {name!r}: expected one of {', '.join(ZENML_TESTBEDS)}")
    testbed, extra = ZENML_TESTBEDS[name]
    require_zenml()
    message = None if extra is None else unmet(extra, f"{name!r}:")
    if message is not None:
        raise LocalStoreError(message)
    return testbed
