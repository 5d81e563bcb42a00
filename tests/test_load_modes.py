"""The plugin in every way a user loads it, each run as a real ``python -m pytest`` process.

In-process pytester runs set pytest's capture up differently, and hid a fake
backend that failed whenever pyfakefs's own plugin was not loaded.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

USER_TESTS = textwrap.dedent(
    """
    import os
    import pytest
    from pytest_localstore import Client

    # Runs at import, during collection: must already be isolated.
    AT_IMPORT = Client().active_stack.artifact_store.path

    def is_fake():
        return type(os).__name__ == "FakeOsModule"

    def test_import_time_client_was_isolated():
        assert "localstore-session-" in AT_IMPORT

    def test_disk(local_artifact_store, localstore_client, localstore_default_stack):
        assert not is_fake()
        with local_artifact_store.open("a.txt", "w") as f:
            f.write("x")
        assert local_artifact_store.listdir(".") == ["a.txt"]

    @pytest.mark.localstore(backend="fake")
    def test_fake_marker(local_artifact_store, artifact_store_factory):
        assert is_fake()
        other = artifact_store_factory("other")
        with other.open("b", "wb") as f:
            f.write(b"y")
        assert other.listdir(".") == ["b"] and local_artifact_store.listdir(".") == []
        print("printed under the fake backend")

    @pytest.mark.localstore(backend="fake")
    def test_fake_with_fs(localstore_config, fs):
        assert is_fake() and os.path.isdir(localstore_config.path)
    """
)

#: How users load the plugin: (label, extra environment, pytest arguments).
LOAD_MODES = [
    ("autoload", {}, []),
    ("autoload-p", {}, ["-p", "localstore"]),
    ("no-autoload", {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}, ["-p", "localstore"]),
    ("xdist", {}, ["-n", "2"]),
    (
        "xdist-no-autoload",
        {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        ["-p", "xdist", "-p", "localstore", "-n", "2"],
    ),
]


def run_pytest(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "LOCALSTORE_"))}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-W", "error", *args],
        cwd=project,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("capture", ["capture", "-s"])
@pytest.mark.parametrize(("mode", "env", "args"), LOAD_MODES, ids=[m[0] for m in LOAD_MODES])
def test_every_fixture_and_backend_in_every_load_mode(
    tmp_path: Path, private_home: Path, mode: str, env: dict[str, str], args: list[str], capture: str
) -> None:
    (tmp_path / "test_user.py").write_text(USER_TESTS)
    extra = ["-s"] if capture == "-s" else []
    result = run_pytest(tmp_path, env, *args, *extra)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "4 passed" in result.stdout
    assert not (private_home / ".config" / "localstore").exists()
    assert ("printed under the fake backend" in result.stdout) == (capture == "-s" and "-n" not in args)


def test_the_environment_is_restored_after_an_in_process_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LOCALSTORE_CONFIG_PATH", str(tmp_path / "mine"))
    before = {k: v for k, v in os.environ.items() if k.startswith("LOCALSTORE_")}
    pytester.makepyfile("def test_it(localstore_config):\n    pass\n")
    pytester.runpytest_inprocess("-p", "localstore").assert_outcomes(passed=1)
    assert {k: v for k, v in os.environ.items() if k.startswith("LOCALSTORE_")} == before


def test_the_fake_backend_is_refused_where_pyfakefs_is_blocked(tmp_path: Path) -> None:
    (tmp_path / "test_it.py").write_text(
        "import pytest\n\n@pytest.mark.localstore(backend='fake')\n"
        "def test_it(local_artifact_store):\n    pass\n"
    )
    result = run_pytest(tmp_path, {}, "-p", "no:fakefs")
    assert result.returncode == 1
    assert "the localstore fake backend needs pyfakefs's pytest plugin" in result.stdout
