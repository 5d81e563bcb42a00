"""A server program started for tests, that never outlives the process that started it.

The program runs under :mod:`~pytest_localstore._guardian`, in a process group
(and session) of its own: a Ctrl-C at the terminal reaches pytest, whose
teardown stops the server, and not the server itself mid-test; and if pytest
dies without a teardown (SIGKILL, a crashed xdist worker), the guardian sees
its standard input close and stops the server. Its output goes to a log file
in a private working directory, removed at :meth:`ServerProcess.stop`; the
server is ready when a line of that log matches a pattern.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from . import _guardian
from .errors import LocalStoreError

#: Seconds :meth:`ServerProcess.stop` waits for the guardian before killing the whole group.
STOP_WAIT = 6.0


class ServerProcess:
    """A running server program (under its guardian); :meth:`start` it, :meth:`stop` it."""

    def __init__(self, guardian: subprocess.Popen[bytes], workdir: str) -> None:
        self.guardian = guardian
        self.workdir = workdir

    @classmethod
    def start(
        cls, argv: list[str], *, ready: re.Pattern[str], what: str, timeout: float = 60.0
    ) -> tuple[ServerProcess, re.Match[str]]:
        """Start *argv*; return once its output matches *ready* (the match), or a one-line error."""
        workdir = tempfile.mkdtemp(prefix="localstore-server-")
        log = os.path.join(workdir, "output.log")
        # The guardian by its file, isolated (-I): standard library only, so it runs even where
        # this package is importable only through the parent's sys.path.
        command = [sys.executable, "-I", _guardian.__file__, "--remove", workdir, *argv]
        with open(log, "wb") as output:
            guardian = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=workdir,
                start_new_session=True,
            )
        server = cls(guardian, workdir)
        deadline = time.monotonic() + timeout
        while True:
            text = server.output()
            found = ready.search(text)
            if found:
                return server, found
            status = guardian.poll()
            if status is not None or time.monotonic() > deadline:
                server.stop()
                why = (
                    f"exited with status {status}" if status is not None else f"not ready in {timeout:.0f} s"
                )
                raise LocalStoreError(f"{what} {why}: {_last_line(text)}")
            time.sleep(0.02)

    @property
    def pid(self) -> int:
        """The guardian's process id, which is also the process group's."""
        return self.guardian.pid

    def output(self) -> str:
        """What the server has printed so far."""
        try:
            with open(os.path.join(self.workdir, "output.log"), "rb") as log:
                return log.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def stop(self) -> None:
        """Stop the server and everything in its process group; remove the working directory."""
        if self.guardian.stdin is not None and not self.guardian.stdin.closed:
            self.guardian.stdin.close()  # end-of-file: the guardian stops the server
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.guardian.wait(STOP_WAIT)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.guardian.pid, signal.SIGKILL)  # whatever is left in the group
        self.guardian.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
