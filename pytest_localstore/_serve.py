"""The servers for tests that are Python programs, each run in a process of its own.

``python -c BOOT SYS_PATH SERVICE`` (see :func:`serve_argv`) serves *SERVICE*
on 127.0.0.1 on a free port and prints ``serving on 127.0.0.1:PORT`` once it
listens. In a process of its own a server works on the machine's other core,
instead of taking turns with the contract for one interpreter, and a client in
the test process can keep many requests waiting on it at once.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from typing import Any

#: Requests a server answers at once (a contract run keeps up to its jobs waiting).
THREADS = 16
#: What a server prints once it listens; group 1 is its port.
READY = re.compile(r"serving on 127\.0\.0\.1:(\d+)")

_BOOT = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
    "from pytest_localstore._serve import main; main(sys.argv[2:])"
)


def serve_argv(service: str) -> list[str]:
    """The command that serves *service* with this interpreter and this process's ``sys.path``
    (so the server finds whatever this process can import)."""
    return [sys.executable, "-c", _BOOT, json.dumps(sys.path), service]


def main(argv: list[str]) -> None:
    """Serve the service *argv* names until killed."""
    (service,) = argv
    port, serve = {"s3": _moto_s3, "gcs": _gcs_emulator}[service]()
    print(f"serving on 127.0.0.1:{port}", flush=True)
    serve()


def _moto_s3() -> tuple[int, Callable[[], Any]]:
    """moto's S3 service alone, served by waitress: a request goes straight to it, without
    moto's search of every service for the one a request is meant for, and a connection
    serves request after request (werkzeug's server, moto's own, closes it after each)."""
    import logging

    from moto.moto_server.werkzeug_app import create_backend_app
    from waitress.server import create_server

    logging.getLogger("waitress").setLevel(logging.CRITICAL)
    server = create_server(create_backend_app("s3"), host="127.0.0.1", port=0, threads=THREADS)
    return server.socket.getsockname()[1], server.run


def _gcs_emulator() -> tuple[int, Callable[[], Any]]:
    """gcp-storage-emulator, one request at a time: in a process of its own, its answers take
    the machine's other core while the contract's client works on the next requests."""
    from .gcs import emulator_server

    server = emulator_server()
    return server.server_address[1], server.serve_forever
