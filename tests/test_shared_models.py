"""A new client session per store costs little: a contract run parses botocore's service
models once, not once per store (``contract/_shared_models.py``)."""

from __future__ import annotations

import sys
import uuid
from collections import Counter
from typing import Any

import pytest

from pytest_localstore import S3ArtifactStore
from pytest_localstore.contract._runner import explore
from pytest_localstore.contract._shared_models import SharedModels
from pytest_localstore.s3 import S3Server, s3_filesystem


@pytest.fixture
def botocore_session() -> Any:
    """botocore's session module (the s3 extra), imported by the test that needs it."""
    import botocore.session

    return botocore.session


def test_sessions_share_one_loader_while_active_and_not_after(botocore_session: Any) -> None:
    before = botocore_session.Session().get_component("data_loader")
    with SharedModels():
        first = botocore_session.Session().get_component("data_loader")
        second = botocore_session.Session().get_component("data_loader")
        assert first is second and first is not before
    after = botocore_session.Session().get_component("data_loader")
    assert after is not first and after is not before


def test_nothing_is_shared_or_imported_before_botocore_is(
    monkeypatch: pytest.MonkeyPatch, botocore_session: Any
) -> None:
    original = botocore_session.create_loader
    monkeypatch.delitem(sys.modules, "botocore.session")
    models = SharedModels()
    with models:
        assert botocore_session.create_loader is original
        assert "botocore.session" not in sys.modules
        monkeypatch.setitem(sys.modules, "botocore.session", botocore_session)
        models.share()  # as the run does after each store: botocore is in by now
        assert botocore_session.create_loader is not original
    assert botocore_session.create_loader is original


def test_a_run_on_a_new_session_per_store_parses_the_s3_model_once(
    s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.loaders import JSONFileLoader

    bucket = s3_server.make_bucket()
    parsed: Counter[str] = Counter()
    load_file = JSONFileLoader.load_file

    def counting(self: Any, file_path: str) -> Any:
        if "/s3/" in file_path and "service-2" in file_path:
            parsed[file_path] += 1
        return load_file(self, file_path)

    monkeypatch.setattr(JSONFileLoader, "load_file", counting)
    stores: list[S3ArtifactStore] = []

    def make() -> S3ArtifactStore:
        fs = s3_filesystem(s3_server.endpoint_url, **s3_server.credentials)  # a session of its own
        stores.append(S3ArtifactStore(f"s3://{bucket}/{uuid.uuid4().hex}", fs=fs))
        return stores[-1]

    report = explore(make, S3ArtifactStore.capabilities, examples=4, steps=3, seed=1)
    assert report.ok, report.entries
    assert len({id(store.fs) for store in stores}) == len(stores) >= 4
    assert parsed and set(parsed.values()) == {1}, parsed  # each file once, not once a store


def test_a_session_for_a_plain_http_endpoint_loads_no_ca_bundle() -> None:
    from pytest_localstore.s3 import s3_options

    assert s3_options("http://127.0.0.1:9000")["client_kwargs"]["verify"] is False  # no TLS at all
    assert "verify" not in s3_options("https://s3.example.com")["client_kwargs"]
    assert "verify" not in s3_options()["client_kwargs"]
