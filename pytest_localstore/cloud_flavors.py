"""The ``gcs`` and ``azure`` artifact-store flavors, both built on :class:`FsspecArtifactStore`.

``gcs`` is a Google Cloud Storage bucket (``gs://bucket/prefix``; options
``endpoint_url``, ``project``, ``token``), ``azure`` an Azure Blob container
(``az://container/prefix``; option ``connection_string``, else
``AZURE_STORAGE_CONNECTION_STRING``, as ZenML's Azure store reads it). Both
are remote. ``describe`` never shows a token or an account key. The bucket or
container must exist: the build checks it, creating nothing, and says in one
line what is wrong (missing, unreachable, refused). gcsfs and adlfs are
imported when a store is built; without them, the error names the extra.
"""

from __future__ import annotations

import re

from .errors import InvalidPathError, LocalStoreError
from .flavors import Flavor
from .fsspec_flavors import HIDDEN
from .models import ARTIFACT_STORE
from .testbed import REMOTE_JOBS, Testbed, server_opening, stores_on

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from typing import Any

    from .models import ComponentModel
    from .testbed import MakeStore

GCS_OPTIONS = ("path", "endpoint_url", "project", "token")
AZURE_OPTIONS = ("path", "connection_string")
#: The variable ZenML's Azure store (and adlfs) read a connection string from.
AZURE_STORAGE_ENV = "AZURE_STORAGE_CONNECTION_STRING"

#: GCS bucket names: 3 to 63 of lower-case letters, digits, '-', '_' and '.', a letter or digit at each end.
_BUCKET = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{1,61})[a-z0-9]$")
#: Azure container names: 3 to 63 of lower-case letters, digits and single hyphens, no hyphen at the ends.
_CONTAINER = re.compile(r"^(?=.{3,63}$)[a-z0-9]+(?:-[a-z0-9]+)*$")


def _checked_path(
    config: Mapping[str, Any], scheme: str, flavor: str, noun: str, rule: re.Pattern[str]
) -> str:
    """The path of *config*, checked: ``SCHEME://NAME[/PREFIX]`` with a valid bucket or container name."""
    example = f"{scheme}://{noun.upper()} or {scheme}://{noun.upper()}/PREFIX"
    path = config.get("path")
    if path is None:
        raise InvalidPathError(f"the {flavor} flavor needs a path: {example}")
    if not isinstance(path, str) or not path.startswith(f"{scheme}://") or "\x00" in path:
        raise InvalidPathError(f"invalid path {path!r}: expected {example}")
    name = path[len(scheme) + 3 :].split("/", 1)[0]
    if not rule.match(name):
        raise InvalidPathError(
            f"invalid path {path!r}: {name!r} is not a valid {noun} name"
            " (3 to 63 lower-case letters, digits and hyphens)"
        )
    return path.rstrip("/")


def _checked_options(config: Mapping[str, Any], options: tuple[str, ...]) -> dict[str, Any]:
    for option in options[1:]:
        value = config.get(option)
        if value is not None and (not isinstance(value, str) or not value):
            raise LocalStoreError(f"invalid {option} {value!r}: expected a non-empty string")
    return {name: config[name] for name in options[1:] if config.get(name) is not None}


def _gcs_prepare(config: Mapping[str, Any], config_path: str) -> dict[str, Any]:
    path = _checked_path(config, "gs", "gcs", "bucket", _BUCKET)
    return _checked_options(config, GCS_OPTIONS) | {"path": path}


def _gcs_describe(component: ComponentModel, config_path: str) -> dict[str, Any]:
    shown = {name: component.config.get(name) for name in GCS_OPTIONS}
    if shown["token"] not in (None, "anon"):
        shown["token"] = HIDDEN
    return shown


def _gcs_build(component: ComponentModel, config_path: str) -> Any:
    return build_gcs_store(
        str(component.config["path"]),
        name=component.name,
        id=component.id,
        endpoint_url=component.config.get("endpoint_url"),
        project=component.config.get("project"),
        token=component.config.get("token"),
    )


def build_gcs_store(
    path: str,
    *,
    name: str | None = None,
    id: Any = None,
    fs: Any = None,
    endpoint_url: str | None = None,
    project: str | None = None,
    token: str | None = None,
    check: bool = True,
) -> Any:
    """A ``gcs`` store at *path* (``gs://bucket/prefix``); a one-line LocalStoreError if unusable.

    *endpoint_url* (None: Google's), *project*, *token* (see
    :func:`~pytest_localstore.gcs.gcs_filesystem`), or *fs*, a gcsfs filesystem
    already made. The bucket must exist; nothing is created before that is known
    (``check=False``: the caller has just made it).
    """
    from .fsspec_store import GcsArtifactStore
    from .gcs import check_bucket, gcs_filesystem

    if fs is None:
        fs = gcs_filesystem(endpoint_url, project, token)
    if check:
        check_bucket(fs, path[len("gs://") :].split("/", 1)[0], endpoint_url)
    return GcsArtifactStore(path, fs=fs, name=name, id=id)


def _azure_prepare(config: Mapping[str, Any], config_path: str) -> dict[str, Any]:
    from .azure import parse_connection_string

    path = _checked_path(config, "az", "azure", "container", _CONTAINER)
    prepared = _checked_options(config, AZURE_OPTIONS)
    if "connection_string" in prepared:
        parse_connection_string(prepared["connection_string"])  # malformed: refused now, not at first use
    return prepared | {"path": path}


def _azure_describe(component: ComponentModel, config_path: str) -> dict[str, Any]:
    from .azure import redact

    text = component.config.get("connection_string")
    return {"path": component.config.get("path"), "connection_string": None if text is None else redact(text)}


def _azure_build(component: ComponentModel, config_path: str) -> Any:
    return build_azure_store(
        str(component.config["path"]),
        name=component.name,
        id=component.id,
        connection_string=component.config.get("connection_string"),
    )


def build_azure_store(
    path: str,
    *,
    name: str | None = None,
    id: Any = None,
    fs: Any = None,
    connection_string: str | None = None,
    check: bool = True,
) -> Any:
    """An ``azure`` store at *path* (``az://container/prefix``); a one-line LocalStoreError if unusable.

    *connection_string* (else ``AZURE_STORAGE_CONNECTION_STRING``), and *fs*, an
    adlfs filesystem already made for it, if there is one. The container must
    exist; nothing is created before that is known (``check=False``: the caller
    has just made it).
    """
    import os

    from .azure import azure_filesystem, blob_endpoint, check_container
    from .fsspec_store import AzureArtifactStore

    text = connection_string or os.environ.get(AZURE_STORAGE_ENV)
    if not text:
        raise LocalStoreError(
            "the azure flavor needs a connection string:"
            f" --option connection_string=... or {AZURE_STORAGE_ENV}"
        )
    endpoint = blob_endpoint(text)
    if fs is None:
        fs = azure_filesystem(text)
    if check:
        check_container(fs, path[len("az://") :].split("/", 1)[0], endpoint)
    return AzureArtifactStore(path, fs=fs, name=name, id=id)


def _gcs_stores() -> Iterator[MakeStore]:
    """Fresh stores in one new bucket on gcp-storage-emulator started for the run (or the one given)."""
    from .fsspec_store import GcsArtifactStore
    from .gcs import GcsServer

    server = GcsServer.for_tests()
    yield from stores_on(server, server.make_bucket, server.remove_bucket, GcsArtifactStore, "gs")


def _azure_stores() -> Iterator[MakeStore]:
    """Fresh stores in one new container on Azurite started for the run (or the one given)."""
    import sys

    from .azure import AzureServer
    from .fsspec_store import AzureArtifactStore

    server = AzureServer.for_tests(say=lambda message: print(message, file=sys.stderr, flush=True))
    yield from stores_on(server, server.make_container, server.remove_container, AzureArtifactStore, "az")


#: The cloud flavors every registry starts with (after the local and fsspec ones).
CLOUD_FLAVORS = (
    Flavor(
        "gcs",
        ARTIFACT_STORE,
        local=False,
        description="a Google Cloud Storage bucket (gcsfs; the gcs extra)",
        options=GCS_OPTIONS,
        prepare=_gcs_prepare,
        build=_gcs_build,
        describe=_gcs_describe,
        testbeds=[
            Testbed(
                "gcs",
                server_opening(
                    "GcsArtifactStore", "gcs", "GcsServer", "gcp-storage-emulator", "make_bucket", "gs"
                ),
                _gcs_stores,
                # The emulator answers one request at a time, in a process of its own, while
                # the jobs' client works on the next ones (seed 1: 21.9 s at one job, 16.2 s at 8).
                jobs=REMOTE_JOBS,
            )
        ],
        fixture="gcs_artifact_store",
        extra="gcs",
    ),
    Flavor(
        "azure",
        ARTIFACT_STORE,
        local=False,
        description="an Azure Blob container (adlfs; the azure extra)",
        options=AZURE_OPTIONS,
        prepare=_azure_prepare,
        build=_azure_build,
        describe=_azure_describe,
        testbeds=[
            Testbed(
                "azure",
                server_opening(
                    "AzureArtifactStore", "azure", "AzureServer", "Azurite", "make_container", "az"
                ),
                _azure_stores,
                jobs=REMOTE_JOBS,
            )
        ],
        fixture="azure_artifact_store",
        extra="azure",
    ),
)
