"""What the fake backend assumes of Hypothesis's directory database (see ``_fake.py``).

These fail if a Hypothesis release changes the shape the fake backend relies
on; the end-to-end check is ``test_fake_backend_keeps_the_hypothesis_database``.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis.database import DirectoryBasedExampleDatabase

from pytest_localstore._fake import _DATABASE_METHODS


def test_the_wrapped_methods_are_the_databases_own(tmp_path: Path) -> None:
    for name in _DATABASE_METHODS:
        assert name in DirectoryBasedExampleDatabase.__dict__, name


def test_an_instance_keeps_its_paths_as_attributes(tmp_path: Path) -> None:
    database = DirectoryBasedExampleDatabase(tmp_path / "db")
    database.save(b"key", b"value")
    assert list(database.fetch(b"key")) == [b"value"]
    attributes = vars(database)
    assert any(isinstance(value, Path) for value in attributes.values())
    caches = [value for value in attributes.values() if isinstance(value, dict)]
    assert any(isinstance(path, Path) for cache in caches for path in cache.values())
