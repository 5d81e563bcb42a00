"""pytest-localstore: isolated local artifact stores for tests, and their contract.

The public API lives here; the pytest plugin is :mod:`pytest_localstore.plugin`
and the reusable contract suite :mod:`pytest_localstore.contract`. Names are
imported on first use, so loading the plugin (or the CLI) costs only what it
touches.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_EXPORTS = {
    "ArtifactStore": "artifact_store",
    "Client": "client",
    "CONFIG_PATH_ENV": "config",
    "config_dir": "config",
    "user_config_dir": "config",
    "ComponentNotFoundError": "errors",
    "DuplicateNameError": "errors",
    "InUseError": "errors",
    "InvalidNameError": "errors",
    "InvalidPathError": "errors",
    "LocalStoreError": "errors",
    "PathOutsideStoreError": "errors",
    "RegistryError": "errors",
    "StackValidationError": "errors",
    "UnknownFlavorError": "errors",
    "CustomStorePathWarning": "flavors",
    "Flavor": "flavors",
    "FlavorRegistry": "flavors",
    "default_store_path": "flavors",
    "ConfigDirGuard": "guard",
    "ConfigDirFactory": "isolation",
    "LocalStoreConfig": "isolation",
    "LocalArtifactStore": "local_store",
    "COMPONENT_TYPES": "models",
    "ComponentModel": "models",
    "StackModel": "models",
    "Registry": "registry",
    "Stack": "stack",
}

__all__ = [
    "COMPONENT_TYPES",
    "CONFIG_PATH_ENV",
    "ArtifactStore",
    "Client",
    "ComponentModel",
    "ComponentNotFoundError",
    "ConfigDirFactory",
    "ConfigDirGuard",
    "CustomStorePathWarning",
    "DuplicateNameError",
    "Flavor",
    "FlavorRegistry",
    "InUseError",
    "InvalidNameError",
    "InvalidPathError",
    "LocalArtifactStore",
    "LocalStoreConfig",
    "LocalStoreError",
    "PathOutsideStoreError",
    "Registry",
    "RegistryError",
    "Stack",
    "StackModel",
    "StackValidationError",
    "UnknownFlavorError",
    "__version__",
    "config_dir",
    "default_store_path",
    "user_config_dir",
]

if TYPE_CHECKING:
    from .artifact_store import ArtifactStore
    from .client import Client
    from .config import CONFIG_PATH_ENV, config_dir, user_config_dir
    from .errors import (
        ComponentNotFoundError,
        DuplicateNameError,
        InUseError,
        InvalidNameError,
        InvalidPathError,
        LocalStoreError,
        PathOutsideStoreError,
        RegistryError,
        StackValidationError,
        UnknownFlavorError,
    )
    from .flavors import CustomStorePathWarning, Flavor, FlavorRegistry, default_store_path
    from .guard import ConfigDirGuard
    from .isolation import ConfigDirFactory, LocalStoreConfig
    from .local_store import LocalArtifactStore
    from .models import COMPONENT_TYPES, ComponentModel, StackModel
    from .registry import Registry
    from .stack import Stack


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pytest_localstore' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
