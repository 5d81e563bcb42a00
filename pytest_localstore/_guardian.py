"""Run a server program as a child, and end it when the process that started us goes away.

``python -I .../_guardian.py [--remove DIR] PROGRAM [ARGS...]``, with a pipe
as standard input. The starter never writes to the pipe; when the starter
exits, however it exits (a finished run, Ctrl-C, SIGKILL of a crashed xdist
worker), the pipe closes, the guardian reads end-of-file and stops the server:
SIGTERM, then SIGKILL after a grace period; then it removes DIR (the server's
working directory), which a starter that never stopped its server left behind.
This works on every POSIX system, unlike Linux's parent-death signal, which
also fires when only the starting thread ends. Standard library only, so it
starts quickly.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import threading

#: Seconds a server has to exit after SIGTERM before it is killed.
GRACE = 3.0


def stop(child: subprocess.Popen[bytes]) -> None:
    """SIGTERM now, SIGKILL after :data:`GRACE` seconds if it is still there (never blocks)."""
    if child.poll() is None:
        child.terminate()
        timer = threading.Timer(GRACE, _kill_if_alive, (child,))
        timer.daemon = True
        timer.start()


def _kill_if_alive(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.kill()


def main(argv: list[str]) -> int:
    """Start *argv*, stop it at end-of-file on stdin or on SIGTERM; the child's exit status."""
    remove = None
    if argv[:1] == ["--remove"] and len(argv) > 2:
        remove, argv = argv[1], argv[2:]
    if not argv:
        print("usage: python -I _guardian.py [--remove DIR] PROGRAM [ARGS...]", file=sys.stderr)
        return 2
    child = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
    starter_gone = threading.Event()

    def watch() -> None:
        while sys.stdin.buffer.read(4096):
            pass
        starter_gone.set()
        stop(child)

    threading.Thread(target=watch, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda number, frame: stop(child))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the starter decides; a terminal's Ctrl-C is not for us
    status = child.wait()
    if remove is not None and starter_gone.is_set():  # else the starter may still read the log
        shutil.rmtree(remove, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
