"""Contract targets for the command-line tests: stores with declared capabilities."""

from __future__ import annotations

import uuid

from pytest_localstore import MemoryArtifactStore
from pytest_localstore.contract import Capabilities

from .broken_stores import PrefixConfined, new_root


def unconfined() -> PrefixConfined:
    """A store that does not confine, and says so."""
    return PrefixConfined(new_root("unconfined-"))


unconfined.capabilities = Capabilities(confined=False)  # type: ignore[attr-defined]


def memory() -> MemoryArtifactStore:
    """A memory store, from a factory with no ``capabilities`` of its own: judged by its class's."""
    return MemoryArtifactStore(f"memory://objtargets-{uuid.uuid4().hex}")
