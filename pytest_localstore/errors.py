"""The exceptions the package raises on purpose.

Store operations raise the built-in ``OSError`` subclasses, like ``os`` does;
the one addition is :class:`PathOutsideStoreError`, for a path that would leave
the store root. Everything about configuration (registry, names, flavors,
stacks) raises a :class:`LocalStoreError`, whose message is one line meant for
a person: the CLI prints it as it is and exits with status 2.
"""

from __future__ import annotations

import errno
import os


class PathOutsideStoreError(PermissionError):
    """A path given to a store resolves to a place outside the store root.

    It is a ``PermissionError`` (``errno.EACCES``), so code that already handles
    ``OSError`` keeps working; ``.filename`` is the path as given and ``.root``
    the store root.
    """

    def __init__(self, path: object, root: str) -> None:
        shown = os.fsdecode(path) if isinstance(path, (str, bytes)) else str(path)
        super().__init__(errno.EACCES, "path is outside the store root", shown)
        self.root = root

    def __str__(self) -> str:
        return f"path {self.filename!r} is outside the store root {self.root!r}"

    def __reduce__(self) -> tuple[type, tuple[object, str]]:
        return (type(self), (self.filename, self.root))


def exists_error(target: str) -> FileExistsError:
    """The error for a target that exists and may not be overwritten."""
    return FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), target)


def root_error(root: str, what: str) -> PermissionError:
    """The error for an operation that would rename, replace or remove the root itself."""
    return PermissionError(errno.EACCES, f"the store root cannot be {what}", root)


class LocalStoreError(Exception):
    """A configuration problem, told in one line for a person to read."""


class InvalidNameError(LocalStoreError, ValueError):
    """A component or stack name that the registry does not accept."""


class UnknownTypeError(LocalStoreError, LookupError):
    """A component type that is not one of the four this package knows."""


class UnknownFlavorError(LocalStoreError, LookupError):
    """A flavor that no installed package provides."""


class ComponentNotFoundError(LocalStoreError, LookupError):
    """A component or stack that is not registered."""


class DuplicateNameError(LocalStoreError):
    """A name that is already taken for that kind of component or for stacks."""


class StackValidationError(LocalStoreError):
    """A stack whose components cannot work together, or that lacks one."""


class InUseError(LocalStoreError):
    """Deleting something a stack still uses, or the active stack."""


class RegistryError(LocalStoreError):
    """The registry file cannot be read: corrupt, or from a newer version."""


class InvalidPathError(LocalStoreError, ValueError):
    """A configured path that cannot hold a store."""
