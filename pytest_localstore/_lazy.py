"""Public names imported on first use, so importing a package costs only what is used.

A package lists its public names once, as ``{name: module}``; its ``__all__``
comes from that list, and :func:`attach` gives it the module ``__getattr__``
and ``__dir__`` (PEP 562) that import each name's module when it is first asked
for.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


def attach(
    package: str, exports: dict[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for *package*, whose public names live in *exports*' modules
    (named within *package*, or in full where they contain a dot)."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        qualified = module if "." in module else f"{package}.{module}"
        __import__(qualified)
        value = getattr(sys.modules[qualified], name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__
