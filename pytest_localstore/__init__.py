"""pytest-localstore: isolated local artifact stores for tests, and their contract.

The public API lives here; the pytest plugin is :mod:`pytest_localstore.plugin`
and the reusable contract suite :mod:`pytest_localstore.contract`. Names are
imported on first use, so loading the plugin (or the CLI) costs only what it
touches.
"""

from __future__ import annotations

from ._lazy import attach

__version__ = "0.1.0"

#: The public names, and the module that defines each: ``__all__`` comes from here.
_EXPORTS = {
    "ArtifactStore": "artifact_store",
    "PathType": "artifact_store",
    "WalkEntry": "artifact_store",
    "Capabilities": "capabilities",
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
    "UnknownTypeError": "errors",
    "CustomStorePathWarning": "local_flavor",
    "Flavor": "flavors",
    "FlavorRegistry": "flavors",
    "BrokenFlavorWarning": "flavors",
    "default_store_path": "local_flavor",
    "ConfigDirFactory": "isolation",
    "ConfigDir": "isolation",
    "LocalArtifactStore": "local_store",
    "FsspecArtifactStore": "fsspec_store",
    "MemoryArtifactStore": "fsspec_store",
    "S3ArtifactStore": "fsspec_store",
    "GcsArtifactStore": "fsspec_store",
    "AzureArtifactStore": "fsspec_store",
    "ArtifactStoreContract": "contract",
    "run_contract": "contract",
    "COMPONENT_TYPES": "models",
    "ComponentModel": "models",
    "StackModel": "models",
    "Registry": "registry",
    "Stack": "stack",
    "TargetError": "targets",
    "targets_for": "targets",
    "Testbed": "testbed",
    "Testbeds": "testbed",
    "ZenMLSandbox": "zenml_sandbox",
    "ZenMLArtifactStore": "zenml_store",
}
__all__ = [*sorted(_EXPORTS), "__version__"]
__getattr__, __dir__ = attach(__name__, _EXPORTS, globals())

TYPE_CHECKING = False
if TYPE_CHECKING:  # the same names, for type checkers
    from .artifact_store import ArtifactStore as ArtifactStore
    from .artifact_store import PathType as PathType
    from .artifact_store import WalkEntry as WalkEntry
    from .capabilities import Capabilities as Capabilities
    from .client import Client as Client
    from .config import CONFIG_PATH_ENV as CONFIG_PATH_ENV
    from .config import config_dir as config_dir
    from .config import user_config_dir as user_config_dir
    from .contract import ArtifactStoreContract as ArtifactStoreContract
    from .contract import run_contract as run_contract
    from .errors import ComponentNotFoundError as ComponentNotFoundError
    from .errors import DuplicateNameError as DuplicateNameError
    from .errors import InUseError as InUseError
    from .errors import InvalidNameError as InvalidNameError
    from .errors import InvalidPathError as InvalidPathError
    from .errors import LocalStoreError as LocalStoreError
    from .errors import PathOutsideStoreError as PathOutsideStoreError
    from .errors import RegistryError as RegistryError
    from .errors import StackValidationError as StackValidationError
    from .errors import UnknownFlavorError as UnknownFlavorError
    from .errors import UnknownTypeError as UnknownTypeError
    from .flavors import BrokenFlavorWarning as BrokenFlavorWarning
    from .flavors import Flavor as Flavor
    from .flavors import FlavorRegistry as FlavorRegistry
    from .fsspec_store import AzureArtifactStore as AzureArtifactStore
    from .fsspec_store import FsspecArtifactStore as FsspecArtifactStore
    from .fsspec_store import GcsArtifactStore as GcsArtifactStore
    from .fsspec_store import MemoryArtifactStore as MemoryArtifactStore
    from .fsspec_store import S3ArtifactStore as S3ArtifactStore
    from .isolation import ConfigDir as ConfigDir
    from .isolation import ConfigDirFactory as ConfigDirFactory
    from .local_flavor import CustomStorePathWarning as CustomStorePathWarning
    from .local_flavor import default_store_path as default_store_path
    from .local_store import LocalArtifactStore as LocalArtifactStore
    from .models import COMPONENT_TYPES as COMPONENT_TYPES
    from .models import ComponentModel as ComponentModel
    from .models import StackModel as StackModel
    from .registry import Registry as Registry
    from .stack import Stack as Stack
    from .targets import TargetError as TargetError
    from .targets import targets_for as targets_for
    from .testbed import Testbed as Testbed
    from .testbed import Testbeds as Testbeds
    from .zenml_sandbox import ZenMLSandbox as ZenMLSandbox
    from .zenml_store import ZenMLArtifactStore as ZenMLArtifactStore
