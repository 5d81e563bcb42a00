"""Which optional packages each built-in flavor needs, and how to tell a user to get them.

Checked with ``importlib.util.find_spec``: nothing is imported until a store
of the flavor is made.
"""

from __future__ import annotations

import importlib.util

#: Built-in flavor -> the modules it needs (the ``memory`` and ``s3`` extras provide them).
FLAVOR_MODULES: dict[str, tuple[str, ...]] = {
    "local": (),
    "memory": ("fsspec",),
    "s3": ("fsspec", "s3fs", "moto.server"),
}


def extra_hint(extra: str) -> str:
    """How to install an extra, in words."""
    return f"install the {extra} extra: pip install 'pytest-localstore[{extra}]'"


def missing_package(flavor: str) -> str | None:
    """The first package *flavor* needs that is not installed, or None."""
    for module in FLAVOR_MODULES[flavor]:
        package = module.split(".")[0]
        if importlib.util.find_spec(package) is None:
            return package
    return None
