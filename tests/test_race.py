"""Confinement under a concurrent writer.

A second process swaps a directory inside the root with a link pointing out
(``renameat2(RENAME_EXCHANGE)``, as fast as it can), while the store writes,
reads, lists, creates directories, copies into and removes from that directory.
Nothing outside may change, no outside content may be read and no outside name
listed. A store that checks a path and then uses it by name fails this within a
second; three seconds here, thirty under ``--hypothesis-profile=localstore-thorough``.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pytest_localstore import LocalArtifactStore
from pytest_localstore.contract._settings import thorough_profile_loaded

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 is Linux's")

SECRET = b"outside-secret"
OUTSIDE_ONLY = "only-outside"

SWAPPER = r"""
import ctypes, sys, time
libc = ctypes.CDLL(None, use_errno=True)
a, b, ready, seconds = sys.argv[1].encode(), sys.argv[2].encode(), sys.argv[3], float(sys.argv[4])
open(ready, "w").close()
stop = time.monotonic() + seconds
while time.monotonic() < stop:
    libc.renameat2(-100, a, -100, b, 2)  # AT_FDCWD, RENAME_EXCHANGE
"""


def tree_of(directory: Path) -> dict[str, bytes | None]:
    """Every name below *directory* with its content (None for a directory), links not followed."""
    found: dict[str, bytes | None] = {}
    for dirpath, dirnames, filenames in os.walk(directory):
        for name in dirnames:
            found[os.path.relpath(os.path.join(dirpath, name), directory)] = None
        for name in filenames:
            found[os.path.relpath(os.path.join(dirpath, name), directory)] = Path(dirpath, name).read_bytes()
    return found


@contextlib.contextmanager
def swapping(first: Path, second: Path, seconds: float) -> Iterator[subprocess.Popen[bytes]]:
    """A process exchanging *first* and *second* for *seconds*, started and waited for."""
    ready = first.parent.parent / "swapper-ready"
    process = subprocess.Popen(
        [sys.executable, "-c", SWAPPER, str(first), str(second), str(ready), str(seconds)]
    )
    try:
        while not ready.exists():
            if process.poll() is not None:
                pytest.fail(f"the swapping process exited with {process.returncode}")
            time.sleep(0.01)
        yield process
    finally:
        process.kill()
        process.wait()


def calls(store: LocalArtifactStore, n: int) -> list[tuple[str, Callable[[], object]]]:
    """One round of store calls on names inside the swapped directory."""

    def write() -> None:
        with store.open(f"d/w{n}", "wb") as f:
            f.write(b"from the store")

    def read() -> bytes:
        with store.open("d/secret", "rb") as f:
            return f.read()

    return [
        ("write", write),
        ("read", read),
        ("listdir", lambda: store.listdir("d")),
        ("makedirs", lambda: store.makedirs(f"d/m{n}/x")),
        ("mkdir", lambda: store.mkdir(f"d/k{n}")),
        ("copyfile", lambda: store.copyfile("source", f"d/c{n}", overwrite=True)),
        ("rename", lambda: store.rename(f"d/w{n}", f"d/r{n}", overwrite=True)),
        ("remove", lambda: store.remove(f"d/r{n}")),
        ("rmtree", lambda: store.rmtree(f"d/m{n}")),
        ("glob", lambda: store.glob("d/*")),
        ("walk", lambda: list(store.walk("d"))),
        ("stat", lambda: store.stat("d/secret")),
        ("remove victim", lambda: store.remove("d/victim")),
    ]


def leaks(value: object, secret_inode: int) -> bool:
    """Whether a call's result shows something of the outside directory."""
    if isinstance(value, bytes):
        return value == SECRET
    if isinstance(value, os.stat_result):
        return value.st_ino == secret_inode
    return OUTSIDE_ONLY in repr(value)


@pytest.mark.parametrize("use_openat2", [None, False], ids=["openat2", "walk"])
def test_a_swapped_link_never_takes_a_call_outside(tmp_path: Path, use_openat2: bool | None) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(SECRET)
    (outside / "victim").write_bytes(b"must survive")
    (outside / OUTSIDE_ONLY).write_bytes(b"")
    secret_inode = (outside / "secret").stat().st_ino
    before = tree_of(outside)

    store = LocalArtifactStore(tmp_path / "root", use_openat2=use_openat2)
    root = Path(store.path)
    (root / "d").mkdir()
    (root / "d" / "secret").write_bytes(b"inside")
    (root / "source").write_bytes(b"copied")
    (root / "link").symlink_to(outside)

    seconds = 30.0 if thorough_profile_loaded() else 3.0
    seen: Counter[str] = Counter()
    done: Counter[str] = Counter()
    with swapping(root / "d", root / "link", seconds) as swapper:
        n = 0
        while swapper.poll() is None:
            n += 1
            for name, call in calls(store, n % 50):
                try:
                    value = call()
                except OSError:
                    continue
                done[name] += 1
                if leaks(value, secret_inode):
                    seen[name] += 1
    after = tree_of(outside)
    changed = sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))
    assert not seen and not changed, (
        f"seen through the store: {dict(seen)}; changed outside ({len(changed)}): {changed[:10]}"
    )
    # The race was real: calls went through while the directory was being swapped.
    assert sum(done.values()) > 100, dict(done)
