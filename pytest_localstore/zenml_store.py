"""ZenML artifact stores seen through this package's store API, so the contract can judge them.

:class:`ZenMLArtifactStore` wraps any ZenML ``BaseArtifactStore`` (local, S3,
GCS, Azure, a user's own flavor). A relative path is joined to the store's root;
everything else (absolute paths, URLs, the arguments left out, the results, the
errors) is handed to ZenML unchanged. So the contract judges ZenML's code, not
this adapter's. ZenML is imported only when a ZenML store is made; without it,
the error names the ``zenml`` extra.
"""

from __future__ import annotations

import datetime
import os
import uuid
from collections.abc import Callable, Iterator
from typing import IO, Any

from ._extras import not_installed, unmet
from .artifact_store import ArtifactStore, PathType, WalkEntry
from .errors import LocalStoreError

#: The ZenML releases this bridge is built and tested for: (major, minor) from, up to.
SUPPORTED_ZENML = ((0, 98), (1, 0))
#: Set while ZenML is first imported: else it installs rich's traceback handler into the process.
_QUIET_ZENML = {"ZENML_ENABLE_RICH_TRACEBACK": "false", "ZENML_LOGGING_VERBOSITY": "WARN"}

_LEFT_OUT: Any = object()


def require_zenml() -> Any:
    """The ``zenml`` module, checked: a one-line LocalStoreError if it is missing or unsupported."""
    unset = [name for name in _QUIET_ZENML if name not in os.environ]
    os.environ.update({name: _QUIET_ZENML[name] for name in unset})  # read by ZenML's import only
    try:
        import zenml
    except ImportError as error:
        missing = error.name or "zenml"
        raise LocalStoreError(not_installed("the ZenML bridge", missing, "zenml")) from None
    finally:
        for name in unset:
            os.environ.pop(name, None)
    _check_version(str(getattr(zenml, "__version__", "unknown")))
    return zenml


def check_zenml() -> None:
    """The one-line errors of :func:`require_zenml`, found without importing ZenML (which
    takes over a second): from its installed metadata, or the module if it is imported."""
    import sys

    if "zenml" not in sys.modules and unmet("zenml", "") is None:
        from importlib import metadata

        try:
            version = metadata.version("zenml")
        except metadata.PackageNotFoundError:  # importable, yet not installed: ask the module
            version = None
        if version is not None:
            _check_version(version)
            return
    require_zenml()


def _check_version(version: str) -> None:
    low, high = SUPPORTED_ZENML
    if not low <= _major_minor(version) < high:
        raise LocalStoreError(
            f"ZenML {version} is not supported: the ZenML bridge needs"
            f" {low[0]}.{low[1]} <= zenml < {high[0]}.{high[1]}"
        )


def _major_minor(version: str) -> tuple[int, int]:
    parts = version.split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        return (-1, -1)


class ZenMLArtifactStore(ArtifactStore):
    """A ZenML artifact store as an :class:`~pytest_localstore.ArtifactStore`.

    ``ZenMLArtifactStore(client.active_stack.artifact_store)``. Name and id are
    the ZenML component's; ``.zenml`` is the wrapped object.
    """

    def __init__(self, zenml_store: Any) -> None:
        for method in ("open", "walk", "path"):
            if not hasattr(zenml_store, method):
                raise TypeError(f"{zenml_store!r} is not a ZenML artifact store: it has no {method!r}")
        super().__init__(name=getattr(zenml_store, "name", None), id=getattr(zenml_store, "id", None))
        self.zenml = zenml_store
        self._root = str(zenml_store.path)

    def __repr__(self) -> str:
        return f"ZenMLArtifactStore({type(self.zenml).__name__}, {self._root!r})"

    @property
    def path(self) -> str:
        return self._root

    def _on(self, path: PathType) -> Any:
        """*path* as ZenML gets it: joined to the root if relative, else unchanged."""
        if isinstance(path, bytes):
            return path if _absolute(os.fsdecode(path)) else os.fsencode(self._root) + b"/" + path
        if isinstance(path, str):
            return path if _absolute(path) else f"{self._root}/{path}"
        text = os.fspath(path)
        if _absolute(os.fsdecode(text)):
            return path
        return f"{self._root}/{os.fsdecode(text)}"

    def open(self, path: PathType, mode: str = _LEFT_OUT) -> IO[Any]:
        if mode is _LEFT_OUT:
            return self.zenml.open(self._on(path))  # type: ignore[no-any-return]
        return self.zenml.open(self._on(path), mode)  # type: ignore[no-any-return]

    def copyfile(self, src: PathType, dst: PathType, overwrite: bool = _LEFT_OUT) -> None:
        if overwrite is _LEFT_OUT:
            return self.zenml.copyfile(self._on(src), self._on(dst))  # type: ignore[no-any-return]
        return self.zenml.copyfile(self._on(src), self._on(dst), overwrite)  # type: ignore[no-any-return]

    def exists(self, path: PathType) -> bool:
        return self.zenml.exists(self._on(path))  # type: ignore[no-any-return]

    def glob(self, pattern: PathType) -> list[str]:
        return self.zenml.glob(self._on(pattern))  # type: ignore[no-any-return]

    def isdir(self, path: PathType) -> bool:
        return self.zenml.isdir(self._on(path))  # type: ignore[no-any-return]

    def listdir(self, path: PathType) -> list[str]:
        return self.zenml.listdir(self._on(path))  # type: ignore[no-any-return]

    def makedirs(self, path: PathType) -> None:
        return self.zenml.makedirs(self._on(path))  # type: ignore[no-any-return]

    def mkdir(self, path: PathType) -> None:
        return self.zenml.mkdir(self._on(path))  # type: ignore[no-any-return]

    def remove(self, path: PathType) -> None:
        return self.zenml.remove(self._on(path))  # type: ignore[no-any-return]

    def rename(self, src: PathType, dst: PathType, overwrite: bool = _LEFT_OUT) -> None:
        if overwrite is _LEFT_OUT:
            return self.zenml.rename(self._on(src), self._on(dst))  # type: ignore[no-any-return]
        return self.zenml.rename(self._on(src), self._on(dst), overwrite)  # type: ignore[no-any-return]

    def rmtree(self, path: PathType) -> None:
        return self.zenml.rmtree(self._on(path))  # type: ignore[no-any-return]

    def stat(self, path: PathType) -> os.stat_result:
        return self.zenml.stat(self._on(path))  # type: ignore[no-any-return]

    def size(self, path: PathType) -> int:
        return self.zenml.size(self._on(path))  # type: ignore[no-any-return]

    def walk(
        self,
        top: PathType,
        topdown: bool = _LEFT_OUT,
        onerror: Callable[[OSError], Any] | None = _LEFT_OUT,
    ) -> Iterator[WalkEntry]:
        given = {"topdown": topdown, "onerror": onerror}
        given = {name: value for name, value in given.items() if value is not _LEFT_OUT}
        return iter(self.zenml.walk(self._on(top), **given))


def _absolute(text: str) -> bool:
    return text.startswith("/") or "://" in text


def zenml_local_store(root: str, *, name: str = "contract") -> Any:
    """A ZenML ``LocalArtifactStore`` component on *root*, made directly (no ZenML database)."""
    require_zenml()
    from zenml.artifact_stores.local_artifact_store import LocalArtifactStore, LocalArtifactStoreConfig

    return _component(LocalArtifactStore, LocalArtifactStoreConfig(path=root), "local", name)


def zenml_s3_store(
    url: str, *, endpoint_url: str, credentials: dict[str, str], name: str = "contract"
) -> Any:
    """A ZenML ``S3ArtifactStore`` component on *url* (``s3://bucket/prefix``) at *endpoint_url*."""
    require_zenml()
    from .s3 import s3_options

    try:
        from zenml.integrations.s3.artifact_stores.s3_artifact_store import S3ArtifactStore
        from zenml.integrations.s3.flavors.s3_artifact_store_flavor import S3ArtifactStoreConfig
    except ImportError as error:
        raise LocalStoreError(not_installed("ZenML's s3 artifact store", str(error.name), "s3")) from None
    options = s3_options(endpoint_url, **credentials)
    config = S3ArtifactStoreConfig(
        path=url,
        key=options.get("key"),
        secret=options.get("secret"),
        client_kwargs=options["client_kwargs"],
        config_kwargs=options["config_kwargs"],
        s3_additional_kwargs=None,
    )
    return _component(S3ArtifactStore, config, "s3", name)


def zenml_gcs_store(url: str, *, endpoint_url: str, name: str = "contract") -> Any:
    """A ZenML ``GCPArtifactStore`` component on *url* (``gs://bucket/prefix``) at *endpoint_url*.

    ZenML makes its gcsfs filesystem lazily, on first use, with no endpoint
    argument (only ``STORAGE_EMULATOR_HOST`` would move it, for the whole
    process). So the store gets its filesystem here instead, made as ZenML makes
    it (``gcsfs.GCSFileSystem(token=...)``, ZenML's listings cache included)
    plus *endpoint_url*: anonymous, or the key file in
    ``GOOGLE_APPLICATION_CREDENTIALS``. No variable is left changed:
    ``GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT=false`` is set only while gcsfs is first
    imported, if it was unset (else every call waits on a gRPC API emulators lack).
    """
    require_zenml()
    problem = unmet("gcs", "ZenML's gcs artifact store")
    if problem:
        raise LocalStoreError(problem)
    gcsfs = _import_gcsfs()
    try:
        from zenml.integrations.gcp.artifact_stores.gcp_artifact_store import GCPArtifactStore
        from zenml.integrations.gcp.flavors.gcp_artifact_store_flavor import GCPArtifactStoreConfig
    except ImportError as error:
        raise LocalStoreError(not_installed("ZenML's gcs artifact store", str(error.name), "gcs")) from None
    store = _component(GCPArtifactStore, GCPArtifactStoreConfig(path=url), "gcp", name)
    token = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS") or "anon"
    # The core class, as ZenML gets it under the setting above (the experimental one, if gcsfs
    # was imported earlier without it, waits a minute per call on an emulator).
    store._filesystem = gcsfs.core.GCSFileSystem(token=token, endpoint_url=endpoint_url.rstrip("/"))
    return store


def zenml_azure_store(url: str, *, connection_string: str, name: str = "contract") -> Any:
    """A ZenML ``AzureArtifactStore`` component on *url* (``az://container/prefix``) at *connection_string*.

    ZenML makes its adlfs filesystem lazily, from its ZenML secret (which needs a
    ZenML server) or else from ``AZURE_STORAGE_CONNECTION_STRING``. So the store
    gets its filesystem here instead, made as ZenML makes it from a secret holding
    *connection_string* (``anon=False, use_listings_cache=False``). No
    environment variable is read or changed; adlfs's and the Azure SDK's request
    logs are silenced (process-wide logger levels).
    """
    require_zenml()
    problem = unmet("azure", "ZenML's azure artifact store")
    if problem:
        raise LocalStoreError(problem)
    from .azure import parse_connection_string, quiet_logs, redact

    parse_connection_string(connection_string)
    try:
        import adlfs
        from zenml.integrations.azure.artifact_stores.azure_artifact_store import AzureArtifactStore
        from zenml.integrations.azure.flavors.azure_artifact_store_flavor import AzureArtifactStoreConfig
    except ImportError as error:
        raise LocalStoreError(
            not_installed("ZenML's azure artifact store", str(error.name), "azure")
        ) from None
    quiet_logs()
    store = _component(AzureArtifactStore, AzureArtifactStoreConfig(path=url), "azure", name)
    try:
        store._filesystem = adlfs.AzureBlobFileSystem(
            connection_string=connection_string, anon=False, use_listings_cache=False
        )
    except ValueError as error:  # the SDK's message may quote the key: never shown
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise LocalStoreError(
            f"malformed Azure connection string: the Azure SDK could not read it ({redact(first)[:120]})"
        ) from None
    return store


def _import_gcsfs() -> Any:
    """gcsfs, quiet; ``GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT=false`` (if unset) for its import only."""
    from .gcs import import_gcsfs

    variable = "GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT"
    unset = variable not in os.environ
    try:
        return import_gcsfs("ZenML's gcs artifact store")  # sets the variable if unset
    finally:
        if unset:
            os.environ.pop(variable, None)  # read by gcsfs's import only


def _component(kind: Any, config: Any, flavor: str, name: str) -> Any:
    from zenml.enums import StackComponentType

    now = datetime.datetime.now(datetime.timezone.utc)
    return kind(
        name=name,
        id=uuid.uuid4(),
        config=config,
        flavor=flavor,
        type=StackComponentType.ARTIFACT_STORE,
        user=None,
        created=now,
        updated=now,
    )
