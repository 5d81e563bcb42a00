"""What a store flavor may declare it cannot do, and what the contract then relaxes."""

from __future__ import annotations

from dataclasses import dataclass


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
    """

    empty_directories: bool = True
    atomic_rename: bool = True
    case_sensitive: bool = True

    def relaxed(self) -> list[str]:
        """The names of the capabilities this store does not have."""
        return [name for name, value in vars(self).items() if not value]


FULL = Capabilities()
