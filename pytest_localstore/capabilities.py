"""What a store flavor may declare it cannot do, or does its own way, and what the contract then relaxes."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class Capabilities:
    """The promises a store makes; the contract checks each one it makes.

    ``empty_directories=False`` (object stores): a directory exists only while
    a file lies below it. Then every call may also behave as if the empty
    directories were not there (``exists`` may say False, ``listdir`` may
    raise FileNotFoundError, a file may be written where an empty directory
    was); listings and the tree check ignore empty directories;
    ``mkdir``/``makedirs`` may succeed without a visible effect; and writing,
    copying or renaming to a path whose parent directories are missing may
    succeed and create them.

    ``atomic_rename=False`` (stores that rename by copy and delete): renaming
    a directory onto an existing directory, with ``overwrite=True``, may merge
    the two trees (the source's files win) instead of failing with ENOTEMPTY.

    ``case_sensitive=False``: the contract never uses two names that differ
    only by case, and skips the table rows that need them.

    ``normal_forms_distinct=False`` (macOS's file systems, stores that normalise
    names): a name spelt in Unicode's composed form (NFC: ``"\\u00e9"``) and in its
    decomposed form (NFD: ``"e\\u0301"``) may be one name; the contract never uses
    both spellings, and skips the table rows that need them. On Linux, in pyfakefs
    and in object stores they are two names.

    ``protects_root=False`` (a policy, not the interface): the store need not
    refuse to remove or rename its own root. ``rmtree`` of the root may then
    also empty the store, and ``rename`` of the root must still refuse (the
    root cannot move into itself), with PermissionError or OSError(EINVAL) or
    OSError(EBUSY). The local store protects its root (PermissionError).

    ``max_name_bytes`` (a platform limit): the longest name, in UTF-8 bytes;
    a longer one is OSError(ENAMETOOLONG) (``exists`` and ``isdir`` say False,
    ``walk`` yields nothing). ``None``: no limit, and the contract uses no
    over-long names. 255 on Linux.

    ``glob_recursive=True``: ``**`` in a ``glob`` pattern matches any number
    of directories (as in ZenML's remote stores), not one.

    ``glob_hidden=True``: ``*`` and ``?`` at the start of a name match hidden
    names (those starting with ``.``) too.

    ``confined=False``: the store does not keep paths inside its root (a raw
    client of a whole bucket, say); the contract then tries no path that leaves
    it, and the report says "not confined". Otherwise every path that leaves the
    root (``..``, an absolute path elsewhere, a sibling sharing the root's name
    as a prefix, as ``str``, ``bytes`` or ``pathlib.Path``, the root's parent) must
    be refused with PermissionError, a NUL byte with ValueError, and nothing
    outside may be read or changed.

    ``update_modes=False`` (object stores, fsspec's memory filesystem): the
    store does not open a file for reading and writing at once (``r+b``,
    ``w+b``, ...); the contract skips the table rows that need those modes.

    ``sets_errno=False`` (fsspec and the stores built on it): an ``OSError`` the
    store raises may carry no ``errno``. Otherwise every ``FileNotFoundError``,
    ``FileExistsError``, ``IsADirectoryError``, ``NotADirectoryError``,
    ``PermissionError`` and plain ``OSError`` it raises must carry one. Either
    way, an errno that is set must agree with the class (``ENOENT`` on a
    ``FileNotFoundError``, ...).

    ``refused_names`` (a store that cannot hold some names, as Azure Blob cannot
    hold one made only of spaces): a regular expression. A path below the root,
    its names joined by ``/``, in which ``re.search`` finds it cannot exist in
    the store: creating it (writing, copying or renaming to it, ``mkdir``,
    ``makedirs``) must fail with OSError(EINVAL) where it would otherwise
    succeed, and may fail so before any other error; a lookup finds nothing.
    The contract skips the table rows whose starting tree holds such a path.
    ``None``: the store holds every name (but for one with a NUL byte).

    ``Capabilities.object_store()`` is the preset for an object store
    (no empty directories, rename by copy, no root protection, no name limit, errors
    without errno, no ``+`` modes).
    """

    empty_directories: bool = True
    atomic_rename: bool = True
    case_sensitive: bool = True
    normal_forms_distinct: bool = True
    protects_root: bool = True
    max_name_bytes: int | None = 255
    glob_recursive: bool = False
    glob_hidden: bool = False
    confined: bool = True
    sets_errno: bool = True
    update_modes: bool = True
    refused_names: str | None = None

    def __post_init__(self) -> None:
        pattern = self.refused_names
        if pattern is None:
            return
        expected = f"refused_names {pattern!r}: expected a regular expression (str) for some names"
        if not isinstance(pattern, str):
            raise ValueError(expected)
        try:
            found = re.search(pattern, "")
        except re.error as error:
            raise ValueError(f"{expected} ({error})") from None
        if found is not None:
            raise ValueError(f"{expected}, not one that matches the root itself (the empty path)")

    @classmethod
    def object_store(cls, **changes: Any) -> Capabilities:
        """What an object store (S3, GCS, Azure, in-memory) can promise; *changes* on top."""
        preset = cls(
            empty_directories=False,
            atomic_rename=False,
            protects_root=False,
            max_name_bytes=None,
            sets_errno=False,
            update_modes=False,
        )
        return replace(preset, **changes)

    def relaxed(self) -> list[str]:
        """How this store differs from the local store's promises, as ``name=value``."""
        full = Capabilities()
        return [
            f"{field.name}={_spelt(getattr(self, field.name))}"
            for field in fields(self)
            if getattr(self, field.name) != getattr(full, field.name)
        ]

    def refuses(self, path: str) -> bool:
        """Whether the store cannot hold *path* (names below the root, joined by ``/``)."""
        return self.refused_names is not None and re.search(self.refused_names, path) is not None

    def as_dict(self) -> dict[str, Any]:
        """The capabilities by name (for the JSON report)."""
        return asdict(self)

    def promises(self, need: str) -> bool:
        """Whether the store keeps the condition *need* of a table row.

        *need* names a capability (true, or set for ``max_name_bytes``), or
        ``!name`` for a capability the store does not have.
        """
        if need.startswith("!"):
            return not getattr(self, need[1:])
        return bool(getattr(self, need))


def _spelt(value: Any) -> str:
    """*value* as Python spells it; a regular expression as a raw string, which reads as written."""
    if isinstance(value, str) and "'" not in value and not value.endswith("\\") and "\\" in value:
        return f"r'{value}'"
    return repr(value)


FULL = Capabilities()
#: One name in Unicode's two normal forms, composed (NFC) and decomposed (NFD):
#: what ``normal_forms_distinct`` is about.
NFC, NFD = "\u00e9", "e\u0301"
