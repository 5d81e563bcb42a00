"""One flavor registry: every flavor, built in or from a plugin, is a contract target and a fixture."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_localstore import Capabilities, Flavor, LocalArtifactStore
from pytest_localstore.errors import LocalStoreError
from pytest_localstore.flavors import FlavorRegistry
from pytest_localstore.models import ARTIFACT_STORE, ComponentModel
from pytest_localstore.targets import TargetError, targets_for
from pytest_localstore.testbed import FRESH, Testbed, Testbeds, declared_by, flavor_testbed

SCRIPT = Path(sys.executable).parent / "localstore"

#: A plugin's module: a store class that declares what it cannot do, and a flavor with only a build.
PLUGIN = '''
import os

from pytest_localstore import Capabilities, Flavor, LocalArtifactStore


class PlainStore(LocalArtifactStore):
    """A local store that may let its root go."""

    flavor = "plain"
    capabilities = Capabilities(protects_root=False)


def build(component, config_path):
    return PlainStore(os.path.join(config_path, "plain", component.id_text), name=component.name)


PLAIN = Flavor("plain", "artifact_store", local=True, description="a plain folder", build=build)
NEEDY = Flavor(
    "needy",
    "artifact_store",
    local=True,
    options=("bucket",),
    prepare=lambda config, path: {"bucket": config["bucket"]},
    build=build,
)
'''


@pytest.fixture
def plugin(tmp_path: Path) -> dict[str, str]:
    """The environment of a process that has a scratch distribution registering flavors."""
    site = tmp_path / "site"
    info = site / "plain_flavor-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: plain-flavor\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[localstore.flavors]\nplain = plain_flavor:PLAIN\nneedy = plain_flavor:NEEDY\n"
    )
    (site / "plain_flavor.py").write_text(PLUGIN)
    return {
        **os.environ,
        "PYTHONPATH": str(site),
        "LOCALSTORE_CONFIG_PATH": str(tmp_path / "cfg"),
        "PYTHONIOENCODING": "utf-8",
    }


def localstore(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The installed ``localstore`` command, in a process of its own."""
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, encoding="utf-8", env=env, cwd=cwd, timeout=300
    )


def test_a_flavor_from_an_entry_point_is_a_contract_target(tmp_path: Path, plugin: dict[str, str]) -> None:
    report = tmp_path / "report.json"
    result = localstore(
        "contract", "plain", "--seed", "1", "--examples", "3", "--json", str(report), env=plugin, cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("plain: conforms\n")
    [target] = json.loads(report.read_text())["targets"]
    assert target["target"] == "plain"
    assert target["capabilities"]["protects_root"] is False  # read from the store class
    assert sum(target["rows"]["passed"].values()) > 500 and target["examples"] == 3


def test_a_flavor_that_needs_options_is_refused_in_one_line(tmp_path: Path, plugin: dict[str, str]) -> None:
    result = localstore("contract", "needy", "--seed", "1", env=plugin, cwd=tmp_path)
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("localstore: error: target 'needy': flavor 'needy' cannot make stores to test")
    assert "Traceback" not in result.stderr


def test_a_flavor_that_needs_options_is_a_usage_error_for_pytest(
    tmp_path: Path, plugin: dict[str, str]
) -> None:
    (tmp_path / "test_x.py").write_text("def test_x(artifact_store):\n    pass\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\nlocalstore_flavors =\n    local\n    needy\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"],
        capture_output=True,
        text=True,
        env=plugin,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 4, result.stdout + result.stderr
    assert "ERROR: ini localstore_flavors: flavor 'needy' cannot make stores to test" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_flavor_from_an_entry_point_parametrizes_artifact_store(
    tmp_path: Path, plugin: dict[str, str]
) -> None:
    (tmp_path / "test_x.py").write_text(
        textwrap.dedent(
            """
            def test_x(artifact_store, request):
                artifact_store.makedirs("d")
                with artifact_store.open("d/f", "w") as handle:
                    handle.write("x")
                assert artifact_store.listdir("d") == ["f"]
                classes = {"local": "LocalArtifactStore", "plain": "PlainStore"}
                assert type(artifact_store).__name__ == classes[request.node.callspec.id]
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v", "--localstore-flavors=local,plain"],
        capture_output=True,
        text=True,
        env=plugin,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "test_x[local] PASSED" in result.stdout and "test_x[plain] PASSED" in result.stdout


def test_all_and_the_unknown_target_message_name_the_plugin_flavor(plugin: dict[str, str]) -> None:
    code = (
        "from pytest_localstore.targets import TargetError, targets_for\n"
        "print([t.label for t in targets_for('all')])\n"
        "try:\n    targets_for('nope')\nexcept TargetError as error:\n    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "always", "-c", code], capture_output=True, text=True, env=plugin, timeout=120
    )
    assert result.returncode == 0, result.stderr
    labels, message = result.stdout.splitlines()
    assert "'plain'" in labels and "'local (disk)'" in labels
    # A flavor that cannot be tested is left out of 'all' with a warning, and the others run.
    assert "'needy'" not in labels
    assert "target 'needy': flavor 'needy' cannot make stores to test with no options" in result.stderr
    assert "left out of 'all'" in result.stderr
    assert message.startswith("target 'nope': expected one of azure, gcs, local, memory, needy, plain, s3,")


# -- in process ---------------------------------------------------------------------------------


class _Roomy(LocalArtifactStore):
    capabilities = Capabilities(max_name_bytes=None)


def _build(component: ComponentModel, config_path: str) -> LocalArtifactStore:
    return _Roomy(os.path.join(config_path, "roomy", component.id_text))


ROOMY = Flavor("roomy", ARTIFACT_STORE, local=True, build=_build)


def test_a_flavor_with_only_a_build_is_tested_through_it() -> None:
    [testbed] = FlavorRegistry([ROOMY], entry_points=False).testbeds("roomy")
    assert testbed.label == "roomy" and testbed.capabilities is None
    assert testbed.opening.endswith(f"store = client.artifact_store('store'){FRESH}")
    with testbed.setup() as make_store:
        first, second = make_store(), make_store()
        assert isinstance(first, _Roomy) and first.path != second.path
        assert testbed.judged_by(make_store) == Capabilities(max_name_bytes=None)
        config_path = Path(first.path).parent.parent
        assert config_path.is_dir()
    assert not config_path.exists()  # the private config directory goes at the end


def test_a_flavor_without_build_has_no_testbed() -> None:
    with pytest.raises(LocalStoreError, match="flavor 'bare' cannot make stores to test: it has no build"):
        flavor_testbed(Flavor("bare", ARTIFACT_STORE, local=True))


def test_a_flavor_declares_its_own_testbeds_and_fixture() -> None:
    def stores() -> Iterator[Any]:
        raise AssertionError("not set up")
        yield

    own = Testbed("mine (twice)", "store = ...", stores, Capabilities(update_modes=False))
    flavor = Flavor("mine", ARTIFACT_STORE, local=True, testbeds=[own], fixture="mine_store", extra="s3")
    registry = FlavorRegistry([flavor], entry_points=False)
    assert registry.testbeds("mine") == (own,)
    assert registry.get(ARTIFACT_STORE, "mine").fixture == "mine_store"
    assert [t.label for t in targets_for("mine", registry)] == ["mine (twice)"]


def test_every_built_in_flavor_declares_its_testbed_fixture_and_extra() -> None:
    registry = FlavorRegistry(entry_points=False)
    labels = {
        name: [t.label for t in registry.testbeds(name)] for name in ("local", "memory", "s3", "gcs", "azure")
    }
    assert labels["local"] == ["local (disk)", "local (pyfakefs)"]
    for name in ("memory", "s3", "gcs", "azure"):
        flavor = registry.get(ARTIFACT_STORE, name)
        assert labels[name] == [name] and flavor.fixture == f"{name}_artifact_store" and flavor.extra == name


def test_a_store_class_without_capabilities_is_judged_as_the_local_store() -> None:
    assert declared_by(object()) == Capabilities()
    assert declared_by(_Roomy.__new__(_Roomy)) == Capabilities(max_name_bytes=None)


def test_a_missing_extra_is_a_target_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "s3fs", None)  # found as blocked: not installed
    with pytest.raises(TargetError, match=r"target 's3': needs s3fs, which is not installed: install the s3"):
        targets_for("s3", FlavorRegistry(entry_points=False))


def test_the_generic_fixture_sets_each_testbed_up_once() -> None:
    made: list[str] = []

    def stores() -> Iterator[object]:
        made.append("up")
        yield lambda: len(made)
        made.append("down")

    testbed = Testbed("counted", "", stores)  # type: ignore[arg-type]
    with Testbeds() as testbeds:
        testbeds.make_store(testbed)
        testbeds.make_store(testbed)
        assert made == ["up"]
    assert made == ["up", "down"]


def test_a_place_the_clean_up_cannot_remove_is_a_warning_not_a_lost_report() -> None:
    from pytest_localstore.testbed import stores_on

    class Server:
        started_here = False  # a given server: what the run made there is removed

        def __enter__(self) -> Server:
            return self

        def __exit__(self, *exc_info: object) -> None:
            pass

        def filesystem(self) -> None:
            return None

    def refuse(place: str) -> None:
        raise RuntimeError("409: the bucket is not empty")

    stores = stores_on(Server(), lambda prefix: f"{prefix}-1", refuse, lambda url, fs: url, "s3")
    assert next(stores)() == "s3://localstore-contract-1/0"  # type: ignore[comparison-overlap]
    left = r"'localstore-contract-1' was left on the server: 409: the bucket"
    with pytest.warns(UserWarning, match=left), pytest.raises(StopIteration):
        next(stores)


@pytest.mark.parametrize("target", ["s3", "zenml:s3"])
def test_a_reported_program_makes_its_store_below_a_folder_as_the_run_does(
    target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (testbed,) = targets_for(target)
    with testbed.setup() as make:
        run_root = make().path
    monkeypatch.setenv("ZENML_CONFIG_PATH", str(tmp_path / "zenml"))  # the opening's ZenML, if any
    names: dict[str, Any] = {}
    exec(testbed.opening, names)  # starts a server of its own
    try:
        made = names["store"].path.rstrip("/")
        # The run's stores are folders of their bucket: so is the program's, or a call on the
        # bucket's root may answer another way than the run saw.
        assert made.rpartition("/")[0].endswith(names["place"]), made
        assert made.count("/") == run_root.rstrip("/").count("/"), (made, run_root)
    finally:
        names["server"].stop()
