"""Factories for ``localstore contract zenml:MODULE:FACTORY`` in the tests."""

from __future__ import annotations

import tempfile
from typing import Any

from pytest_localstore import LocalArtifactStore
from pytest_localstore.zenml_testbeds import ZENML_LOCAL


def local() -> Any:
    """A ZenML LocalArtifactStore on a new temporary directory."""
    from pytest_localstore.zenml_store import zenml_local_store

    return zenml_local_store(tempfile.mkdtemp(prefix="zenml-factory-"))


local.capabilities = ZENML_LOCAL  # type: ignore[attr-defined]


def ours() -> LocalArtifactStore:
    """Not a ZenML store: the target refuses it."""
    return LocalArtifactStore(tempfile.mkdtemp(prefix="zenml-factory-"))


def local_alone() -> Any:
    """As ``local``, for a factory that must not be called from two threads at once."""
    return local()


local_alone.capabilities = ZENML_LOCAL  # type: ignore[attr-defined]
local_alone.threadsafe = False  # type: ignore[attr-defined]
