"""Where the config directory is."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import pytest_localstore
from pytest_localstore import CONFIG_PATH_ENV, config_dir, user_config_dir


def test_the_variable_wins(tmp_path: Path) -> None:
    env = {CONFIG_PATH_ENV: str(tmp_path / "x"), "XDG_CONFIG_HOME": "/elsewhere"}
    assert config_dir(env) == str(tmp_path / "x")


def test_the_variable_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert config_dir({CONFIG_PATH_ENV: "rel"}) == str(tmp_path / "rel")


def test_an_empty_variable_means_unset(private_home: Path) -> None:
    assert config_dir({CONFIG_PATH_ENV: ""}) == user_config_dir({})


def test_xdg_config_home(tmp_path: Path) -> None:
    assert user_config_dir({"XDG_CONFIG_HOME": str(tmp_path)}) == str(tmp_path / "localstore")


def test_relative_xdg_is_ignored_as_the_spec_says(private_home: Path) -> None:
    assert user_config_dir({"XDG_CONFIG_HOME": "relative"}) == str(private_home / ".config" / "localstore")


def test_default_is_under_home(private_home: Path) -> None:
    assert user_config_dir({}) == str(private_home / ".config" / "localstore")
    assert config_dir() == str(private_home / ".config" / "localstore")


def test_public_api_is_one_list_and_lazy() -> None:
    assert pytest_localstore.__all__ == [*sorted(pytest_localstore._EXPORTS), "__version__"]
    # The type checkers' copy of the list names the same things from the same modules.
    tree = ast.parse(Path(pytest_localstore.__file__).read_text(encoding="utf-8"))
    typed = {
        alias.asname: (node.module or "").lstrip(".")
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module != "_lazy"
        for alias in node.names
    }
    assert typed == pytest_localstore._EXPORTS
    for name in pytest_localstore._EXPORTS:
        assert getattr(pytest_localstore, name) is not None
    assert {"PathType", "WalkEntry"} <= set(pytest_localstore.__all__)
    assert not {"ConfigDirGuard", "backend_for"} & set(pytest_localstore.__all__)
    code = "import sys, pytest_localstore.plugin; print(sorted(m for m in sys.modules if 'localstore' in m))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    modules = [
        "",
        "._flavor_fixtures",
        "._guard",
        "._lazy",
        "._tree",
        "._zenml_fixtures",
        ".config",
        ".plugin",
    ]
    assert loaded.strip() == str([f"pytest_localstore{m}" for m in modules])


def test_config_dir_factory_makes_its_base_on_first_need(tmp_path: Path) -> None:
    from pytest_localstore import ConfigDirFactory

    factory = ConfigDirFactory(tmp_path / "not" / "yet")
    first, second = factory.mktemp("test a/b"), factory.mktemp("test a/b")
    assert first.path.parent == second.path.parent == tmp_path / "not" / "yet"
    assert first.path != second.path and first.path.is_dir() and second.path.is_dir()
    assert first.path.name.startswith("test_a_b")
    assert list(first.path.iterdir()) == []  # nothing written until first use


def test_every_import_the_readme_and_the_docs_show_works() -> None:
    """Each ``from pytest_localstore... import ...`` line of the README and of ``docs/**/*.md`` imports
    what it names: a test imports every name the docs mention from where the docs say."""
    import importlib
    import re

    root = Path(__file__).resolve().parent.parent
    pages = [root / "README.md", *sorted(p for p in (root / "docs").rglob("*.md") if "_build" not in p.parts)]
    shown = {
        page.relative_to(root).as_posix(): re.findall(
            r"^\s*from (pytest_localstore[\w.]*) import ([\w, ]+)$",
            page.read_text(encoding="utf-8"),
            flags=re.MULTILINE,
        )
        for page in pages
    }
    assert shown["README.md"]
    assert any(lines for page, lines in shown.items() if page.startswith("docs/"))
    for page, lines in shown.items():
        for module, names in lines:
            for name in (part.strip() for part in names.split(",")):
                imported = importlib.import_module(module)
                assert getattr(imported, name, None) is not None, f"{page}: {module}.{name}"


def test_every_store_class_and_the_contract_are_importable_from_the_package() -> None:
    from pytest_localstore import (
        ArtifactStore,
        ArtifactStoreContract,
        AzureArtifactStore,
        Capabilities,
        FsspecArtifactStore,
        GcsArtifactStore,
        LocalArtifactStore,
        MemoryArtifactStore,
        S3ArtifactStore,
        ZenMLArtifactStore,
        run_contract,
    )
    from pytest_localstore.contract import ArtifactStoreContract as in_contract
    from pytest_localstore.contract import Capabilities as contract_capabilities

    for store in (
        AzureArtifactStore,
        FsspecArtifactStore,
        GcsArtifactStore,
        LocalArtifactStore,
        MemoryArtifactStore,
        S3ArtifactStore,
        ZenMLArtifactStore,
    ):
        assert issubclass(store, ArtifactStore)
    assert ArtifactStoreContract is in_contract and Capabilities is contract_capabilities
    assert callable(run_contract)
