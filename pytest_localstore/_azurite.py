"""Finding Azurite's blob server (``azurite-blob``), installing a pinned copy once if there is none.

Azurite is a Node program, not a Python package, so no extra can bring it.
:func:`find_azurite` looks, in this order, at :data:`AZURITE_ENV` (the path of
``azurite-blob``), at ``azurite-blob`` on ``PATH``, and at a copy installed
earlier in ``<user cache dir>/pytest-localstore/azurite``; otherwise it
installs :data:`AZURITE_VERSION` there with npm (once: a lock keeps parallel
xdist workers from installing it twice) and says so. Node.js
:data:`MIN_NODE` or later is required; without it, or without npm for the
install, the error is one line naming what is missing.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import LocalStoreError

#: The path of an ``azurite-blob`` to use instead of looking for one.
AZURITE_ENV = "LOCALSTORE_AZURITE"
#: The Azurite release installed when none is found.
AZURITE_VERSION = "3.37.0"
#: The oldest Node.js major version that runs it.
MIN_NODE = 20
#: Seconds npm may take to install it.
INSTALL_TIMEOUT = 600
#: Written next to an install that finished, naming its version.
MARKER = "installed-version"


def user_cache_dir() -> Path:
    """The user's cache directory: ``$XDG_CACHE_HOME``, else ``~/.cache`` (macOS and Windows: theirs)."""
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"


def install_dir() -> Path:
    """Where Azurite is installed when none is found: ``<user cache dir>/pytest-localstore/azurite``."""
    return user_cache_dir() / "pytest-localstore" / "azurite"


def installed_program(prefix: Path) -> Path:
    """The ``azurite-blob`` that ``npm install --prefix PREFIX`` makes."""
    name = "azurite-blob.cmd" if sys.platform == "win32" else "azurite-blob"
    return prefix / "node_modules" / ".bin" / name


def find_azurite(say: Callable[[str], None] | None = None) -> str:
    """The path of ``azurite-blob`` (installed first if need be; *say* tells the user); one-line errors."""
    given = os.environ.get(AZURITE_ENV)
    if given:
        if not os.path.isfile(given) or not os.access(given, os.X_OK):
            raise LocalStoreError(f"{AZURITE_ENV}={given!r} is not an executable file: expected azurite-blob")
        return given
    on_path = shutil.which("azurite-blob")
    if on_path:
        return on_path
    prefix = install_dir()
    if not _installed(prefix):
        check_node(npm=True)
        with _locked(prefix.parent / "azurite.lock"):
            if not _installed(prefix):  # another worker may have installed it while this one waited
                install(prefix, say or _to_stderr)
    check_node(npm=False)
    return str(installed_program(prefix))


def _installed(prefix: Path) -> bool:
    marker = prefix / MARKER
    try:
        version = marker.read_text().strip()
    except OSError:
        return False
    return version == AZURITE_VERSION and installed_program(prefix).is_file()


def check_node(npm: bool) -> None:
    """A one-line LocalStoreError unless ``node`` >= :data:`MIN_NODE` (and ``npm`` if *npm*) is on PATH."""
    need = f"Node.js {MIN_NODE} or later"
    node = shutil.which("node")
    if node is None:
        raise LocalStoreError(f"Azurite needs {need}, and node is not on PATH: install Node.js {MIN_NODE}+")
    try:
        shown = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError) as error:
        raise LocalStoreError(f"Azurite needs {need}: {node} --version failed: {error}") from None
    found = re.match(r"v?(\d+)\.", shown.strip())
    if found is None or int(found.group(1)) < MIN_NODE:
        raise LocalStoreError(f"Azurite needs {need}; {node} is {shown.strip() or 'of unknown version'}")
    if npm and shutil.which("npm") is None:
        raise LocalStoreError(
            f"installing Azurite needs npm, which is not on PATH: install npm, or set {AZURITE_ENV}"
            " to an azurite-blob you have"
        )


def install(prefix: Path, say: Callable[[str], None]) -> None:
    """``npm install --prefix PREFIX azurite@VERSION``, then the marker that says it finished."""
    npm = shutil.which("npm") or "npm"
    command = [npm, "install", "--prefix", str(prefix), f"azurite@{AZURITE_VERSION}"]
    quiet = ["--no-audit", "--no-fund", "--loglevel=error"]
    say(f"pytest-localstore: installing Azurite {AZURITE_VERSION} into {prefix} with npm (once)")
    prefix.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            [*command, *quiet],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise LocalStoreError(f"{' '.join(command)} failed: {error}") from None
    if done.returncode != 0 or not installed_program(prefix).is_file():
        lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        why = lines[-1].strip() if lines else f"exit status {done.returncode}"
        raise LocalStoreError(f"{' '.join(command)} failed: {why}")
    (prefix / MARKER).write_text(AZURITE_VERSION + "\n")


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on *path* (POSIX; elsewhere no lock)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
