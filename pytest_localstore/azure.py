"""Azure Blob Storage for tests: Azurite's blob service on this machine, and the settings to reach one.

:class:`AzureServer` runs Azurite's blob service in memory on ``127.0.0.1`` on
a free port (``AzureServer.start()``, ``.stop()``, or ``with AzureServer.start()
as server``), reached with the development account ``devstoreaccount1`` and
its published key; or it stands for a service you run yourself (Azurite
elsewhere, or Azure), given by a connection string in
:data:`AZURE_CONNECTION_STRING_ENV` or ``--localstore-azure-connection-string``.
Azurite is found or installed by :mod:`~pytest_localstore._azurite`, and runs
under a guardian (:mod:`~pytest_localstore._server_process`), so it never
outlives the process that started it.

adlfs comes with the ``azure`` extra (``pip install 'pytest-localstore[azure]'``);
nothing here imports it before it is used. A connection string is never shown
with its key.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable
from typing import Any

from ._reach import check_reachable, first_line
from ._server import ServerForTests
from .errors import LocalStoreError
from .s3 import require

#: A connection string to use instead of starting Azurite.
AZURE_CONNECTION_STRING_ENV = "LOCALSTORE_AZURE_CONNECTION_STRING"
#: Azurite's development account and its published key (they are the same for every Azurite).
DEV_ACCOUNT = "devstoreaccount1"
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
#: Seconds the container check may take in all.
CHECK_TIMEOUT = 8
#: The parts of a connection string that are secrets.
_SECRETS = ("accountkey", "sharedaccesssignature")
_LISTENING = re.compile(r"listens on (https?://[^\s/]+)")


def dev_connection_string(endpoint_url: str) -> str:
    """The development account's connection string for Azurite's blob service at *endpoint_url*."""
    return (
        f"DefaultEndpointsProtocol=http;AccountName={DEV_ACCOUNT};AccountKey={DEV_KEY};"
        f"BlobEndpoint={endpoint_url.rstrip('/')}/{DEV_ACCOUNT};"
    )


def parse_connection_string(text: str) -> dict[str, str]:
    """``Key=Value;...`` as a dict with lower-case keys; a one-line error (never showing it) if malformed."""
    expected = (
        "expected Key=Value pairs separated by ';', such as AccountName=...;AccountKey=...;BlobEndpoint=..."
    )
    if not isinstance(text, str) or not text.strip():
        raise LocalStoreError(f"empty Azure connection string: {expected}")
    settings: dict[str, str] = {}
    for part in text.strip().strip(";").split(";"):
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            shown = key.strip() if key.strip().lower() not in _SECRETS else "a secret"
            raise LocalStoreError(f"malformed Azure connection string (at {shown!r}): {expected}")
        settings[key.strip().lower()] = value.strip()
    development = settings.get("usedevelopmentstorage", "").lower() == "true"
    if "blobendpoint" not in settings and "accountname" not in settings and not development:
        raise LocalStoreError(
            f"malformed Azure connection string (no BlobEndpoint or AccountName): {expected}"
        )
    return settings


def blob_endpoint(text: str) -> str:
    """The blob service URL a connection string points at (checked by :func:`parse_connection_string`)."""
    settings = parse_connection_string(text)
    if "blobendpoint" in settings:
        return settings["blobendpoint"].rstrip("/")
    if settings.get("usedevelopmentstorage", "").lower() == "true":
        return f"http://127.0.0.1:10000/{DEV_ACCOUNT}"
    protocol = settings.get("defaultendpointsprotocol", "https")
    suffix = settings.get("endpointsuffix", "core.windows.net")
    return f"{protocol}://{settings['accountname']}.blob.{suffix}"


def redact(text: str) -> str:
    """*text* (a connection string) with its key or signature replaced by ``********``."""
    pattern = r"(?i)((?:" + "|".join(_SECRETS) + r")=)[^;]*"
    return re.sub(pattern, r"\1********", text)


def quiet_logs() -> None:
    """No lines from adlfs or the Azure SDK's request logging (our errors say what went wrong)."""
    import logging

    logging.getLogger("adlfs").setLevel(logging.CRITICAL)
    logging.getLogger("azure.core.pipeline.policies.http_logging_policy").setLevel(logging.WARNING)


def azure_filesystem(connection_string: str, *, started_here: bool = False) -> Any:
    """An ``adlfs.AzureBlobFileSystem`` for *connection_string*, with no caches.

    For a server *started_here* (on 127.0.0.1), the client reads no proxy settings and no
    ``.netrc`` from the environment: with them, aiohttp looks both up in a worker thread for
    every request, a fifth of the client's time on Azurite.
    """
    parse_connection_string(connection_string)
    adlfs = require("adlfs", "the azure flavor", "azure")
    quiet_logs()
    try:
        fs = adlfs.AzureBlobFileSystem(
            connection_string=connection_string, skip_instance_cache=True, use_listings_cache=False
        )
        if started_here:
            from azure.storage.blob.aio import BlobServiceClient

            client = BlobServiceClient.from_connection_string(connection_string, use_env_settings=False)
            fs.service_client = client
        return fs
    except ValueError as error:
        # The SDK's message names the part it could not read and may quote the key: never shown.
        raise LocalStoreError(
            "malformed Azure connection string: the Azure SDK could not read it"
            f" ({redact(first_line(error))[:120]})"
        ) from None


def check_container(fs: Any, container: str, endpoint_url: str) -> None:
    """A one-line LocalStoreError unless *container* exists at *endpoint_url* (nothing is created)."""
    from fsspec.asyn import FSTimeoutError, sync

    check_reachable(endpoint_url, "Azure Blob")

    async def properties() -> None:
        await fs.service_client.get_container_client(container).get_container_properties()

    try:
        sync(fs.loop, properties, timeout=CHECK_TIMEOUT)
    except FSTimeoutError:
        raise LocalStoreError(
            f"cannot reach Azure Blob at {endpoint_url}: no answer in {CHECK_TIMEOUT} s"
        ) from None
    except Exception as error:
        kind = type(error).__name__
        if kind == "ResourceNotFoundError":
            raise LocalStoreError(
                f"container {container!r} does not exist at {endpoint_url}: create it first"
            ) from None
        if kind == "ClientAuthenticationError":
            raise LocalStoreError(
                f"Azure Blob at {endpoint_url} refused the credentials for container {container!r}"
            ) from None
        raise LocalStoreError(
            f"cannot use Azure Blob at {endpoint_url}: {redact(first_line(error))}"
        ) from None


def client_without_retries(connection_string: str, *, started_here: bool = False) -> Any:
    """An asynchronous Azure Blob client that tries each request once, and makes the client of
    each container once.

    For a filesystem's ``service_client``: Azurite answers some names (one with a
    NUL byte) with HTTP 500, which the SDK's default policy retries for about 80 s
    before it raises the same error. For a server *started_here*, the client reads
    no proxy settings and no ``.netrc`` (see :func:`azure_filesystem`).
    """
    return _service_client_class().from_connection_string(
        connection_string, retry_total=0, use_env_settings=not started_here
    )


@functools.cache
def _service_client_class() -> Any:
    """The SDK's asynchronous ``BlobServiceClient``, keeping the client of each container it
    makes: making one builds a whole generated client (its serializers of every model), which
    costs more CPU than the request it sends, and adlfs asks for one on almost every call."""
    from azure.storage.blob.aio import BlobServiceClient

    class ServiceClient(BlobServiceClient):
        def get_container_client(self, container: Any) -> Any:
            name = getattr(container, "name", container)
            made: dict[str, Any] = self.__dict__.setdefault("_containers_made", {})
            if name not in made:
                made[name] = super().get_container_client(container)
            return made[name]

    return ServiceClient


class AzureServer(ServerForTests):
    """An Azure Blob endpoint for tests: Azurite's blob service started here, or one given."""

    def __init__(self, connection_string: str) -> None:
        super().__init__()
        self.endpoint_url = blob_endpoint(connection_string)
        self.connection_string = connection_string

    @classmethod
    def start(cls, say: Callable[[str], None] | None = None) -> AzureServer:
        """Start Azurite's blob service in memory on 127.0.0.1 on a free port (*say*: install notices)."""
        from ._azurite import find_azurite
        from ._server_process import ServerProcess

        require("adlfs", "an Azure Blob server for tests", "azure")
        program = find_azurite(say)
        options = [
            "--skipApiVersionCheck",
            "--loose",
            "--inMemoryPersistence",
            "--disableTelemetry",
            "--silent",
        ]
        process, found = ServerProcess.start(
            [program, "--blobHost", "127.0.0.1", "--blobPort", "0", *options],
            ready=_LISTENING,
            what=f"Azurite ({program})",
        )
        server = cls(dev_connection_string(found.group(1)))
        server._running = process
        return server

    @classmethod
    def for_tests(
        cls, connection_string: str | None = None, say: Callable[[str], None] | None = None
    ) -> AzureServer:
        """*connection_string*, else :data:`AZURE_CONNECTION_STRING_ENV`, else Azurite started here.

        A given service must answer within seconds (checked now, once).
        """
        import os

        given = connection_string or os.environ.get(AZURE_CONNECTION_STRING_ENV)
        if not given:
            return cls.start(say)
        server = cls(given)
        check_reachable(server.endpoint_url, "Azure Blob")
        return server

    def _make_filesystem(self) -> Any:
        return azure_filesystem(self.connection_string, started_here=self.started_here)

    def make_container(self, prefix: str = "localstore") -> str:
        """Create a container with a new name; its name."""
        from fsspec.asyn import sync

        name = f"{prefix}-{uuid.uuid4().hex[:16]}"
        fs = self.filesystem()
        sync(fs.loop, fs.service_client.create_container, name)  # one request (adlfs's mkdir: two)
        return name

    def remove_container(self, name: str) -> None:
        """Remove a container and every blob in it (one request: the service deletes the blobs)."""
        from fsspec.asyn import sync

        fs = self.filesystem()
        sync(fs.loop, fs.service_client.delete_container, name)
        fs.invalidate_cache()
