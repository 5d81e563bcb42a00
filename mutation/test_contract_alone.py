"""The contract alone, as mutation testing runs it: no unit test, only what a flavor author has.

The local store is checked three ways: on the real disk through ``openat2``, on
the real disk through the portable walk (``use_openat2=False``), and under
pyfakefs (the plugin's fake backend). ``-k row`` keeps the table rows only,
``-k stateful`` the state machine only.

A mutant may resolve names against the current directory instead of the root
(one emptied mutmut's own work folder), so every test runs in an empty one.
The state machine stays one test (``stateful_shards = 1``), seeded with the run's
seed itself, as when the scores were recorded: mutmut runs no xdist workers.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from pytest_localstore import LocalArtifactStore, _beneath, _disk_ops
from pytest_localstore.contract import ArtifactStoreContract


@pytest.fixture(autouse=True)
def empty_working_directory(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run in a fresh, empty current directory: what a mutant does there harms nothing."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


@pytest.fixture(autouse=True)
def computed_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """Compute again what the store's modules compute once per process (``openat2``, the
    open-mode table): mutmut forks each mutant's run from a process that has them already,
    and a mutant of the code that makes them must get the chance to run."""
    monkeypatch.setattr(_beneath, "_openat2", _beneath._UNLOADED)
    monkeypatch.setattr(_disk_ops, "_MODE_FLAGS", _disk_ops._mode_flags())


class TestOnDisk(ArtifactStoreContract):
    stateful_shards = 1

    @pytest.fixture
    def make_store(self, tmp_path_factory: pytest.TempPathFactory) -> Callable[[], LocalArtifactStore]:
        return lambda: LocalArtifactStore(tmp_path_factory.mktemp("store"))


class TestOnDiskByWalk(ArtifactStoreContract):
    stateful_shards = 1

    @pytest.fixture
    def make_store(self, tmp_path_factory: pytest.TempPathFactory) -> Callable[[], LocalArtifactStore]:
        return lambda: LocalArtifactStore(tmp_path_factory.mktemp("store"), use_openat2=False)


@pytest.mark.localstore(backend="fake")
class TestInPyfakefs(ArtifactStoreContract):
    stateful_shards = 1

    @pytest.fixture
    def make_store(self, artifact_store_factory: Callable[..., LocalArtifactStore]) -> Callable[[], object]:
        names = (f"store{number}" for number in itertools.count())
        return lambda: artifact_store_factory(next(names))
