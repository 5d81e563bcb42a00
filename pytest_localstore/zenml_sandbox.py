"""Private ZenML config directories for tests: a ZenML client per test in milliseconds.

A fresh ZenML client on an empty config directory costs a second or two (its
SQLite store is created and migrated). :class:`ZenMLSandbox` pays that once: it
prepares one config directory (store, default user, project and stack, the
default stack's local artifact store) and gives each test a copy, with the
copy's own paths written into its ``config.yaml``. Inside
:meth:`ZenMLSandbox.activated`, every variable ZenML reads points at the copy:
no repository root, analytics off, no server or store URL from the caller's
environment.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
from collections.abc import Iterator
from typing import Any

from .isolation import directory_stem
from .zenml_store import require_zenml

#: What ZenML reads, set while a sandbox directory is active (the config path is added).
_SETTINGS = {
    "ZENML_ANALYTICS_OPT_IN": "false",
    "ZENML_ENABLE_REPO_INIT_WARNINGS": "false",
    "ZENML_DISABLE_INTERACTIVE_INPUT": "true",
    "AUTO_OPEN_DASHBOARD": "false",
}
#: Variables that could point ZenML elsewhere (a server, another store); removed while active.
_ELSEWHERE = ("ZENML_STORE_", "ZENML_SECRETS_STORE_", "ZENML_BACKUP_SECRETS_STORE_")
_ALSO_REMOVED = (
    "ZENML_LOCAL_STORES_PATH",
    "ZENML_ACTIVE_STACK_ID",
    "ZENML_ACTIVE_PROJECT_ID",
    "ZENML_SERVER",
)
_CONFIG_FILE = "config.yaml"
#: Where ZenML resolves user code from; without it, the main module's directory (none under xdist).
_SOURCE_ROOT = "ZENML_CUSTOM_SOURCE_ROOT"


class ZenMLSandbox:
    """Makes private ZenML config directories under *base*, each a copy of one prepared once.

    *source_root*: where ZenML resolves user code (steps, materializers) from
    while a directory is active; by default its own choice, the main module's
    directory (which a pytest run, and an xdist worker above all, lacks).
    """

    def __init__(self, base: str | os.PathLike[str], *, source_root: str | None = None) -> None:
        self.base = os.path.abspath(os.fspath(base))
        self.source_root = source_root
        self._template: str | None = None
        self._template_config = ""  # the template's config.yaml, written into each copy with its paths
        self._numbers = itertools.count()

    def __repr__(self) -> str:
        return f"ZenMLSandbox({self.base!r})"

    @property
    def template(self) -> str:
        """The prepared config directory (made on first use: about two seconds)."""
        if self._template is None:
            path = os.path.join(self.base, "template")
            os.makedirs(path)
            with self.activated(path) as client:
                client.active_stack.artifact_store  # noqa: B018 (its directory is made on first use)
            with open(os.path.join(path, _CONFIG_FILE), encoding="utf-8") as file:
                text = file.read()
            self._template_config = re.sub(r"(?m)^analytics_opt_in: true$", "analytics_opt_in: false", text)
            self._template = path
        return self._template

    def new_config_dir(self, name: str = "zenml") -> str:
        """A new config directory ``<base>/<name>-<n>``: a copy of the template, its paths its own."""
        template = self.template
        path = os.path.join(self.base, f"{directory_stem(name, 'zenml')}-{next(self._numbers)}")
        shutil.copytree(template, path)
        with open(os.path.join(path, _CONFIG_FILE), "w", encoding="utf-8") as file:
            file.write(self._template_config.replace(template, path))
        return path

    @contextlib.contextmanager
    def activated(self, path: str | os.PathLike[str]) -> Iterator[Any]:
        """ZenML pointed at the config directory *path* for the block; yields a ``zenml.client.Client``."""
        with zenml_pointed_at(path, source_root=self.source_root):
            from zenml.client import Client

            yield Client()


@contextlib.contextmanager
def zenml_pointed_at(path: str | os.PathLike[str], *, source_root: str | None = None) -> Iterator[None]:
    """Every variable ZenML reads pointed at the config directory *path*, for the block.

    Those that could send it elsewhere are removed; all are restored after,
    and ZenML's process-wide state is dropped on the way in and out. A
    *source_root* is set as ZenML's custom source root too.
    """
    require_zenml()
    from zenml.utils import source_utils

    path = os.path.abspath(os.fspath(path))
    settings = {**_SETTINGS, "ZENML_CONFIG_PATH": path, "ZENML_REPOSITORY_PATH": path}
    if source_root is not None:
        settings[_SOURCE_ROOT] = os.path.abspath(source_root)
    removed = [name for name in os.environ if name.startswith(_ELSEWHERE) or name in _ALSO_REMOVED]
    saved = {name: os.environ.get(name) for name in (*settings, *removed)}
    for name in removed:
        del os.environ[name]
    os.environ.update(settings)
    source_utils.set_custom_source_root(os.environ.get(_SOURCE_ROOT))
    forget_zenml_state()
    try:
        yield
    finally:
        forget_zenml_state()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        source_utils.set_custom_source_root(os.environ.get(_SOURCE_ROOT))  # as ZenML read it at import


def forget_zenml_state() -> None:
    """Drop ZenML's process-wide singletons and its stack cache, so the next use reads the config anew.

    ZenML has no public API for this. Its own tests call ``_reset_instance()``
    on the two singletons; the stack cache is keyed by stack id and update
    time, which a copied config directory shares with its template, so it has
    to go too. ``tests/test_zenml.py`` fails if any of the three changes.
    """
    from zenml.client import Client
    from zenml.config.global_config import GlobalConfiguration
    from zenml.stack import stack

    GlobalConfiguration._reset_instance()
    Client._reset_instance()
    stack._STACK_CACHE.clear()
