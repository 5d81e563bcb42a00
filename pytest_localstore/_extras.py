"""Which optional packages each extra provides, and how to tell a user to get them.

Checked with ``importlib.util.find_spec``: nothing is imported until a store
of the flavor (or a ZenML fixture or target) is used.
"""

from __future__ import annotations

import importlib.util

#: Extra -> the modules it provides.
EXTRA_MODULES: dict[str, tuple[str, ...]] = {
    "memory": ("fsspec",),
    "s3": ("fsspec", "s3fs", "moto.server"),
    "gcs": ("fsspec", "gcsfs", "gcp_storage_emulator"),
    "azure": ("fsspec", "adlfs"),
    "zenml": ("zenml", "sqlalchemy"),
    "redis": ("redis",),
}


def not_installed(what: str, package: str, extra: str) -> str:
    """The one-line error: *what* needs *package*, and how to install the extra that brings it."""
    install = f"install the {extra} extra: pip install 'pytest-localstore[{extra}]'"
    return f"{what} needs {package}, which is not installed: {install}"


def unmet(extra: str, what: str) -> str | None:
    """:func:`not_installed` for the first package *extra* lacks, or None if it has them all."""
    missing = missing_package(extra)
    return None if missing is None else not_installed(what, missing, extra)


def missing_package(extra: str) -> str | None:
    """The first package the flavor or extra *extra* needs that is not installed, or None."""
    for module in EXTRA_MODULES.get(extra, ()):
        package = module.split(".")[0]
        try:
            found = importlib.util.find_spec(package)
        except (ImportError, ValueError):  # ValueError: blocked (None in sys.modules)
            found = None
        if found is None:
            return package
    return None
