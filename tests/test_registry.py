"""The registry file: first use, corruption, versions, concurrency, crashes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pytest_localstore import Client, Registry, RegistryError
from pytest_localstore.registry import REGISTRY_FILE


def test_first_use_creates_the_default_stack_once(tmp_path: Path) -> None:
    registry = Registry(str(tmp_path / "cfg"))
    first = registry.read()
    second = registry.read()
    assert [c.name for c in first.components] == ["default", "default"]
    assert [(c.type, c.flavor) for c in first.components] == [
        ("artifact_store", "local"),
        ("orchestrator", "local"),
    ]
    assert first.active_stack is not None and first.active_stack.name == "default"
    assert second == first


def test_file_is_versioned_json(tmp_path: Path) -> None:
    Registry(str(tmp_path)).read()
    document = json.loads((tmp_path / REGISTRY_FILE).read_text())
    assert document["version"] == 1
    assert document["active_stack"] == document["stacks"][0]["id"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"{not json", "is corrupt"),
        (b"[]", "is corrupt"),
        (b'{"version": 1}', "is corrupt"),
        (b'{"version": 1, "components": [{"id": "x"}], "stacks": []}', "is corrupt"),
        (
            b'{"version": 1, "components": [], "stacks": [], "active_stack": "'
            + b"0" * 8
            + b"-0000-0000-0000-"
            + b"0" * 12
            + b'"}',
            "is not registered",
        ),
        (b'{"version": 99, "components": [], "stacks": []}', "newer than this pytest-localstore reads"),
        (b"\xff\xfe", "is corrupt"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"version": true, "components": [], "stacks": []}', "version True is not a format version"),
        (b'{"version": 0, "components": [], "stacks": []}', "version 0 is not a format version"),
        (b'{"version": -1, "components": [], "stacks": []}', "version -1 is not a format version"),
    ],
)
def test_a_bad_file_is_an_error_never_a_reset(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / REGISTRY_FILE
    path.write_bytes(content)
    client = Client(tmp_path)
    with pytest.raises(RegistryError, match=expected) as info:
        client.list_stacks()
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)
    with pytest.raises(RegistryError):
        client.register_component("orchestrator", "other", "local")
    assert path.read_bytes() == content


def test_failed_change_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    client = Client(tmp_path)
    client.list_stacks()
    before = (tmp_path / REGISTRY_FILE).read_bytes()

    def clear_then_fail() -> None:
        with client.registry.transaction() as state:
            state.components.clear()
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        clear_then_fail()
    assert (tmp_path / REGISTRY_FILE).read_bytes() == before


def test_stale_temp_files_are_ignored_then_cleaned(tmp_path: Path) -> None:
    client = Client(tmp_path)
    client.list_stacks()
    stale = tmp_path / f".{REGISTRY_FILE}.99999.tmp"
    stale.write_bytes(b'{"half": ')
    assert [s.name for s in client.list_stacks()] == ["default"]
    client.register_component("orchestrator", "o2", "local")
    assert not stale.exists()


def test_a_temp_file_left_by_the_very_first_write_is_cleaned(tmp_path: Path) -> None:
    stale = tmp_path / f".{REGISTRY_FILE}.99999.tmp"
    stale.write_bytes(b'{"half": ')
    Client(tmp_path).list_stacks()  # the first write of the registry
    assert not stale.exists()


def test_a_linked_registry_is_written_through_the_link(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    Client(dotfiles).list_stacks()
    config = tmp_path / "cfg"
    config.mkdir()
    (config / REGISTRY_FILE).symlink_to(dotfiles / REGISTRY_FILE)
    Client(config).register_component("orchestrator", "o2", "local")
    assert (config / REGISTRY_FILE).is_symlink()
    names = [c["name"] for c in json.loads((dotfiles / REGISTRY_FILE).read_text())["components"]]
    assert names == ["default", "default", "o2"]
    assert sorted(os.listdir(dotfiles)) == [REGISTRY_FILE, "registry.lock"]  # no temp file left


def test_a_dangling_link_is_refused_never_replaced(tmp_path: Path) -> None:
    link = tmp_path / REGISTRY_FILE
    link.symlink_to(tmp_path / "unmounted" / REGISTRY_FILE)
    client = Client(tmp_path)
    for call in (client.list_stacks, lambda: client.register_component("orchestrator", "o2", "local")):
        with pytest.raises(RegistryError, match=r"is a link to .*unmounted.* which cannot be read"):
            call()
    assert link.is_symlink() and os.readlink(link) == str(tmp_path / "unmounted" / REGISTRY_FILE)


def test_works_the_same_inside_pyfakefs(fs: object) -> None:
    client = Client("/fake/config")
    client.register_component("artifact_store", "s", "local")
    client.register_stack("st", {"artifact_store": "s", "orchestrator": "default"}, set_active=True)
    store = client.active_stack.artifact_store
    assert store.path.startswith("/fake/config/local_stores/")
    assert os.path.isfile("/fake/config/registry.json")
    assert Client("/fake/config").active_stack.name == "st"


_WRITER = textwrap.dedent(
    """
    import sys
    from pytest_localstore import Client
    client = Client(sys.argv[1])
    prefix, count = sys.argv[2], int(sys.argv[3])
    i = 0
    while count < 0 or i < count:
        client.register_component("orchestrator", f"{prefix}-{i}", "local")
        i += 1
    """
)


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    writers, each = 4, 25
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path), f"w{n}", str(each)])
        for n in range(writers)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0] * writers
    names = {c.name for c in Client(tmp_path).list_components("orchestrator")}
    expected = {f"w{n}-{i}" for n in range(writers) for i in range(each)} | {"default"}
    assert names == expected


def test_a_writer_killed_mid_write_leaves_a_readable_registry(tmp_path: Path) -> None:
    for round_ in range(5):
        proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path), f"r{round_}", "-1"])
        deadline = time.monotonic() + 60
        while not _written(tmp_path, f"r{round_}-") and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.01 * round_)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert _written(tmp_path, f"r{round_}-")
    Client(tmp_path).register_component("orchestrator", "after", "local")
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def _written(config: Path, prefix: str) -> bool:
    """Whether a component named with *prefix* is in the registry (readable or not raises)."""
    if not (config / REGISTRY_FILE).exists():
        return False
    return any(c.name.startswith(prefix) for c in Client(config).list_components("orchestrator"))
