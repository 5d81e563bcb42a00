"""Small helpers the tests share."""

from __future__ import annotations

import os
from pathlib import Path


def snapshot(top: str | Path) -> dict[str, tuple[str, bytes]]:
    """Every entry below *top*: relative path -> (kind, content or link target)."""
    result: dict[str, tuple[str, bytes]] = {}
    top = str(top)
    for dirpath, dirnames, filenames in os.walk(top):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, top)
            if os.path.islink(full):
                result[rel] = ("link", os.readlink(full).encode())
            elif os.path.isdir(full):
                result[rel] = ("dir", b"")
            else:
                with open(full, "rb") as handle:
                    result[rel] = ("file", handle.read())
    return result


def write(path: str | Path, data: bytes = b"data") -> None:
    """Create a file with its parents."""
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)
