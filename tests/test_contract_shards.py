"""One contract run split into shards (--shard K/N), merged back (--merge), and a database the
shards share (--database): the pieces a CI matrix runs the contract with."""

from __future__ import annotations

import itertools
import json
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_localstore import LocalArtifactStore
from pytest_localstore.contract import run_contract
from pytest_localstore.contract._shards import parse_shard

from .broken_stores import SixthWriteLost
from .test_contract import run_cli

BROKEN = "tests.broken_stores:make_stale_cache"


def fresh(cls: type[LocalArtifactStore], base: Path) -> Callable[[], LocalArtifactStore]:
    numbers = itertools.count()
    return lambda: cls(base / f"s{next(numbers)}")


def _without_times(document: dict[str, Any]) -> dict[str, Any]:
    for target in document["targets"]:
        target.pop("seconds")
        target.pop("shard")
    return document


def _shards_and_whole(tmp_path: Path, *args: str, shards: int = 3) -> tuple[list[dict[str, Any]], str, str]:
    """Each shard's JSON report, the merged report's text, and the whole run's text (asserting
    that the merged JSON is the whole run's, times aside)."""
    documents = []
    for part in range(1, shards + 1):
        shard_json = tmp_path / f"shard-{part}.json"
        run_cli(*args, "-q", f"--shard={part}/{shards}", f"--json={shard_json}")
        documents.append(json.loads(shard_json.read_text()))
    merged = run_cli(
        "--merge",
        *(str(tmp_path / f"shard-{p}.json") for p in range(1, shards + 1)),
        f"--json={tmp_path / 'merged.json'}",
    )
    whole = run_cli(*args, "-q", f"--json={tmp_path / 'whole.json'}")
    assert merged.returncode == whole.returncode, merged.stderr
    assert _without_times(json.loads((tmp_path / "merged.json").read_text())) == _without_times(
        json.loads((tmp_path / "whole.json").read_text())
    )
    return documents, merged.stdout, whole.stdout


def test_shards_partition_the_rows_and_merge_into_the_whole_report(tmp_path: Path) -> None:
    documents, merged, whole = _shards_and_whole(tmp_path, BROKEN, "--seed=7", "--examples=1")
    assert merged == whole
    assert "1 cause(s) of violation" in whole
    rows = [
        sum(sum(target["rows"][verdict].values()) for verdict in ("passed", "failed"))
        for document in documents
        for target in document["targets"]
    ]
    whole_rows = json.loads((tmp_path / "whole.json").read_text())["targets"][0]["rows"]
    assert sum(rows) == sum(whole_rows["passed"].values()) + sum(whole_rows["failed"].values())
    assert max(rows) - min(rows) <= 1  # every third row each: none twice, none left out
    assert [document["targets"][0]["shard"] for document in documents] == ["1/3", "2/3", "3/3"]


def test_the_examples_split_too_and_merge_into_the_whole_run_on_a_conforming_store(tmp_path: Path) -> None:
    documents, merged, whole = _shards_and_whole(tmp_path, "memory", "--seed=11", "--examples=7", shards=2)
    assert merged == whole
    assert "memory: conforms" in whole
    assert [document["targets"][0]["examples"] for document in documents] == [4, 3]
    steps = [document["targets"][0]["steps"] for document in documents]
    assert all(steps) and f"7 examples, {sum(steps)} random calls" in whole


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis server (fakeredis's, over TCP) on 127.0.0.1 and a free port, for this test alone."""
    from fakeredis import TcpFakeServer

    server = TcpFakeServer(("127.0.0.1", 0))
    server.daemon_threads, server.block_on_close = True, False  # clients left open do not hold it
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{server.server_address[1]}/0"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.parametrize("where", ["directory", "redis"])
def test_a_failure_one_shard_saved_is_replayed_first_by_another(
    tmp_path: Path, where: str, request: pytest.FixtureRequest
) -> None:
    make = fresh(SixthWriteLost, tmp_path / "stores")  # a bug of long sequences only: no row finds it
    settings: dict[str, Any] = {"examples": 2, "steps": 12, "seed": 9}
    database = str(tmp_path / "database") if where == "directory" else request.getfixturevalue("redis_url")
    # With this seed, the second shard's one sequence is short of the bug, the first's is not.
    assert run_contract(make, **settings, shard=(2, 2)).ok
    first = run_contract(make, **settings, shard=(1, 2), database=database)
    assert [entry.violation.method for entry in first.entries.values()] == ["open"]
    second = run_contract(make, **settings, shard=(2, 2), database=database)
    assert list(second.entries) == list(first.entries)
    assert second.calls["examples"] == 1  # the replay was its one example (not one more)


def test_the_command_keeps_its_failures_on_a_redis_server(tmp_path: Path, redis_url: str) -> None:
    from redis import Redis

    args = ["tests.broken_stores:make_sixth_write_lost", "-q", "--examples=2", "--steps=12", "--seed=9"]
    result = run_cli(*args, f"--database={redis_url}", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    keys = Redis.from_url(redis_url).keys("hypothesis-example:*")
    assert keys, "the failing example was saved on the server"
    assert list(tmp_path.iterdir()) == []  # and nothing in the current directory


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("redis://127.0.0.1:{closed}/0", "cannot use a Redis database there: Error 111"),
        ("redis://127.0.0.1:{closed}/not-a-number", "expected a directory (made if missing) or a redis://"),
        ("redis://127.0.0.1:port/0", "expected a directory (made if missing) or a redis://"),
        ("redis://", "expected a directory (made if missing) or a redis://HOST:PORT/DB URL (a host"),
    ],
)
def test_a_redis_server_that_cannot_be_reached_is_a_usage_error(
    tmp_path: Path, url: str, message: str
) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        url = url.format(closed=unused.getsockname()[1])  # bound, never listening: refused
        result = run_cli("memory", f"--database={url}", cwd=tmp_path)
    assert result.returncode == 2
    assert f"--database {url!r}: {message}" in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["memory", "--shard=0/3"], "'0/3': expected K/N, two whole numbers with 1 <= K <= N"),
        (["memory", "--shard=4/3"], "'4/3': expected K/N"),
        (["memory", "--shard=half"], "'half': expected K/N"),
    ],
)
def test_a_bad_shard_is_a_usage_error(args: list[str], message: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_reports_that_do_not_make_a_whole_run_are_refused(tmp_path: Path) -> None:
    def shard(name: str, *args: str) -> str:
        run_cli(BROKEN, "-q", "--examples=1", *args, f"--json={tmp_path / name}")
        return str(tmp_path / name)

    first, second = shard("1-3.json", "--seed=3", "--shard=1/2"), shard("2-3.json", "--seed=3", "--shard=2/2")
    other_seed = shard("2-4.json", "--seed=4", "--shard=2/2")
    other_steps = shard("2-3-steps.json", "--seed=3", "--steps=5", "--shard=2/2")
    (tmp_path / "text.json").write_text("not json")
    cases = {
        (first,): "shards 1/2: expected 1/2 to 2/2, each once",
        (first, other_seed): "different seeds (3, 4): give every shard the same --seed",
        (first, second, first): "is given twice: each shard's report once",
        (first, other_steps): "give every shard the same --examples and --steps",
        (str(tmp_path / "text.json"),): "not JSON",
        (str(tmp_path / "missing.json"),): "cannot be read: No such file or directory",
        (): "no reports given",
        ("--seed=3", first, second): "not --seed (it belongs to the shards' runs)",
    }
    for files, message in cases.items():
        result = run_cli("--merge", *files)
        assert result.returncode == 2, result.stdout
        assert message in result.stderr and result.stderr.count("\n") == 1, result.stderr
    result = run_cli("--merge", first, second)
    assert result.returncode == 1 and "1 cause(s) of violation" in result.stdout


@pytest.mark.parametrize(
    "value", ["", "a-file", "a-file/below", "redis:/one-slash", "http://127.0.0.1:1/0", "unix:///tmp/r.sock"]
)
def test_a_database_that_cannot_be_a_directory_is_a_usage_error(tmp_path: Path, value: str) -> None:
    (tmp_path / "a-file").write_text("")
    result = run_cli("memory", f"--database={value}", cwd=tmp_path)
    assert result.returncode == 2
    assert f"--database {value!r}: expected a directory (made if missing) or a redis://" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a-file"]


def test_a_redis_database_without_the_redis_package_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, redis_url: str
) -> None:
    from pytest_localstore.contract._database import DatabaseError, example_database

    monkeypatch.setitem(sys.modules, "redis", None)  # found as blocked: not installed
    expected = "a Redis database needs redis, which is not installed: install the redis extra"
    with pytest.raises(DatabaseError, match=f"^'{redis_url}': {expected}"):
        example_database(redis_url)


def test_a_run_is_one_example_whatever_hypothesis_ran_to_get_it() -> None:
    from pytest_localstore.targets import targets_for

    (testbed,) = targets_for("memory")
    with testbed.setup() as make_store:
        capabilities = testbed.judged_by(make_store)
        # With this seed, Hypothesis runs two examples in this shard's one run (the first thrown away).
        report = run_contract(make_store, capabilities, seed=7, shard=(30, 40))
    assert report.ok and report.calls["examples"] == 1


def test_shard_text_is_parsed_strictly() -> None:
    assert parse_shard("2/3") == (2, 3)
    for text in ("3", "1/", "/2", "-1/2", "1/2/3", "a/b"):
        with pytest.raises(ValueError, match="expected K/N"):
            parse_shard(text)
