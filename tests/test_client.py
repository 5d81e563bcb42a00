"""The Python API: components, stacks, flavors and the seed's compatibility rules."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pytest_localstore import (
    Client,
    ComponentNotFoundError,
    CustomStorePathWarning,
    DuplicateNameError,
    Flavor,
    FlavorRegistry,
    InUseError,
    InvalidNameError,
    InvalidPathError,
    LocalArtifactStore,
    LocalStoreError,
    RegistryError,
    StackValidationError,
    UnknownFlavorError,
    UnknownTypeError,
    default_store_path,
)
from pytest_localstore.registry import REGISTRY_FILE

#: Flavors these tests declare: what other packages would add through entry points.
TEST_FLAVORS = [
    Flavor("kubeflow_remote", "orchestrator", local=False),
    Flavor("kubeflow_local", "orchestrator", local=True),
    Flavor("sagemaker", "step_operator", local=False),
    Flavor("mlflow", "model_deployer", local=True),
    Flavor("seldon", "model_deployer", local=False),
    Flavor("s3", "artifact_store", local=False, options=("bucket",)),
]


@pytest.fixture
def client(tmp_path: Path) -> Client:
    return Client(tmp_path / "cfg", flavors=FlavorRegistry(TEST_FLAVORS, entry_points=False))


def registry_bytes(client: Client) -> bytes:
    client.list_stacks()
    return Path(client.registry.file).read_bytes()


class TestDefaultStack:
    def test_appears_on_first_use(self, client: Client) -> None:
        stack = client.active_stack
        assert stack.name == "default"
        assert stack.orchestrator.name == "default" and stack.orchestrator.flavor == "local"
        store = stack.artifact_store
        assert isinstance(store, LocalArtifactStore)
        assert store.name == "default" and store.flavor == "local"
        assert store.id == stack.components["artifact_store"].id
        assert store.path == default_store_path(client.config_path, store.id)
        assert store.path == os.path.join(client.config_path, "local_stores", str(store.id))
        assert os.path.isdir(store.path)

    def test_nothing_is_written_before_first_use(self, tmp_path: Path) -> None:
        Client(tmp_path / "cfg")
        assert not (tmp_path / "cfg").exists()

    def test_config_path_from_the_environment(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("LOCALSTORE_CONFIG_PATH", str(tmp_path / "env"))
        assert Client().config_path == str(tmp_path / "env")
        Client().list_stacks()
        assert (tmp_path / "env" / REGISTRY_FILE).exists()


class TestComponents:
    def test_register_get_list_delete(self, client: Client) -> None:
        created = client.register_component("orchestrator", "kf", "kubeflow_local")
        assert client.get_component("orchestrator", "kf") == created
        assert client.get_component("orchestrator", str(created.id)) == created
        assert client.get_component("orchestrator", created.id) == created
        assert [c.name for c in client.list_components("orchestrator")] == ["default", "kf"]
        client.delete_component("orchestrator", "kf")
        with pytest.raises(ComponentNotFoundError, match="no orchestrator named 'kf'"):
            client.get_component("orchestrator", "kf")

    def test_same_name_in_another_type_is_fine(self, client: Client) -> None:
        client.register_component("orchestrator", "shared", "local")
        client.register_component("artifact_store", "shared", "local")
        with pytest.raises(DuplicateNameError, match="artifact store named 'shared'"):
            client.register_component("artifact_store", "shared", "local")

    @pytest.mark.parametrize("name", ["", "-x", "a b", "a/b", "é", "x" * 65, ".."])
    def test_invalid_names(self, client: Client, name: str) -> None:
        before = registry_bytes(client)
        with pytest.raises(InvalidNameError, match="invalid orchestrator name"):
            client.register_component("orchestrator", name, "local")
        assert registry_bytes(client) == before

    def test_unknown_flavor_and_type(self, client: Client) -> None:
        with pytest.raises(
            UnknownFlavorError, match="expected one of kubeflow_local, kubeflow_remote, local"
        ):
            client.register_component("orchestrator", "o", "airflow")
        with pytest.raises(UnknownTypeError, match="unknown component type 'secret_manager'"):
            client.register_component("secret_manager", "o", "local")

    def test_unknown_option(self, client: Client) -> None:
        with pytest.raises(LocalStoreError, match=r"unknown option 'region'.*expected bucket"):
            client.register_component("artifact_store", "s", "s3", {"region": "x"})
        assert client.register_component("artifact_store", "s", "s3", {"bucket": "b"}).config == {
            "bucket": "b"
        }

    def test_custom_path_is_stored_absolute_with_a_warning(
        self, client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        with pytest.warns(CustomStorePathWarning, match="not the default"):
            component = client.register_component("artifact_store", "mine", "local", {"path": "rel/store"})
        assert component.config == {"path": str(tmp_path / "rel" / "store")}
        assert client.artifact_store("mine").path == str(tmp_path / "rel" / "store")
        assert client.describe_component(component) == {"path": str(tmp_path / "rel" / "store")}

    @pytest.mark.parametrize("bad", ["", "a\x00b", 3])
    def test_bad_paths(self, client: Client, bad: object) -> None:
        with pytest.raises(InvalidPathError, match="expected a directory path"):
            client.register_component("artifact_store", "mine", "local", {"path": bad})

    def test_path_that_is_a_file(self, client: Client, tmp_path: Path) -> None:
        (tmp_path / "file").write_bytes(b"")
        with pytest.raises(InvalidPathError, match="not a directory"):
            client.register_component("artifact_store", "mine", "local", {"path": str(tmp_path / "file")})

    def test_component_in_use_cannot_be_deleted(self, client: Client) -> None:
        client.register_component("orchestrator", "o2", "local")
        client.register_stack("s2", {"orchestrator": "o2", "artifact_store": "default"})
        before = registry_bytes(client)
        with pytest.raises(InUseError, match="orchestrator 'o2' is used by stack"):
            client.delete_component("orchestrator", "o2")
        assert registry_bytes(client) == before

    def test_the_default_stack_and_its_components_cannot_be_deleted(self, client: Client) -> None:
        client.register_component("artifact_store", "other", "local")
        client.register_stack("s2", {"orchestrator": "default", "artifact_store": "other"}, set_active=True)
        before = registry_bytes(client)
        with pytest.raises(InUseError, match="the default stack cannot be deleted"):
            client.delete_stack("default")
        with pytest.raises(InUseError, match="the default artifact store cannot be deleted"):
            client.delete_component("artifact_store", "default")
        with pytest.raises(InUseError, match="the default orchestrator cannot be deleted"):
            client.delete_component("orchestrator", "default")
        assert registry_bytes(client) == before
        client.register_component("step_operator", "default", "sagemaker")
        client.delete_component("step_operator", "default")  # only the default stack's own are kept

    def test_the_path_warning_names_the_callers_line(self, client: Client, tmp_path: Path) -> None:
        with pytest.warns(CustomStorePathWarning) as caught:
            client.register_component("artifact_store", "mine", "local", {"path": str(tmp_path / "x")})
        assert caught[0].filename == __file__

    @pytest.mark.parametrize(
        ("where", "reason"),
        [
            ("{config}", "holds the config directory"),
            ("{config}/..", "holds the config directory"),
            ("{config}/local_stores/other", "where the default stores live"),
            ("{config}/local_stores", "where the default stores live"),
            ("{tmp}/file/below", "file exists and is not a directory"),
            ("{tmp}/file/below/deeper", "file exists and is not a directory"),
        ],
    )
    def test_paths_that_cannot_hold_a_store(
        self, client: Client, tmp_path: Path, where: str, reason: str
    ) -> None:
        (tmp_path / "file").write_bytes(b"")
        before = registry_bytes(client)
        path = where.format(config=client.config_path, tmp=tmp_path)
        with pytest.raises(InvalidPathError, match=reason):
            client.register_component("artifact_store", "mine", "local", {"path": path})
        assert registry_bytes(client) == before

    @pytest.mark.parametrize("bad", [5, "", ["a"]])
    def test_a_hand_edited_store_path_is_a_corrupt_registry(self, client: Client, bad: object) -> None:
        document = json.loads(registry_bytes(client))
        document["components"][0]["config"] = {"path": bad}
        Path(client.registry.file).write_text(json.dumps(document))
        with pytest.raises(RegistryError, match=r"registry .* is corrupt: artifact store 'default'"):
            client.active_stack.artifact_store  # noqa: B018
        with pytest.raises(RegistryError, match="is corrupt"):
            client.describe_component(client.get_component("artifact_store", "default"))


class TestStacks:
    def test_register_activate_delete(self, client: Client) -> None:
        client.register_component("artifact_store", "custom_local", "local")
        stack = client.register_stack(
            "custom_stack", {"orchestrator": "default", "artifact_store": "custom_local"}
        )
        assert client.active_stack.name == "default"
        client.activate_stack("custom_stack")
        assert client.active_stack.id == stack.id
        assert client.active_stack.artifact_store.name == "custom_local"
        with pytest.raises(InUseError, match="is active"):
            client.delete_stack("custom_stack")
        client.activate_stack("default")
        client.delete_stack("custom_stack")
        assert [s.name for s in client.list_stacks()] == ["default"]
        client.delete_component("artifact_store", "custom_local")

    def test_register_with_set(self, client: Client) -> None:
        client.register_stack("s2", {"orchestrator": "default", "artifact_store": "default"}, set_active=True)
        assert client.active_stack.name == "s2"

    def test_duplicate_missing_and_unknown(self, client: Client) -> None:
        members = {"orchestrator": "default", "artifact_store": "default"}
        before = registry_bytes(client)
        with pytest.raises(DuplicateNameError):
            client.register_stack("default", members)
        with pytest.raises(StackValidationError, match="needs an orchestrator"):
            client.register_stack("s", {"artifact_store": "default"})
        with pytest.raises(ComponentNotFoundError, match="no artifact store named 'nope'"):
            client.register_stack("s", {"orchestrator": "default", "artifact_store": "nope"})
        with pytest.raises(ComponentNotFoundError, match="no stack named 'nope'"):
            client.activate_stack("nope")
        assert registry_bytes(client) == before


class TestLocalStoreRules:
    """The seed: a local artifact store works only with components on this machine."""

    @pytest.fixture(autouse=True)
    def components(self, client: Client) -> None:
        client.register_component("orchestrator", "kf_remote", "kubeflow_remote")
        client.register_component("orchestrator", "kf_local", "kubeflow_local")
        client.register_component("step_operator", "sm", "sagemaker")
        client.register_component("model_deployer", "mlflow", "mlflow")
        client.register_component("model_deployer", "seldon", "seldon")
        client.register_component("artifact_store", "s3", "s3", {"bucket": "b"})

    def test_remote_orchestrator_is_refused(self, client: Client) -> None:
        before = registry_bytes(client)
        with pytest.raises(StackValidationError, match=r"'kf_remote' .flavor 'kubeflow_remote'. is remote"):
            client.register_stack("s", {"artifact_store": "default", "orchestrator": "kf_remote"})
        assert registry_bytes(client) == before

    def test_step_operator_is_refused(self, client: Client) -> None:
        with pytest.raises(StackValidationError, match="cannot hold step operator 'sm'"):
            client.register_stack(
                "s", {"artifact_store": "default", "orchestrator": "default", "step_operator": "sm"}
            )

    def test_remote_model_deployer_is_refused(self, client: Client) -> None:
        with pytest.raises(StackValidationError, match="model deployer must run on this machine"):
            client.register_stack(
                "s", {"artifact_store": "default", "orchestrator": "default", "model_deployer": "seldon"}
            )

    def test_local_components_are_accepted(self, client: Client) -> None:
        stack = client.register_stack(
            "s", {"artifact_store": "default", "orchestrator": "kf_local", "model_deployer": "mlflow"}
        )
        assert set(stack.components) == {"artifact_store", "orchestrator", "model_deployer"}
        assert client.get_stack("s").model_deployer is not None

    def test_a_remote_store_may_use_remote_components(self, client: Client) -> None:
        client.register_stack(
            "remote",
            {
                "artifact_store": "s3",
                "orchestrator": "kf_remote",
                "step_operator": "sm",
                "model_deployer": "seldon",
            },
        )
        with pytest.raises(LocalStoreError, match="has no implementation"):
            _ = client.get_stack("remote").artifact_store
