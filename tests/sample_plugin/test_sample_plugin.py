"""A plugin author's own tests, written once against the ``artifact_store`` fixture.

The project's ini sets ``localstore_flavors = local,memory,s3``, so each test
here runs three times, ids ``[local]``, ``[memory]``, ``[s3]``: the same code,
unchanged, on every flavor.
"""

from __future__ import annotations

import json

from pytest_localstore import ArtifactStore


def save_metrics(store: ArtifactStore, run: str, metrics: dict[str, float]) -> str:
    """The plugin code under test: write a run's metrics as JSON, return where."""
    store.makedirs(f"runs/{run}")
    path = f"runs/{run}/metrics.json"
    with store.open(path, "w") as handle:
        json.dump(metrics, handle)
    return path


def test_metrics_round_trip(artifact_store: ArtifactStore) -> None:
    path = save_metrics(artifact_store, "r1", {"loss": 0.25})
    with artifact_store.open(path) as handle:
        assert json.load(handle) == {"loss": 0.25}
    assert artifact_store.listdir("runs") == ["r1"]
    assert artifact_store.glob("runs/*/metrics.json") == [f"{artifact_store.path}/{path}"]


def test_every_flavor_starts_empty(artifact_store: ArtifactStore) -> None:
    assert artifact_store.listdir(".") == []
