"""pytest-localstore: isolated local artifact stores for tests, and their contract.

The public API lives here; the pytest plugin is :mod:`pytest_localstore.plugin`
and the reusable contract suite :mod:`pytest_localstore.contract`.
"""

from __future__ import annotations

__version__ = "0.1.0"

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
from .local_store import LocalArtifactStore
from .models import COMPONENT_TYPES, ComponentModel, StackModel
from .registry import Registry
from .stack import Stack

__all__ = [
    "COMPONENT_TYPES",
    "CONFIG_PATH_ENV",
    "ArtifactStore",
    "Client",
    "ComponentModel",
    "ComponentNotFoundError",
    "CustomStorePathWarning",
    "DuplicateNameError",
    "Flavor",
    "FlavorRegistry",
    "InUseError",
    "InvalidNameError",
    "InvalidPathError",
    "LocalArtifactStore",
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
