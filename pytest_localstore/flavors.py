"""Flavors: the kinds of each component type, built in or from entry points.

A :class:`Flavor` names an implementation of one component type and says
whether it runs on this machine (``local=True``) or elsewhere. Packages add
flavors through the entry-point group ``localstore.flavors``; an entry point
loads to a ``Flavor`` or to an iterable of them. Entry points are read only
when a flavor is not built in, or when all flavors are listed, so the CLI
stays fast.
"""

from __future__ import annotations

import os
import sys
import uuid
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .config import LOCAL_STORES_DIR
from .errors import InvalidPathError, LocalStoreError, UnknownFlavorError
from .models import ARTIFACT_STORE, ORCHESTRATOR, ComponentModel, check_type, label

ENTRY_POINT_GROUP = "localstore.flavors"

#: Builds the live object of a component: ``factory(component, config_path)``.
Factory = Callable[[ComponentModel, str], Any]
#: Checks and normalises a config at registration: ``prepare(config, config_path) -> config``.
Prepare = Callable[[Mapping[str, Any], str], dict[str, Any]]


class CustomStorePathWarning(UserWarning):
    """A local store registered with its own path instead of the default one."""


@dataclass(frozen=True)
class Flavor:
    """One kind of one component type."""

    name: str
    type: str
    local: bool
    description: str = ""
    options: tuple[str, ...] = ()
    prepare: Prepare | None = field(default=None, compare=False)
    factory: Factory | None = field(default=None, compare=False)
    resolve: Callable[[ComponentModel, str], dict[str, Any]] | None = field(default=None, compare=False)

    def prepare_config(self, config: Mapping[str, Any], config_path: str) -> dict[str, Any]:
        """The config to store in the registry at *config_path*, checked: unknown options are refused."""
        unknown = sorted(set(config) - set(self.options))
        if unknown:
            expected = ", ".join(self.options) or "none"
            raise LocalStoreError(
                f"unknown option {unknown[0]!r} for {label(self.type)} flavor {self.name!r}:"
                f" expected {expected}"
            )
        return self.prepare(config, config_path) if self.prepare else dict(config)

    def resolved_config(self, component: ComponentModel, config_path: str) -> dict[str, Any]:
        """The config in force, defaults filled in (what ``describe`` shows)."""
        return self.resolve(component, config_path) if self.resolve else dict(component.config)


def default_store_path(config_path: str, component_id: uuid.UUID | str) -> str:
    """``<config dir>/local_stores/<artifact-store id>``."""
    return os.path.join(config_path, LOCAL_STORES_DIR, str(component_id))


def _prepare_local_store(config: Mapping[str, Any], config_path: str) -> dict[str, Any]:
    if "path" not in config or config["path"] is None:
        return {}
    raw = config["path"]
    if not isinstance(raw, str) or not raw or "\x00" in raw:
        raise InvalidPathError(f"invalid path {raw!r}: expected a directory path")
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


def _resolve_local_store(component: ComponentModel, config_path: str) -> dict[str, Any]:
    path = component.config.get("path")
    if path is not None and (not isinstance(path, str) or not path):
        raise ValueError("the path must be a non-empty string")
    return {"path": path or default_store_path(config_path, component.id)}


def _build_local_store(component: ComponentModel, config_path: str) -> Any:
    from .local_store import LocalArtifactStore

    path = _resolve_local_store(component, config_path)["path"]
    return LocalArtifactStore(path, name=component.name, id=component.id)


BUILTIN_FLAVORS = (
    Flavor(
        "local",
        ARTIFACT_STORE,
        local=True,
        description="a folder on the local filesystem",
        options=("path",),
        prepare=_prepare_local_store,
        factory=_build_local_store,
        resolve=_resolve_local_store,
    ),
    Flavor("local", ORCHESTRATOR, local=True, description="runs steps in this process"),
)


class FlavorRegistry:
    """The flavors known to a client: built-ins, extras, then entry points."""

    def __init__(self, flavors: Iterable[Flavor] = (), *, entry_points: bool = True) -> None:
        self._flavors: dict[tuple[str, str], Flavor] = {}
        self._use_entry_points = entry_points
        self._entry_points_loaded = False
        for flavor in (*BUILTIN_FLAVORS, *flavors):
            self.register(flavor)

    def register(self, flavor: Flavor) -> None:
        """Add *flavor*, replacing one of the same type and name."""
        if not isinstance(flavor, Flavor):
            raise LocalStoreError(f"{flavor!r} is not a Flavor")
        check_type(flavor.type)
        self._flavors[(flavor.type, flavor.name)] = flavor

    def get(self, component_type: str, name: str) -> Flavor:
        """The flavor *name* of *component_type*, or UnknownFlavorError."""
        check_type(component_type)
        key = (component_type, name)
        if key not in self._flavors:
            self._load_entry_points()
        try:
            return self._flavors[key]
        except KeyError:
            known = ", ".join(sorted(f.name for f in self.list(component_type)))
            if not known:
                raise UnknownFlavorError(
                    f"unknown {label(component_type)} flavor {name!r}: no {label(component_type)}"
                    " flavors are installed"
                ) from None
            raise UnknownFlavorError(
                f"unknown {label(component_type)} flavor {name!r}: expected one of {known}"
            ) from None

    def list(self, component_type: str | None = None) -> list[Flavor]:
        """All flavors, or those of one type, sorted by type and name."""
        self._load_entry_points()
        return sorted(
            (f for f in self._flavors.values() if component_type in (None, f.type)),
            key=lambda f: (f.type, f.name),
        )

    def _load_entry_points(self) -> None:
        if self._entry_points_loaded or not self._use_entry_points:
            return
        self._entry_points_loaded = True
        from importlib.metadata import entry_points

        for entry_point in entry_points(group=ENTRY_POINT_GROUP):
            try:
                loaded = entry_point.load()
            except Exception as error:
                raise LocalStoreError(
                    f"flavor entry point {entry_point.name!r} ({entry_point.value}) failed to load:"
                    f" {type(error).__name__}: {error}"
                ) from None
            items = (loaded,) if isinstance(loaded, Flavor) else loaded
            try:
                flavors = list(items)
            except TypeError:
                flavors = [items]
            for flavor in flavors:
                if not isinstance(flavor, Flavor):
                    raise LocalStoreError(
                        f"flavor entry point {entry_point.name!r} ({entry_point.value}) gave"
                        f" {flavor!r}: expected a Flavor or an iterable of Flavors"
                    )
                self.register(flavor)
