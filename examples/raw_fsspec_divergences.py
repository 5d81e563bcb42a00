"""What the contract finds in fsspec used directly, and whether FsspecArtifactStore handles it.

Run: ``python examples/raw_fsspec_divergences.py`` (needs the s3, gcs and azure
extras, and Node.js for Azurite). For fsspec's ``LocalFileSystem``,
``MemoryFileSystem``, s3fs (on moto's server), gcsfs (on gcp-storage-emulator)
and adlfs (on Azurite), the servers started here on 127.0.0.1, a thin adapter
hands each of the fourteen operations straight to the library, as a first
attempt would. The contract's table rows run on it, declaring only what each
backend truly cannot do; every cause it reports is one line of the table below.
The last column replays that cause's program on ``FsspecArtifactStore`` over
the same filesystem (for gcsfs and adlfs its ``gcs`` and ``azure`` flavors,
:class:`GcsArtifactStore` and :class:`AzureArtifactStore`): "conforms" means the
store normalises the difference. Printed as a Markdown table for the README;
gcsfs's, adlfs's and the Azure SDK's own log lines are silenced while it runs.
Azurite answers a name with a NUL byte with HTTP 500, which the Azure SDK
would retry for about 80 s each time: adlfs's client here tries once.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import sys
import tempfile
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from examples.raw_fsspec import RawFsspec
from pytest_localstore import ArtifactStore
from pytest_localstore.azure import AzureServer, client_without_retries
from pytest_localstore.contract import Capabilities, check_row
from pytest_localstore.contract._rows import ROWS
from pytest_localstore.contract._runner import replay
from pytest_localstore.fsspec_store import AzureArtifactStore, FsspecArtifactStore, GcsArtifactStore
from pytest_localstore.gcs import GcsServer
from pytest_localstore.s3 import S3Server

#: gcsfs's and adlfs's loggers (a traceback per refused request), the Azure SDK's, fsspec's read-ahead.
QUIET = ("gcsfs", "adlfs", "azure", "fsspec")
#: What the libraries on object stores truly cannot do: empty directories, a limit on names.
OBJECT_STORE = Capabilities(empty_directories=False, max_name_bytes=None)
#: The store each cause is replayed on, and the scheme of its URL, by library (else FsspecArtifactStore).
OURS: dict[str, tuple[type[FsspecArtifactStore], str]] = {
    "gcsfs": (GcsArtifactStore, "gs://"),
    "adlfs": (AzureArtifactStore, "az://"),
}


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """The :data:`QUIET` loggers, and gcsfs's warning that it cannot append, off for the block."""
    levels = {name: logging.getLogger(name).level for name in QUIET}
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def backends(
    s3_server: S3Server, gcs_server: GcsServer, azure_server: AzureServer, tmp: str
) -> list[tuple[str, Callable[[], Any], Callable[[], str], Capabilities]]:
    """(name, filesystem, fresh root, what the backend truly cannot do)."""
    import fsspec

    numbers = itertools.count()
    bucket = s3_server.make_bucket("divergences")
    s3 = s3_server.filesystem()
    gcs_bucket = gcs_server.make_bucket("divergences")
    gcs = gcs_server.filesystem()
    container = azure_server.make_container("divergences")
    azure = azure_server.filesystem()
    # One try per request, not 80 s of retries for each name Azurite answers with a 500.
    azure.service_client = client_without_retries(azure_server.connection_string)
    return [
        (
            "LocalFileSystem",
            lambda: fsspec.filesystem("file"),
            lambda: f"{tmp}/{next(numbers)}",
            Capabilities(),
        ),
        (
            "MemoryFileSystem",
            lambda: fsspec.filesystem("memory"),
            lambda: f"/divergences-{uuid.uuid4().hex}",
            Capabilities(max_name_bytes=None),
        ),
        ("s3fs", lambda: s3, lambda: f"{bucket}/{uuid.uuid4().hex}", OBJECT_STORE),
        ("gcsfs", lambda: gcs, lambda: f"{gcs_bucket}/{uuid.uuid4().hex}", OBJECT_STORE),
        ("adlfs", lambda: azure, lambda: f"{container}/{uuid.uuid4().hex}", OBJECT_STORE),
    ]


def ours_on(name: str, fs: Callable[[], Any], root: Callable[[], str]) -> Callable[[], ArtifactStore]:
    """Fresh stores of ours (:data:`OURS`) over the same filesystem as the raw adapter."""
    store_class, scheme = OURS.get(name, (FsspecArtifactStore, ""))
    return lambda: store_class(scheme + root(), fs=fs())


def main() -> int:
    print("| library | operation | kind | the contract's rule | on FsspecArtifactStore |")
    print("|---|---|---|---|---|")
    with (
        S3Server.start() as s3_server,
        GcsServer.start() as gcs_server,
        AzureServer.start() as azure_server,
        tempfile.TemporaryDirectory() as tmp,
        quiet(),
    ):
        for name, fs, root, capabilities in backends(s3_server, gcs_server, azure_server, tmp):
            seen: set[tuple[str, str, str]] = set()
            for row in ROWS:
                if not row.applies_to(capabilities):
                    continue
                violation = check_row(row, RawFsspec(fs(), root()), capabilities)
                if violation is None or violation.cause in seen:
                    continue
                seen.add(violation.cause)
                # Judged by what the backend cannot do, and the names our store says it cannot hold.
                ours_class = OURS.get(name, (FsspecArtifactStore,))[0]
                refused = getattr(ours_class, "capabilities", capabilities).refused_names
                judged = replace(capabilities, refused_names=refused)
                ours = replay(list(violation.calls), ours_on(name, fs, root), judged)
                verdict = "conforms" if ours is None else f"still {ours[1].kind}: {ours[1].rule}"
                rule = violation.problem.rule.replace("|", "/")
                what = f"{violation.method} | {violation.problem.kind} | {rule} (row '{row.situation}')"
                print(f"| {name} | {what} | {verdict} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
