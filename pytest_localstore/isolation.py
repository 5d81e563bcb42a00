"""Config directories of their own: the classes behind the pytest fixtures.

:class:`ConfigDir` is one config directory with its client, default
stack and stores; used as a context manager it points
``LOCALSTORE_CONFIG_PATH`` at itself (so subprocesses see it too) and puts the
old value back on exit. :class:`ConfigDirFactory` makes fresh ones below a
base directory, the way pytest's ``TempPathFactory`` makes temporary paths.
Both work without pytest.
"""

from __future__ import annotations

import os
import re
import tempfile
import warnings
from collections.abc import Callable, MutableMapping
from functools import cached_property
from pathlib import Path
from types import TracebackType

from .artifact_store import ArtifactStore
from .client import Client
from .config import CONFIG_PATH_ENV
from .flavors import FlavorRegistry
from .local_flavor import CustomStorePathWarning
from .models import ARTIFACT_STORE, DEFAULT_NAME, RegistryState
from .stack import Stack


class ConfigDir:
    """One config directory: its client, its default stack and its stores.

    Nothing is written until first use: the registry and the default stack
    appear when something asks for them. *lay_out*, if given, writes the first
    registry for :meth:`write_default_stack` (``lay_out(config_dir, state)``,
    False if one exists); the fake backend passes pyfakefs's own file creation.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        flavors: FlavorRegistry | None = None,
        environ: MutableMapping[str, str] | None = None,
        lay_out: Callable[[ConfigDir, RegistryState], bool] | None = None,
    ) -> None:
        self.path = Path(os.path.abspath(os.fspath(path)))
        self._flavors = flavors
        self._lay_out = lay_out
        self._environ = os.environ if environ is None else environ
        self._saved: list[str | None] = []

    def __fspath__(self) -> str:
        return str(self.path)

    def __repr__(self) -> str:
        return f"ConfigDir({str(self.path)!r})"

    @cached_property
    def client(self) -> Client:
        """The client bound to this directory (not to the environment)."""
        return Client(self.path, flavors=self._flavors, durable=False)

    def write_default_stack(self) -> Stack:
        """Write the registry with the default stack now, in one step, if there is none; the stack.

        For a directory that nobody else writes yet (the fixtures call it before
        the test runs): it spares the first use the locked transaction that a
        shared config directory needs, and the reading back.
        """
        state = RegistryState.with_default_stack()
        lay_out = self._lay_out or (lambda config, first: config.client.registry.create(first))
        if not lay_out(self, state):
            return self.default_stack
        return self.client.stack_in(state, DEFAULT_NAME)

    @property
    def default_stack(self) -> Stack:
        """The ``default`` stack, created on first use."""
        return self.client.get_stack(DEFAULT_NAME)

    @property
    def local_artifact_store(self) -> ArtifactStore:
        """The default stack's store, at ``<config>/local_stores/<id>``."""
        return self.default_stack.artifact_store

    def artifact_store(self, name: str, path: str | os.PathLike[str] | None = None) -> ArtifactStore:
        """Register a ``local`` artifact store named *name* and return it, ready to use.

        An explicit *path* is the caller's deliberate choice here (a test's, usually),
        so it draws no ``CustomStorePathWarning``.
        """
        config = {"path": os.fspath(path)} if path is not None else {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CustomStorePathWarning)
            component = self.client.register_component(ARTIFACT_STORE, name, "local", config)
        return self.client.artifact_store(component.id)

    def __enter__(self) -> ConfigDir:
        self._saved.append(self._environ.get(CONFIG_PATH_ENV))
        self._environ[CONFIG_PATH_ENV] = str(self.path)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        previous = self._saved.pop()
        if previous is None:
            self._environ.pop(CONFIG_PATH_ENV, None)
        else:
            self._environ[CONFIG_PATH_ENV] = previous


class ConfigDirFactory:
    """Makes fresh config directories below one base directory, each with a unique name."""

    def __init__(self, base: str | os.PathLike[str], *, flavors: FlavorRegistry | None = None) -> None:
        self.base = Path(os.path.abspath(os.fspath(base)))
        self._flavors = flavors

    def mktemp(self, name: str = "config") -> ConfigDir:
        """A new, empty config directory ``<base>/<name><random suffix>``."""
        prefix = directory_stem(name, "config")
        try:
            path = tempfile.mkdtemp(prefix=prefix, dir=self.base)
        except FileNotFoundError:  # the base is made on first need, not checked on every call
            os.makedirs(self.base, exist_ok=True)
            path = tempfile.mkdtemp(prefix=prefix, dir=self.base)
        return ConfigDir(path, flavors=self._flavors)


def directory_stem(name: str, default: str) -> str:
    """*name* (a test's, say) made safe as the start of a directory name: at most 60 characters."""
    return re.sub(r"[^\w.-]", "_", name)[:60] or default
