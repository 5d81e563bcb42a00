"""The pytest plugin, run the way users run it: through pytester."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest


def outcomes(result: pytest.RunResult) -> dict[str, int]:
    return result.parseoutcomes()


def test_each_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os, subprocess, sys
        from pytest_localstore import Client, LocalArtifactStore, ConfigDir

        def test_config(localstore_config):
            assert isinstance(localstore_config, ConfigDir)
            assert localstore_config.path.is_dir()
            assert list(localstore_config.path.iterdir()) == []  # lazy: nothing yet
            assert os.environ["LOCALSTORE_CONFIG_PATH"] == str(localstore_config.path)
            code = "import os; print(os.environ['LOCALSTORE_CONFIG_PATH'])"
            seen = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
            assert seen.strip() == str(localstore_config.path)
            assert Client().config_path == str(localstore_config.path)

        def test_client(localstore_client, localstore_config):
            assert localstore_client.config_path == str(localstore_config.path)
            assert [s.name for s in localstore_client.list_stacks()] == ["default"]

        def test_default_stack(localstore_default_stack):
            assert localstore_default_stack.name == "default"
            assert localstore_default_stack.orchestrator.flavor == "local"
            assert localstore_default_stack.artifact_store.flavor == "local"

        def test_store(local_artifact_store, localstore_config, localstore_default_stack):
            assert isinstance(local_artifact_store, LocalArtifactStore)
            assert local_artifact_store.listdir(".") == []
            expected = localstore_config.path / "local_stores" / str(local_artifact_store.id)
            assert local_artifact_store.path == str(expected)
            assert local_artifact_store.id == localstore_default_stack.artifact_store.id
            with local_artifact_store.open("a.txt", "w") as f:
                f.write("x")

        def test_store_is_fresh_again(local_artifact_store):
            assert local_artifact_store.listdir(".") == []

        def test_factory(artifact_store_factory, localstore_client, tmp_path):
            first = artifact_store_factory("first")
            custom = artifact_store_factory("custom", path=tmp_path / "custom")
            assert first.name == "first" and os.path.isdir(first.path)
            assert custom.path == str(tmp_path / "custom")
            names = [c.name for c in localstore_client.list_components("artifact_store")]
            assert names == ["default", "first", "custom"]
        """
    )
    # The factory's explicit path is the test author's choice: no warning, even under -W error.
    result = pytester.runpytest("-p", "localstore", "-W", "error")
    result.assert_outcomes(passed=6)


def test_environment_is_restored_after_each_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os
        seen = {}

        def test_a(localstore_config):
            seen["a"] = os.environ["LOCALSTORE_CONFIG_PATH"]

        def test_b():
            seen["b"] = os.environ["LOCALSTORE_CONFIG_PATH"]
            assert seen["b"] != seen["a"]
            assert "localstore-session" in seen["b"]
        """
    )
    pytester.runpytest("-p", "localstore").assert_outcomes(passed=2)


def test_session_factory(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_one="""
        import pytest

        @pytest.fixture(scope="module")
        def shared(localstore_config_factory):
            return localstore_config_factory.mktemp("shared").local_artifact_store

        def test_write(shared):
            with shared.open("kept.txt", "w") as f:
                f.write("kept")

        def test_still_there(shared):
            assert shared.listdir(".") == ["kept.txt"]
        """,
        test_two="""
        import pytest

        @pytest.fixture(scope="module")
        def shared(localstore_config_factory):
            return localstore_config_factory.mktemp("shared").local_artifact_store

        def test_other_module_is_separate(shared):
            assert shared.listdir(".") == []
        """,
    )
    pytester.runpytest("-p", "localstore", "-p", "no:randomly").assert_outcomes(passed=3)


BACKEND_PROBE = """
import os, pytest

def is_fake():
    return type(os).__name__ == "FakeOsModule"

{marker}
def test_probe(local_artifact_store):
    print("BACKEND=" + ("fake" if is_fake() else "disk"))
"""


@pytest.mark.parametrize(
    ("ini", "option", "marker", "expected"),
    [
        (None, None, None, "disk"),
        ("fake", None, None, "fake"),
        ("fake", "disk", None, "disk"),
        ("disk", "fake", None, "fake"),
        (None, "fake", "disk", "disk"),
        ("disk", "disk", "fake", "fake"),
        ("fake", "fake", "disk", "disk"),
    ],
)
def test_backend_precedence_marker_option_ini_default(
    pytester: pytest.Pytester, ini: str | None, option: str | None, marker: str | None, expected: str
) -> None:
    if ini:
        pytester.makeini(f"[pytest]\nlocalstore_backend = {ini}\n")
    mark = f"@pytest.mark.localstore(backend={marker!r})" if marker else ""
    pytester.makepyfile(BACKEND_PROBE.format(marker=mark))
    args = ["-p", "localstore", "-s"] + ([f"--localstore-backend={option}"] if option else [])
    result = pytester.runpytest(*args)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"*BACKEND={expected}*"])


def test_bad_backend_values_are_usage_errors(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(BACKEND_PROBE.format(marker="@pytest.mark.localstore(backend='cloud')"))
    result = pytester.runpytest("-p", "localstore")
    result.stdout.fnmatch_lines(["*localstore(backend='cloud')*expected one of disk, fake*"])
    assert result.ret != 0
    result = pytester.runpytest("-p", "localstore", "--localstore-backend=cloud")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*invalid choice: 'cloud'*"])
    pytester.makeini("[pytest]\nlocalstore_backend = cloud\n")
    result = pytester.runpytest("-p", "localstore")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*localstore_backend = 'cloud': expected one of disk, fake*"])


@pytest.mark.parametrize(
    ("marker", "shown"),
    [
        ("@pytest.mark.localstore(backnd='fake')", "localstore(backnd='fake')"),
        ("@pytest.mark.localstore('fake')", "localstore('fake')"),
        ("@pytest.mark.localstore('fake', backend='fake')", "localstore('fake')"),
    ],
)
def test_marker_mistakes_are_usage_errors(pytester: pytest.Pytester, marker: str, shown: str) -> None:
    pytester.makepyfile(BACKEND_PROBE.format(marker=marker))
    result = pytester.runpytest("-p", "localstore")
    assert result.ret != 0
    result.stdout.fnmatch_lines(
        [
            f"*{shown} on test_marker_mistakes_are_usage_errors.py::test_probe:"
            " expected*localstore(backend=...)*"
        ]
    )


def test_fake_backend_refuses_tmp_path_with_the_reason(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.localstore(backend="fake")
        def test_mixed(artifact_store_factory, tmp_path):
            artifact_store_factory("x", path=tmp_path / "x")
        """
    )
    result = pytester.runpytest("-p", "localstore")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*test_mixed uses tmp_path with the fake backend*real disk*"])
    assert "could not create numbered dir" not in result.stdout.str()


def test_a_subprocess_under_the_fake_backend_fails_with_the_reason(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import subprocess, sys, pytest

        CLI = [sys.executable, "-m", "pytest_localstore", "stack", "list"]

        @pytest.mark.localstore(backend="fake")
        def test_child_refuses_the_fake_config(localstore_config):
            assert subprocess.run(CLI).returncode == 2

        @pytest.mark.localstore(backend="fake")
        def test_pipes(localstore_config):
            subprocess.run(CLI, capture_output=True)
        """
    )
    result = pytester.runpytest_subprocess("-p", "localstore", "-s")
    result.assert_outcomes(passed=1, failed=1)
    result.stderr.fnmatch_lines(
        ["*lives in the pyfakefs filesystem of a pytest-localstore fake-backend test*"]
    )
    result.stdout.fnmatch_lines(
        [
            "*- pytest-localstore -*",
            "*this test runs on the fake backend (pyfakefs), where 'Bad file descriptor' comes from*",
        ]
    )


def test_fake_backend_shares_the_fs_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.localstore(backend="fake")
        def test_both(fs, local_artifact_store, localstore_config):
            with local_artifact_store.open("model.bin", "wb") as f:
                f.write(b"weights")
            assert fs.exists(local_artifact_store.path + "/model.bin")
            assert fs.get_object(local_artifact_store.path + "/model.bin").byte_contents == b"weights"
            fs.create_file(local_artifact_store.path + "/made-by-fs.txt", contents="hi")
            assert sorted(local_artifact_store.listdir(".")) == ["made-by-fs.txt", "model.bin"]
            assert (localstore_config.path / "registry.json").exists()
        """
    )
    pytester.runpytest("-p", "localstore").assert_outcomes(passed=1)
    assert not list(Path(pytester.path).glob("**/registry.json"))


def test_fake_backend_lays_out_what_the_disk_backend_does(pytester: pytest.Pytester) -> None:
    """The registry and store that the fake backend adds in one step read back as written."""
    pytester.makepyfile(
        """
        import json, os, stat
        import pytest
        from pytest_localstore import Client, LocalArtifactStore

        pytestmark = pytest.mark.localstore(backend="fake")

        def test_laid_out(local_artifact_store, localstore_config):
            registry = localstore_config.path / "registry.json"
            document = json.loads(registry.read_text(encoding="utf-8"))
            assert [c["name"] for c in document["components"]] == ["default", "default"]
            assert stat.S_IMODE(os.stat(registry).st_mode) == 0o644
            assert stat.S_IMODE(os.stat(local_artifact_store.path).st_mode) == 0o755
            again = Client().get_stack("default").artifact_store  # read from the file, by path
            assert again.id == local_artifact_store.id and again.path == local_artifact_store.path
            assert type(again) is type(local_artifact_store) is LocalArtifactStore

        def test_config_dir_there_first(localstore_config):
            assert os.listdir(localstore_config.path) == []
            store = localstore_config.write_default_stack().artifact_store
            assert os.path.isdir(store.path)
            assert localstore_config.write_default_stack().artifact_store.id == store.id

        def test_store_through_a_link_is_resolved(fs, localstore_config, artifact_store_factory):
            fs.create_dir("/real/stores")
            fs.create_symlink("/linked", "/real/stores")
            store = artifact_store_factory("linked", path="/linked/mine")
            assert store.path == "/real/stores/mine"
            with store.open("f", "w") as f:
                f.write("x")
            assert os.path.exists("/real/stores/mine/f")
        """
    )
    pytester.runpytest("-p", "localstore").assert_outcomes(passed=3)


def test_fake_backend_keeps_the_hypothesis_database(pytester: pytest.Pytester) -> None:
    database = pytester.path / "examples-db"
    pytester.makepyfile(
        f"""
        import pytest
        from hypothesis import HealthCheck, given, settings, strategies as st
        from hypothesis.database import DirectoryBasedExampleDatabase

        @pytest.mark.localstore(backend="fake")
        @settings(
            database=DirectoryBasedExampleDatabase({str(database)!r}),
            suppress_health_check=[HealthCheck.function_scoped_fixture],
        )
        @given(st.integers(0, 100))
        def test_fails_for_big(local_artifact_store, n):
            with local_artifact_store.open("n.txt", "w") as f:
                f.write(str(n))
            assert n < 50
        """
    )
    result = pytester.runpytest_subprocess("-p", "localstore", "-W", "ignore")
    result.assert_outcomes(failed=1)
    saved = [p for p in database.rglob("*") if p.is_file()]
    assert saved, "the falsifying example should be saved on the real disk"


def test_guard_reports_writes_to_the_real_config_dir(pytester: pytest.Pytester, private_home: Path) -> None:
    pytester.makepyfile(
        """
        import os
        from pytest_localstore import user_config_dir

        def test_polite(local_artifact_store):
            local_artifact_store.makedirs("fine")

        def test_rude():
            os.makedirs(user_config_dir(), exist_ok=True)
            with open(os.path.join(user_config_dir(), "registry.json"), "w") as f:
                f.write("{}")
        """
    )
    result = pytester.runpytest("-p", "localstore")
    result.assert_outcomes(passed=2, errors=1)
    real = private_home / ".config" / "localstore"
    result.stdout.fnmatch_lines(
        [
            f"*test_rude wrote to the real config directory {real}*registry.json created*",
            "*pytest-localstore: the real config directory was written*",
        ]
    )
    assert "test_polite wrote" not in result.stdout.str()


def test_client_without_arguments_never_reaches_the_real_config(
    pytester: pytest.Pytester, private_home: Path
) -> None:
    pytester.makepyfile(
        """
        from pytest_localstore import Client

        def test_uses_the_default_client():
            Client().register_component("orchestrator", "o", "local")
        """
    )
    pytester.runpytest("-p", "localstore").assert_outcomes(passed=1)
    assert not (private_home / ".config" / "localstore").exists()


LOAD_PROBE = """
import sys
def test_probe(local_artifact_store):
    with local_artifact_store.open("x", "w") as f:
        f.write("x")
    heavy = sorted(m for m in ("hypothesis", "pyfakefs") if m in sys.modules)
    print("HEAVY=" + ",".join(heavy))
"""


@pytest.mark.parametrize(
    ("args", "autoload"),
    [
        ([], True),
        (["-p", "localstore"], True),
        (["-p", "localstore"], False),
    ],
    ids=["autoloaded", "-p localstore", "autoload off, -p localstore"],
)
def test_load_modes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, args: list[str], autoload: bool
) -> None:
    if not autoload:
        monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makepyfile(LOAD_PROBE)
    result = pytester.runpytest_subprocess(*args, "-s")
    result.assert_outcomes(passed=1)
    if not autoload:
        result.stdout.fnmatch_lines(["*HEAVY="])  # neither hypothesis nor pyfakefs imported


def test_fake_backend_without_pyfakefs_plugin(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makepyfile(BACKEND_PROBE.format(marker="@pytest.mark.localstore(backend='fake')"))
    result = pytester.runpytest_subprocess("-p", "localstore", "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*BACKEND=fake*"])


def test_disabled_with_no_localstore(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(LOAD_PROBE)
    result = pytester.runpytest_subprocess("-p", "no:localstore")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'local_artifact_store' not found*"])


def test_xdist_workers_are_isolated(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RECORD_DIR", str(tmp_path))
    pytester.makepyfile(
        """
        import json, os, pytest

        @pytest.mark.parametrize("n", range(6))
        def test_record(local_artifact_store, localstore_config, n, worker_id):
            record = {
                "worker": worker_id,
                "config": str(localstore_config.path),
                "store": local_artifact_store.path,
                "session": os.path.dirname(os.environ["LOCALSTORE_CONFIG_PATH"]),
            }
            with open(os.path.join(os.environ["RECORD_DIR"], f"record-{n}.json"), "w") as out:
                out.write(json.dumps(record))
        """
    )
    result = pytester.runpytest_subprocess("-p", "localstore", "-n", "2", "-p", "xdist")
    result.assert_outcomes(passed=6)
    records = [json.loads(p.read_text()) for p in tmp_path.glob("record-*.json")]
    assert len(records) == 6
    assert {r["worker"] for r in records} == {"gw0", "gw1"}
    assert len({r["config"] for r in records}) == 6
    assert len({r["store"] for r in records}) == 6
    by_worker = {r["worker"]: r["config"].split(os.sep + "localstore")[0] for r in records}
    assert by_worker["gw0"] != by_worker["gw1"]


def test_fixtures_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("-p", "localstore", "--fixtures")
    result.stdout.fnmatch_lines(
        [
            "*localstore_config_factory*session*",
            "*localstore_config -- *",
            "*A fresh config directory for this test*",
            "*local_artifact_store -- *",
            "*artifact_store_factory -- *",
        ]
    )
    help_text = pytester.runpytest("-p", "localstore", "--help").stdout.str()
    assert "--localstore-backend={disk,fake}" in help_text
    assert "localstore_backend" in help_text
    markers = pytester.runpytest("-p", "localstore", "--markers").stdout.str()
    assert "@pytest.mark.localstore(backend)" in markers
