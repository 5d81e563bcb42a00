"""The ``local`` flavors: where a local store lives, what its path may be, how it is built.

The store itself is :class:`~pytest_localstore.LocalArtifactStore`; this is
everything the registry needs to know about it: the default path
``<config dir>/local_stores/<artifact-store id>``, the checks on a custom
path, and the local orchestrator that the default stack holds.
"""

from __future__ import annotations

import os
import sys
import warnings

from .errors import InvalidPathError
from .flavors import Flavor
from .models import ARTIFACT_STORE, ORCHESTRATOR
from .testbed import FRESH, Testbed, numbered_directories

TYPE_CHECKING = False
if TYPE_CHECKING:
    import uuid
    from collections.abc import Iterator, Mapping
    from typing import Any

    from .models import ComponentModel
    from .testbed import MakeStore

#: The folder of the config directory that holds the default stores.
LOCAL_STORES_DIR = "local_stores"


class CustomStorePathWarning(UserWarning):
    """A local store registered with its own path instead of the default one."""


def default_store_path(config_path: str, component_id: uuid.UUID | str) -> str:
    """``<config dir>/local_stores/<artifact-store id>``."""
    return os.path.join(config_path, LOCAL_STORES_DIR, str(component_id))


#: URL schemes a local path may be mistaken for, and the flavor that takes each.
_URL_FLAVORS = {
    "memory": "use --flavor memory",
    **{
        scheme: f"use --flavor {flavor} (the {flavor} extra: pip install 'pytest-localstore[{flavor}]')"
        for scheme, flavor in (("s3", "s3"), ("gs", "gcs"), ("az", "azure"))
    },
}


def _prepare(config: Mapping[str, Any], config_path: str) -> dict[str, Any]:
    if "path" not in config or config["path"] is None:
        return {}
    raw = config["path"]
    if not isinstance(raw, str) or not raw or "\x00" in raw:
        raise InvalidPathError(f"invalid path {raw!r}: expected a directory path")
    scheme, sep, _ = raw.partition("://")
    if sep and scheme.isidentifier():
        flavor = _URL_FLAVORS.get(scheme, f"no installed flavor takes {scheme}://")
        raise InvalidPathError(
            f"invalid path {raw!r}: a URL, not a directory path for a local store; {flavor}"
        )
    path = os.path.abspath(os.path.expanduser(raw))
    _check_store_path(raw, path, config_path)
    warn_at_caller(
        CustomStorePathWarning(
            f"local store path {path} is not the default ({default_store_path(config_path, '<id>')});"
            " other local components expect the default, so leave the path out unless the store"
            " must live elsewhere"
        )
    )
    return {"path": path}


def _check_store_path(raw: str, path: str, config_path: str) -> None:
    """Refuse a store path that cannot be a directory or would overlap the config directory."""
    existing = path
    while not os.path.lexists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        what = "it exists" if existing == path else f"{existing} exists"
        raise InvalidPathError(f"invalid path {raw!r}: {what} and is not a directory")
    real = os.path.realpath(path)
    config = os.path.realpath(config_path)
    stores = os.path.join(config, LOCAL_STORES_DIR)
    if _is_within(config, real):
        raise InvalidPathError(
            f"invalid path {raw!r}: it holds the config directory {config_path}, which a store"
            " must not contain (removing its files would remove the registry)"
        )
    if _is_within(real, stores):
        raise InvalidPathError(
            f"invalid path {raw!r}: it lies in {stores}, where the default stores live;"
            " leave the path out to get a store there"
        )


def _is_within(path: str, directory: str) -> bool:
    """Whether *path* is *directory* or below it (both resolved)."""
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def warn_at_caller(warning: Warning) -> None:
    """Issue *warning* at the first caller outside this package, where a user can act on it."""
    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame = sys._getframe(1)
    level = 2
    while frame.f_back is not None and frame.f_code.co_filename.startswith(package):
        frame = frame.f_back
        level += 1
    warnings.warn(warning, stacklevel=level)


def _describe(component: ComponentModel, config_path: str) -> dict[str, Any]:
    path = component.config.get("path")
    if path is not None and (not isinstance(path, str) or not path):
        raise ValueError("the path must be a non-empty string")
    return {"path": path or default_store_path(config_path, component.id_text)}


def _build(component: ComponentModel, config_path: str) -> Any:
    from .local_store import LocalArtifactStore

    path = _describe(component, config_path)["path"]
    return LocalArtifactStore(path, name=component.name, id=component.id)


def _on_disk() -> Iterator[MakeStore]:
    from .local_store import LocalArtifactStore

    yield from numbered_directories(LocalArtifactStore)


def _in_pyfakefs() -> Iterator[MakeStore]:
    import itertools

    from pyfakefs.fake_filesystem_unittest import Patcher

    from . import local_store

    numbers = itertools.count()
    with Patcher():
        # Right below '/': pyfakefs resolves every path from the top, a component at a time.
        yield lambda: local_store.LocalArtifactStore(f"/store-{next(numbers)}")


#: The local store on the real disk and under pyfakefs, the contract's two oracles.
LOCAL_TESTBEDS = (
    Testbed(
        "local (disk)",
        "import tempfile\n\n"
        "from pytest_localstore import LocalArtifactStore\n\n"
        f"store = LocalArtifactStore(tempfile.mkdtemp()){FRESH}",
        _on_disk,
    ),
    Testbed(
        "local (pyfakefs)",
        "from pyfakefs.fake_filesystem_unittest import Patcher\n\n"
        "from pytest_localstore import LocalArtifactStore\n\n"
        "Patcher().setUp()  # the fake filesystem, for the rest of the program\n"
        f"store = LocalArtifactStore('/store'){FRESH}",
        _in_pyfakefs,
    ),
)

#: The built-in flavors: every registry starts with these.
LOCAL_FLAVORS = (
    Flavor(
        "local",
        ARTIFACT_STORE,
        local=True,
        description="a folder on the local filesystem",
        options=("path",),
        prepare=_prepare,
        build=_build,
        describe=_describe,
        testbeds=LOCAL_TESTBEDS,
        fixture="local_artifact_store",
    ),
    Flavor("local", ORCHESTRATOR, local=True, description="runs steps in this process"),
)
