"""Finding Azurite, and installing it once when there is none: with stand-ins for node and npm."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

import pytest

from pytest_localstore import LocalStoreError
from pytest_localstore._azurite import AZURITE_VERSION, find_azurite, install_dir

#: A stand-in for npm: logs its arguments, then makes the azurite-blob that npm would (or fails).
FAKE_NPM = """
import os, sys
with open(os.environ["NPM_LOG"], "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\\n")
if os.environ.get("NPM_FAIL"):
    print("npm error code E404", file=sys.stderr)
    print("npm error 404 Not Found - azurite", file=sys.stderr)
    sys.exit(1)
prefix = sys.argv[sys.argv.index("--prefix") + 1]
os.makedirs(os.path.join(prefix, "node_modules", ".bin"), exist_ok=True)
program = os.path.join(prefix, "node_modules", ".bin", "azurite-blob")
with open(program, "w") as f:
    f.write("#!/bin/sh\\n")
os.chmod(program, 0o755)
"""


def stand_in(folder: Path, name: str, code: str) -> None:
    path = folder / name
    path.write_text(f"#!{sys.executable}\n{code}")
    path.chmod(0o755)


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PATH with only a node 20 and an npm stand-in, an empty cache directory, no LOCALSTORE_AZURITE."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stand_in(bin_dir, "node", "print('v20.20.2')")
    stand_in(bin_dir, "npm", FAKE_NPM)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("NPM_LOG", str(tmp_path / "npm.log"))
    monkeypatch.delenv("LOCALSTORE_AZURITE", raising=False)
    return bin_dir


def test_installs_the_pinned_azurite_once_into_the_cache_and_says_so(machine: Path, tmp_path: Path) -> None:
    said: list[str] = []
    first = find_azurite(said.append)
    prefix = tmp_path / "cache" / "pytest-localstore" / "azurite"
    assert install_dir() == prefix
    assert first == str(prefix / "node_modules" / ".bin" / "azurite-blob")
    assert said == [f"pytest-localstore: installing Azurite {AZURITE_VERSION} into {prefix} with npm (once)"]
    assert find_azurite(said.append) == first  # found, not installed again
    log = (tmp_path / "npm.log").read_text().splitlines()
    assert len(log) == 1 and len(said) == 1
    assert shlex.split(log[0])[:4] == ["install", "--prefix", str(prefix), f"azurite@{AZURITE_VERSION}"]


def test_a_given_or_found_azurite_comes_first(
    machine: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stand_in(machine, "azurite-blob", "")
    assert find_azurite() == str(machine / "azurite-blob")
    given = tmp_path / "mine"
    stand_in(tmp_path, "mine", "")
    monkeypatch.setenv("LOCALSTORE_AZURITE", str(given))
    assert find_azurite() == str(given)
    monkeypatch.setenv("LOCALSTORE_AZURITE", str(tmp_path / "missing"))
    with pytest.raises(LocalStoreError, match=r"LOCALSTORE_AZURITE=.*missing' is not an executable file"):
        find_azurite()
    assert not (tmp_path / "npm.log").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("no node", "Azurite needs Node.js 20 or later, and node is not on PATH"),
        ("old node", "Azurite needs Node.js 20 or later; .*node is v18.19.0"),
        ("no npm", "installing Azurite needs npm, which is not on PATH"),
        ("npm fails", r"npm install --prefix .* azurite@3\.37\.0 failed: npm error 404 Not Found - azurite"),
    ],
)
def test_what_is_missing_is_named_in_one_line(
    machine: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str, message: str
) -> None:
    if change == "no node":
        (machine / "node").unlink()
    elif change == "old node":
        stand_in(machine, "node", "print('v18.19.0')")
    elif change == "no npm":
        (machine / "npm").unlink()
    else:
        monkeypatch.setenv("NPM_FAIL", "1")
    with pytest.raises(LocalStoreError, match=message) as info:
        find_azurite(lambda line: None)
    assert "\n" not in str(info.value)
    assert not (install_dir() / "installed-version").exists()  # a failed install is not taken as done


def test_the_suite_installs_into_its_own_cache_directory_never_the_users() -> None:
    assert install_dir().is_relative_to(Path(__file__).resolve().parents[1] / ".test-cache")
    assert os.environ["NPM_CONFIG_CACHE"].startswith(str(Path(__file__).resolve().parents[1] / ".test-cache"))
