"""Repository-wide test set-up: no test may see the real home or config directory."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]


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
