"""S3 for tests: a real S3-protocol server on this machine, and the settings to reach one.

:class:`S3Server` runs moto's server in a process of its own on ``127.0.0.1`` on a free port
(``S3Server.start()``, ``.stop()``, or ``with S3Server.start() as server``), or
stands for an endpoint you run yourself (MinIO, say) given by
:data:`S3_ENDPOINT_ENV` or ``--localstore-s3-endpoint``. :func:`s3_options`
turns an endpoint and credentials into s3fs storage options with short
timeouts and no retries, so an unreachable endpoint or wrong credentials fail
in seconds, once.

s3fs and moto come with the ``s3`` extra (``pip install 'pytest-localstore[s3]'``);
nothing here imports them before they are used.
"""

from __future__ import annotations

import socket
import uuid
from typing import Any

from ._extras import not_installed
from ._server import ServerForTests
from .errors import LocalStoreError

#: An endpoint to use instead of starting moto's server (``http://127.0.0.1:9000``).
S3_ENDPOINT_ENV = "LOCALSTORE_S3_ENDPOINT"
#: moto refuses s3fs's bucket creation in us-east-1 (a LocationConstraint it may not carry).
DEFAULT_REGION = "eu-west-1"
#: The credentials moto accepts; a real endpoint takes its own, or the AWS variables.
TEST_CREDENTIALS = {"key": "testing", "secret": "testing"}


#: Seconds before a connection or a read gives up; no retries.
TIMEOUT = 5


def require(module: str, what: str = "the s3 flavor", extra: str = "s3") -> Any:
    """Import *module*, or a one-line LocalStoreError naming the extra."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        top = module.split(".")[0]
        raise LocalStoreError(not_installed(what, top, extra)) from None


def s3_options(
    endpoint_url: str | None = None,
    region: str | None = None,
    key: str | None = None,
    secret: str | None = None,
) -> dict[str, Any]:
    """s3fs storage options: this endpoint and these credentials, short timeouts, no retries, no cache."""
    client: dict[str, Any] = {"region_name": region or DEFAULT_REGION}
    if endpoint_url:
        client["endpoint_url"] = endpoint_url
        if endpoint_url.lower().startswith("http://"):
            client["verify"] = False  # no TLS to verify: each session skips loading the CA bundle
    options: dict[str, Any] = {
        "client_kwargs": client,
        "config_kwargs": {
            "connect_timeout": TIMEOUT,
            "read_timeout": TIMEOUT,
            "retries": {"max_attempts": 1, "mode": "standard"},
        },
        "use_listings_cache": False,
        "skip_instance_cache": True,
    }
    if key is not None:
        options["key"] = key
    if secret is not None:
        options["secret"] = secret
    return options


def s3_filesystem(endpoint_url: str | None = None, **settings: Any) -> Any:
    """An ``s3fs.S3FileSystem`` for *endpoint_url* (see :func:`s3_options` for *settings*)."""
    s3fs = require("s3fs")
    return s3fs.S3FileSystem(**s3_options(endpoint_url, **settings))


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


class S3Server(ServerForTests):
    """An S3-protocol endpoint for tests: moto's server started here, or one given."""

    def __init__(self, endpoint_url: str, *, credentials: dict[str, str] | None = None) -> None:
        super().__init__()
        self.endpoint_url = endpoint_url.rstrip("/")
        self.credentials = dict(TEST_CREDENTIALS if credentials is None else credentials)

    @classmethod
    def start(cls) -> S3Server:
        """Start moto's S3 server in a process of its own, on 127.0.0.1 on a free port."""
        from ._serve import READY, serve_argv
        from ._server_process import ServerProcess

        require("s3fs", "an S3 server for tests")
        require("moto.server", "an S3 server for tests")
        require("waitress", "an S3 server for tests")
        process, found = ServerProcess.start(serve_argv("s3"), ready=READY, what="moto's S3 server")
        server = cls(f"http://127.0.0.1:{found.group(1)}")
        server._running = process
        return server

    @classmethod
    def for_tests(cls, endpoint_url: str | None = None) -> S3Server:
        """*endpoint_url*, else :data:`S3_ENDPOINT_ENV`, else moto's server started here.

        A given endpoint takes its credentials from the AWS variables.
        """
        import os

        endpoint = endpoint_url or os.environ.get(S3_ENDPOINT_ENV)
        return cls(endpoint, credentials={}) if endpoint else cls.start()

    def _make_filesystem(self) -> Any:
        return s3_filesystem(self.endpoint_url, **self.credentials)

    def make_bucket(self, prefix: str = "localstore") -> str:
        """Create a bucket with a new name; its name."""
        name = f"{prefix}-{uuid.uuid4().hex[:16]}"
        self.filesystem().mkdir(name)
        return name

    def remove_bucket(self, name: str) -> None:
        """Remove a bucket and everything in it.

        The keys go in batches; if a batch is refused (a key with a character
        XML cannot carry, such as a control character a store let through, makes
        some servers reject the whole batch), they go one request each.
        """
        fs = self.filesystem()
        try:
            fs.rm(name, recursive=True)  # the keys, then the bucket itself
            return
        except OSError:
            fs.invalidate_cache()
        for key in fs.find(name, withdirs=False):
            fs.rm_file(key)
        fs.rmdir(name)
