"""Fixtures for the store tests: each runs on the real disk and under pyfakefs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_localstore import LocalArtifactStore


@pytest.fixture(params=["disk", "fake"])
def base(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """A directory to build in: ``tmp_path`` on disk, ``/base`` inside pyfakefs."""
    if request.param == "disk":
        yield tmp_path
        return
    request.getfixturevalue("fs")
    fake = Path("/base")
    fake.mkdir()
    yield fake


@pytest.fixture
def store(base: Path) -> LocalArtifactStore:
    """An empty store at ``<base>/root``."""
    return LocalArtifactStore(base / "root")
