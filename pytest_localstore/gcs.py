"""Google Cloud Storage for tests: gcp-storage-emulator on this machine, and the settings to reach one.

:class:`GcsServer` runs gcp-storage-emulator in memory, in a process of its
own, on ``127.0.0.1`` on a free port (``GcsServer.start()``, ``.stop()``,
or ``with GcsServer.start() as server``); or it stands for an endpoint you
run yourself (fake-gcs-server, say) given by :data:`GCS_ENDPOINT_ENV` or
``--localstore-gcs-endpoint``. :func:`gcs_filesystem` makes the gcsfs
filesystem for an endpoint: anonymous unless ``GOOGLE_APPLICATION_CREDENTIALS``
names a key file, so no credential lookup ever asks a metadata server.

gcsfs and the emulator come with the ``gcs`` extra (``pip install
'pytest-localstore[gcs]'``); nothing here imports them before they are used.
gcsfs is imported with ``GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT=false`` (otherwise
every call waits a minute on a gRPC API that emulators lack), and its log
lines are silenced: our errors say what went wrong in one line.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable
from typing import Any

from ._reach import TIMEOUT, check_reachable, first_line
from ._server import ServerForTests
from .errors import LocalStoreError
from .s3 import require

#: An endpoint to use instead of starting the emulator (``http://127.0.0.1:4443``).
GCS_ENDPOINT_ENV = "LOCALSTORE_GCS_ENDPOINT"
#: The project buckets are made in (emulators accept any).
DEFAULT_PROJECT = "localstore-tests"
#: Seconds the bucket check may take in all.
CHECK_TIMEOUT = 8


def import_gcsfs(what: str = "the gcs flavor") -> Any:
    """gcsfs, imported with the emulator-friendly setting and quiet; a one-line error naming the extra."""
    import contextlib
    import importlib
    import logging
    import warnings

    os.environ.setdefault("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "false")
    with warnings.catch_warnings():
        # google.api_core warns at import about Python versions it will stop supporting; gcsfs
        # imports one such module at its first upload, so it is imported here, warnings off.
        warnings.simplefilter("ignore", FutureWarning)
        gcsfs = require("gcsfs", what, "gcs")
        with contextlib.suppress(ImportError):
            importlib.import_module("gcsfs.extended_gcsfs")
    # gcsfs logs a traceback at error level for every request it gives up on (the emulator
    # answers moveTo with 501); our callers report the failure themselves.
    logging.getLogger("gcsfs").setLevel(logging.CRITICAL)
    return gcsfs


def gcs_filesystem(
    endpoint_url: str | None = None, project: str | None = None, token: str | None = None
) -> Any:
    """A ``gcsfs.GCSFileSystem`` for *endpoint_url* (None: Google's), with no caches and short timeouts.

    *token*: ``"anon"``, a service-account key file, or None for
    ``GOOGLE_APPLICATION_CREDENTIALS`` if set, else anonymous.
    """
    gcsfs = import_gcsfs()
    credentials = token or os.environ.get("GOOGLE_APPLICATION_CREDENTIALS") or "anon"
    # The core class: with gcsfs imported earlier under the default setting, gcsfs.GCSFileSystem
    # is the experimental one that waits on the missing gRPC API.
    return gcsfs.core.GCSFileSystem(
        endpoint_url=endpoint_url,
        project=project or os.environ.get("GOOGLE_CLOUD_PROJECT") or DEFAULT_PROJECT,
        token=credentials,
        requests_timeout=TIMEOUT,
        skip_instance_cache=True,
        use_listings_cache=False,
    )


def check_bucket(fs: Any, bucket: str, endpoint_url: str | None) -> None:
    """A one-line LocalStoreError unless *bucket* exists (nothing is created)."""
    from fsspec.asyn import FSTimeoutError, sync

    where = f"at {endpoint_url}" if endpoint_url else "on Google Cloud"
    if endpoint_url:
        check_reachable(endpoint_url, "GCS")
    try:
        sync(fs.loop, fs._call, "GET", "b/{}", bucket, json_out=True, timeout=CHECK_TIMEOUT)
    except FileNotFoundError:
        raise LocalStoreError(f"bucket {bucket!r} does not exist {where}: create it first") from None
    except FSTimeoutError:
        raise LocalStoreError(f"cannot reach GCS {where}: no answer in {CHECK_TIMEOUT} s") from None
    except Exception as error:
        if "Forbidden" in str(error) or "401" in str(error):
            raise LocalStoreError(f"GCS {where} refused the credentials for bucket {bucket!r}") from None
        raise LocalStoreError(f"cannot use GCS {where}: {first_line(error)}") from None


#: GCS's objects.move: ``POST /storage/v1/b/BUCKET/o/SOURCE/moveTo/o/DESTINATION``.
_MOVE_TO = re.compile(
    r"(?:/storage/v1)?/b/(?P<bucket_name>[-.\w]+)/o/(?P<object_id>.*[^/]+)/moveTo/o/(?P<dest_object_id>.*[^/]+)"
)


def _move(request: Any, response: Any, storage: Any) -> None:
    """objects.move on the emulator: the object copied, then the source deleted, in one request.

    Without it the emulator answers 501, which gcsfs retries six times over half
    a minute before it copies and deletes itself: every rename of a ZenML GCS
    store, or of gcsfs used directly, would take 33 s.
    """
    from http import HTTPStatus

    from gcp_storage_emulator.exceptions import NotFound
    from gcp_storage_emulator.handlers import objects

    bucket, source = request.params["bucket_name"], request.params["object_id"]
    try:
        moved = objects._copy(
            request.base_url, storage, bucket, source, bucket, request.params["dest_object_id"]
        )
    except NotFound:
        response.status = HTTPStatus.NOT_FOUND
        return
    objects._delete(storage, bucket, source)
    response.json(moved)


def emulator_server() -> Any:
    """gcp-storage-emulator's request handler and in-memory storage, as an ``HTTPServer`` on
    127.0.0.1 on a free port: one request at a time (its storage is not safe in threads).
    ``_serve`` runs it in a process of its own."""
    import http.server
    import logging
    from functools import partial

    server_module = require("gcp_storage_emulator.server", "a GCS server for tests", "gcs")
    storage_module = require("gcp_storage_emulator.storage", "a GCS server for tests", "gcs")
    # A line per request, and an error line for each request it does not implement (501).
    logging.getLogger("gcp_storage_emulator").setLevel(logging.CRITICAL)

    class Quiet(http.server.HTTPServer):
        #: Connections waiting to be answered (the default, 5, drops the contract's 6th job's:
        #: its client tries again a second later).
        request_queue_size = 64

        def handle_error(self, request: Any, client_address: Any) -> None:
            """A client that hung up early is no news (the default prints a traceback)."""

    class Handler(server_module.RequestHandler):  # type: ignore[misc,name-defined]
        """The emulator's handler, and objects.move, and a 400 for a name its storage refuses."""

        def do_POST(self) -> None:
            request = server_module.Request(self, "POST")
            found = _MOVE_TO.fullmatch(request.path)
            if found is None:
                self._answer(super().do_POST)
                return
            request.set_match(found)
            response = server_module.Response(self)

            def move() -> None:
                _move(request, response, self.storage)
                response.close()

            self._answer(move)

        def do_GET(self) -> None:
            self._answer(super().do_GET)

        def do_PUT(self) -> None:
            self._answer(super().do_PUT)

        def do_PATCH(self) -> None:
            self._answer(super().do_PATCH)

        def do_DELETE(self) -> None:
            self._answer(super().do_DELETE)

        def _answer(self, handle: Callable[[], None]) -> None:
            """*handle*; if it raises (its in-memory storage refuses a name with a '..'
            segment, say), a 400 at once: else the connection drops and gcsfs retries
            for half a minute. Nothing was sent yet: the emulator writes its answer last."""
            import json

            try:
                handle()
            except Exception as error:
                body = json.dumps({"error": {"code": 400, "message": f"{first_line(error)}"}}).encode()
                self.send_response(400)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

    class Storage(storage_module.Storage):  # type: ignore[misc,name-defined]
        """The emulator's storage in memory, without its copy of every object's metadata.

        It writes all of it, as JSON, after each change, to be read when it starts again,
        which one in memory never does: a change cost more with each object the run made.
        """

        def _write_config_to_file(self) -> None:
            return None

    return Quiet(("127.0.0.1", 0), partial(Handler, Storage(use_memory_fs=True)))


class GcsServer(ServerForTests):
    """A GCS endpoint for tests: gcp-storage-emulator started here, or one given."""

    def __init__(self, endpoint_url: str, *, token: str | None = None) -> None:
        super().__init__()
        self.endpoint_url = endpoint_url.rstrip("/")
        self.token = token

    @classmethod
    def start(cls) -> GcsServer:
        """Start the emulator in memory, in a process of its own, on 127.0.0.1 on a free port."""
        from ._serve import READY, serve_argv
        from ._server_process import ServerProcess

        import_gcsfs("a GCS server for tests")
        require("gcp_storage_emulator.server", "a GCS server for tests", "gcs")
        process, found = ServerProcess.start(serve_argv("gcs"), ready=READY, what="gcp-storage-emulator")
        server = cls(f"http://127.0.0.1:{found.group(1)}", token="anon")
        server._running = process
        return server

    @classmethod
    def for_tests(cls, endpoint_url: str | None = None) -> GcsServer:
        """*endpoint_url*, else :data:`GCS_ENDPOINT_ENV`, else the emulator started here.

        A given endpoint is reached anonymously, or with the key file in
        ``GOOGLE_APPLICATION_CREDENTIALS``; it must answer within seconds
        (checked now, once).
        """
        endpoint = endpoint_url or os.environ.get(GCS_ENDPOINT_ENV)
        if not endpoint:
            return cls.start()
        check_reachable(endpoint, "GCS")
        return cls(endpoint)

    def _make_filesystem(self) -> Any:
        return gcs_filesystem(self.endpoint_url, token=self.token)

    def make_bucket(self, prefix: str = "localstore") -> str:
        """Create a bucket with a new name; its name."""
        name = f"{prefix}-{uuid.uuid4().hex[:16]}"
        self.filesystem().mkdir(name)
        return name

    def remove_bucket(self, name: str) -> None:
        """Remove a bucket and everything in it (a bucket must be empty to go: the objects first)."""
        fs = self.filesystem()
        try:
            fs.rm(name, recursive=True)
            return
        except Exception:  # OSError, or gcsfs's HttpError: one by one, below
            fs.invalidate_cache()
        for key in fs.find(name, withdirs=False):  # one request each, if the batch was refused
            fs.rm_file(key)
        fs.rmdir(name)
