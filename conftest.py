"""Repository-wide test set-up: no test may see the real home, config or cache directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

#: The suite's own cache directory (git-ignored): the Azurite that the azure_server fixture
#: installs when none is found lands here, once per clone, and npm's cache with it, never in
#: the user's cache. Set at import, so the session fixtures, xdist workers and every pytest
#: run a test starts see it too.
TEST_CACHE = Path(__file__).resolve().parent / ".test-cache"
os.environ["XDG_CACHE_HOME"] = str(TEST_CACHE)
os.environ["NPM_CONFIG_CACHE"] = str(TEST_CACHE / "npm")


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point HOME and XDG_CONFIG_HOME at a fresh directory for every test.

    Subprocesses inherit it, so even the CLI run from a test cannot reach the
    developer's own ``~/.config/localstore``.
    """
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.delenv("LOCALSTORE_CONFIG_PATH", raising=False)
    return home
