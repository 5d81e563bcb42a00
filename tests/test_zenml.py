"""The ZenML bridge: the adapter, the ``zenml:`` contract targets and the ZenML fixtures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from pytest_localstore import LocalStoreError, ZenMLArtifactStore, ZenMLSandbox
from pytest_localstore.config import zenml_config_dir
from pytest_localstore.zenml_sandbox import forget_zenml_state
from pytest_localstore.zenml_store import require_zenml, zenml_local_store

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "localstore"


class Recorder:
    """Stands in for a ZenML store: records each call, returns what it was told."""

    path = "/store-root"
    name = "recorded"
    id = None

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.result: Any = None

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, args, kwargs))
            if isinstance(self.result, Exception):
                raise self.result
            return self.result

        return call

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return self.__getattr__("open")(*args, **kwargs)

    def walk(self, *args: Any, **kwargs: Any) -> Any:
        self.__getattr__("walk")(*args, **kwargs)
        return iter([("/store-root", [], [])])


def test_the_adapter_joins_relative_paths_and_hands_on_everything_else() -> None:
    zenml = Recorder()
    store = ZenMLArtifactStore(zenml)
    outside = PurePosixPath("/elsewhere/x")
    store.exists("a/b")
    store.exists("/abs/x")
    store.exists(b"a")
    store.exists(PurePosixPath("a/c"))
    store.exists(outside)
    store.exists("s3://bucket/key")
    assert [call[1] for call in zenml.calls] == [
        ("/store-root/a/b",),
        ("/abs/x",),
        (b"/store-root/a",),
        ("/store-root/a/c",),
        (outside,),  # the very object: ZenML decides what to make of it
        ("s3://bucket/key",),
    ]
    zenml.calls.clear()
    store.open("f")
    store.open("f", "wb")
    store.copyfile("a", "b")
    store.copyfile("a", "b", True)
    store.rename("a", "b")
    store.rename("a", "b", overwrite=False)
    list(store.walk("d"))
    list(store.walk("d", topdown=False, onerror=print))
    assert zenml.calls == [
        ("open", ("/store-root/f",), {}),  # an argument left out is left out for ZenML too
        ("open", ("/store-root/f", "wb"), {}),
        ("copyfile", ("/store-root/a", "/store-root/b"), {}),
        ("copyfile", ("/store-root/a", "/store-root/b", True), {}),
        ("rename", ("/store-root/a", "/store-root/b"), {}),
        ("rename", ("/store-root/a", "/store-root/b", False), {}),
        ("walk", ("/store-root/d",), {}),
        ("walk", ("/store-root/d",), {"topdown": False, "onerror": print}),
    ]
    zenml.result = {"type": "file", "size": 3}
    assert store.stat("f") is zenml.result  # results unchanged
    zenml.result = KeyError("raised by ZenML")
    with pytest.raises(KeyError, match="raised by ZenML"):  # errors unchanged
        store.listdir("d")
    assert store.path == "/store-root" and store.name == "recorded"


def test_the_adapter_refuses_what_is_not_a_zenml_store() -> None:
    with pytest.raises(TypeError, match="is not a ZenML artifact store"):
        ZenMLArtifactStore(object())


def test_a_zenml_local_store_through_the_adapter(tmp_path: Path) -> None:
    zenml = zenml_local_store(str(tmp_path / "root"))
    store = ZenMLArtifactStore(zenml)
    with store.open("a.txt", "w") as f:
        f.write("hello")
    store.makedirs("d/e")
    assert sorted(store.listdir("")) == ["a.txt", "d"]
    assert (tmp_path / "root" / "a.txt").read_text() == "hello"
    assert store.size("a.txt") == 5 and store.id == zenml.id


def test_zenml_versions_outside_the_range_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    zenml = require_zenml()
    monkeypatch.setattr(zenml, "__version__", "0.50.0")
    with pytest.raises(LocalStoreError, match=r"ZenML 0\.50\.0 is not supported: .*0\.98 <= zenml < 1\.0"):
        require_zenml()


def test_zenml_internals_the_sandbox_relies_on_are_there() -> None:
    """``forget_zenml_state`` uses three ZenML internals; this fails if any of them goes."""
    from zenml.client import Client
    from zenml.config.global_config import GlobalConfiguration
    from zenml.stack import stack

    assert callable(GlobalConfiguration._reset_instance) and callable(Client._reset_instance)
    assert isinstance(stack._STACK_CACHE, dict)
    forget_zenml_state()
    assert not stack._STACK_CACHE


def test_each_sandbox_directory_is_its_own(tmp_path: Path) -> None:
    import zenml  # noqa: F401  (its first import sets TF_CPP_MIN_LOG_LEVEL for the process: not the sandbox's doing)

    sandbox = ZenMLSandbox(tmp_path, source_root=str(tmp_path))
    before = dict(os.environ)
    paths = []
    for name in ("first", "second"):
        config = sandbox.new_config_dir(name)
        with sandbox.activated(config) as client:
            assert os.environ["ZENML_CONFIG_PATH"] == config
            store = client.active_stack.artifact_store
            paths.append(store.path)
            assert store.path.startswith(config + os.sep) and os.listdir(store.path) == []
            with store.open(os.path.join(store.path, "x"), "w") as f:
                f.write("x")
    assert paths[0] != paths[1]
    assert dict(os.environ) == before


# -- contract targets, from the command line ---------------------------------------


def contract(*args: str, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    report = tmp_path / "report.json"
    result = subprocess.run(
        [str(SCRIPT), "contract", *args, "--seed", "1", "--json", str(report)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "LOCALSTORE_CONFIG_PATH": str(tmp_path / "cfg"), "TMPDIR": str(tmp_path)},
        timeout=300,
    )
    return result, json.loads(report.read_text()) if report.exists() else {}


def findings(report: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {
        (v["kind"], v["operation"], v["rule"]) for target in report["targets"] for v in target["violations"]
    }


def test_contract_zenml_local_finds_the_prefix_escape(tmp_path: Path) -> None:
    result, report = contract("zenml:local", "--examples", "5", tmp_path=tmp_path)
    assert result.returncode == 1, result.stderr
    found = findings(report)
    # ZenML compares string prefixes: '<root>_evil/x' passes its bounds check.
    assert ("data", "open", "changes nothing outside the root") in found
    assert ("silent", "exists", "refuses a path outside the root") in found
    assert "store.path + '_evil'" in result.stdout
    assert "zenml:local: checking (protects_root=False)" in result.stderr


def test_contract_zenml_s3_finds_the_directory_rename_and_the_walk_order(tmp_path: Path) -> None:
    result, report = contract("zenml:s3", "--examples", "1", tmp_path=tmp_path)
    assert result.returncode == 1, result.stderr
    found = findings(report)
    assert ("data", "rename", "leaves the tree the contract says") in found  # nothing moved
    assert ("value", "walk", "returns each directory before its parent") in found  # topdown ignored


def test_contract_zenml_factory_target(tmp_path: Path) -> None:
    result, report = contract("zenml:tests.zenml_factories:local", "--examples", "5", tmp_path=tmp_path)
    assert result.returncode == 1, result.stderr
    assert ("data", "open", "changes nothing outside the root") in findings(report)
    assert "ZenMLArtifactStore(tests.zenml_factories.local())" in result.stdout


# -- fixtures, in a pytest run of their own ------------------------------------------

FIXTURE_TESTS = """
import os
import pytest

def test_registers_and_writes(zenml_client, zenml_artifact_store):
    extra = os.path.join(os.environ["ZENML_CONFIG_PATH"], "extra")
    zenml_client.create_stack_component(
        name="extra", flavor="local", component_type="artifact_store", configuration={"path": extra}
    )
    with zenml_artifact_store.open(os.path.join(zenml_artifact_store.path, "model.bin"), "wb") as f:
        f.write(b"weights")
    record(zenml_artifact_store.path)

def test_sees_nothing_of_the_first(zenml_client, zenml_artifact_store):
    names = sorted(c.name for c in zenml_client.list_stack_components(type="artifact_store"))
    assert names == ["default"]
    assert os.listdir(zenml_artifact_store.path) == []
    assert os.environ["ZENML_CONFIG_PATH"] in zenml_artifact_store.path
    record(zenml_artifact_store.path)

def record(path):
    with open(os.path.join(os.path.dirname(__file__), "stores.txt"), "a") as f:
        f.write(path + "\\n")
"""


def run_pytest(
    directory: Path, home: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "PYTEST_ADDOPTS": "",
        **(env or {}),
    }
    environ.pop("ZENML_CONFIG_PATH", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider", "-s", *args],
        capture_output=True,
        text=True,
        cwd=directory,
        env=environ,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("args", "env"),
    [
        ((), {}),
        (("-n", "2"), {}),
        (("-p", "localstore"), {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}),
    ],
    ids=["autoload", "xdist", "autoload-off"],
)
def test_zenml_fixtures_isolate_each_test_and_never_touch_the_real_config(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str]
) -> None:
    project, home = tmp_path / "project", tmp_path / "home"
    project.mkdir()
    (project / "test_zen.py").write_text(textwrap.dedent(FIXTURE_TESTS))
    result = run_pytest(project, home, *args, env=env)
    assert "2 passed" in result.stdout, result.stdout + result.stderr
    stores = (project / "stores.txt").read_text().split()
    assert len(stores) == 2 and stores[0] != stores[1]
    real = Path(zenml_config_dir({"XDG_CONFIG_HOME": str(home / ".config"), "HOME": str(home)}))
    assert real == home / ".config" / "zenml"
    assert not real.exists()
    assert not list(project.glob("**/.zen"))


def test_a_test_writing_the_real_zenml_config_fails_with_the_path(tmp_path: Path) -> None:
    project, home = tmp_path / "project", tmp_path / "home"
    project.mkdir()
    real = home / ".config" / "zenml"
    (project / "test_real.py").write_text(
        f"def test_writes():\n    import os\n    os.makedirs({str(real)!r})\n"
        f"    open(os.path.join({str(real)!r}, 'config.yaml'), 'w').close()\n"
    )
    result = run_pytest(project, home)
    assert result.returncode == 1
    assert f"wrote to the real config directory {real}" in result.stdout
    assert "use the zenml_client fixture instead" in result.stdout


@pytest.mark.parametrize(
    ("conftest", "message"),
    [
        ("import sys\nsys.modules['zenml'] = None\n", "the ZenML bridge needs zenml, which is not installed"),
        ("import zenml\nzenml.__version__ = '0.50.0'\n", "ZenML 0.50.0 is not supported"),
    ],
    ids=["missing", "unsupported"],
)
def test_zenml_fixtures_without_a_usable_zenml_fail_in_one_line(
    tmp_path: Path, conftest: str, message: str
) -> None:
    project, home = tmp_path / "project", tmp_path / "home"
    project.mkdir()
    (project / "conftest.py").write_text(conftest)
    (project / "test_zen.py").write_text("def test_zen(zenml_client):\n    pass\n")
    result = run_pytest(project, home)
    assert result.returncode == 1
    assert message in result.stdout
    assert "Traceback" not in result.stdout and "ImportError" not in result.stdout


def test_a_zenml_target_is_checked_without_importing_zenml() -> None:
    # ZenML takes over a second to import: a run imports it while its server starts.
    code = "import sys; from pytest_localstore.targets import targets_for; targets_for('zenml:s3')"
    code += "; print('zenml' in sys.modules)"
    checked = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert checked.stdout.strip() == "False", checked.stderr


@pytest.mark.parametrize(
    ("before", "target", "message"),
    [
        (
            "import sys; sys.modules['zenml'] = None",
            "zenml:local",
            "the ZenML bridge needs zenml, which is not installed: install the zenml extra",
        ),
        (
            "from importlib import metadata; metadata.version = lambda name: '0.50.0'",
            "zenml:s3",
            "ZenML 0.50.0 is not supported: the ZenML bridge needs 0.98 <= zenml < 1.0",
        ),
    ],
    ids=["missing", "unsupported"],
)
def test_contract_zenml_target_without_a_usable_zenml_exits_2(
    tmp_path: Path, before: str, target: str, message: str
) -> None:
    code = f"{before}; from pytest_localstore.cli import run; run()"
    result = subprocess.run(
        [sys.executable, "-c", code, "contract", target],
        capture_output=True,
        text=True,
        env={**os.environ, "LOCALSTORE_CONFIG_PATH": str(tmp_path / "cfg")},
        timeout=120,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
