"""The Python API over one config directory: components, stacks, the active stack."""

from __future__ import annotations

import os

from .config import config_dir
from .errors import (
    ComponentNotFoundError,
    DuplicateNameError,
    InUseError,
    LocalStoreError,
    RegistryError,
)
from .flavors import FlavorRegistry
from .models import (
    ARTIFACT_STORE,
    DEFAULT_NAME,
    REQUIRED_TYPES,
    ComponentModel,
    RegistryState,
    StackModel,
    check_name,
    check_type,
    label,
    new_id,
    with_article,
)
from .registry import Registry
from .stack import Stack, check_stack

TYPE_CHECKING = False
if TYPE_CHECKING:
    import uuid
    from collections.abc import Mapping
    from typing import Any

    from .artifact_store import ArtifactStore


class Client:
    """Register, find and delete components and stacks in one config directory.

    ``Client()`` uses ``LOCALSTORE_CONFIG_PATH`` (or the user's config
    directory); ``Client(path)`` uses *path*. The default stack appears on
    first use. Every failed call leaves the registry as it was. ``durable=False``
    skips ``fsync`` (for throwaway registries such as a test's).
    """

    def __init__(
        self,
        config_path: str | os.PathLike[str] | None = None,
        *,
        flavors: FlavorRegistry | None = None,
        durable: bool = True,
    ) -> None:
        self.config_path = os.path.abspath(os.fspath(config_path)) if config_path else config_dir()
        self.registry = Registry(self.config_path, durable=durable)
        self.flavors = flavors if flavors is not None else FlavorRegistry()

    # components

    def register_component(
        self,
        component_type: str,
        name: str,
        flavor: str,
        config: Mapping[str, Any] | None = None,
    ) -> ComponentModel:
        """Register a component; its flavor checks and normalises *config*."""
        check_type(component_type)
        check_name(name, component_type)
        prepared = self.flavors.get(component_type, flavor).prepare_config(config or {}, self.config_path)
        with self.registry.transaction() as state:
            if state.find_component(component_type, name) is not None:
                raise DuplicateNameError(
                    f"{with_article(label(component_type))} named {name!r} is already registered"
                )
            component = ComponentModel(new_id(), name, component_type, flavor, prepared)
            state.components.append(component)
        return component

    def get_component(self, component_type: str, name_or_id: str | uuid.UUID) -> ComponentModel:
        """The component of that type with that name or id."""
        check_type(component_type)
        return _component(self.registry.read(), component_type, name_or_id)

    def list_components(self, component_type: str | None = None) -> list[ComponentModel]:
        """Registered components, of one type or all, in registration order."""
        if component_type is not None:
            check_type(component_type)
        return [c for c in self.registry.read().components if component_type in (None, c.type)]

    def delete_component(self, component_type: str, name_or_id: str | uuid.UUID) -> None:
        """Delete a component that no stack uses. Its files are left alone."""
        check_type(component_type)
        with self.registry.transaction() as state:
            component = _component(state, component_type, name_or_id)
            if component.name == DEFAULT_NAME and component_type in REQUIRED_TYPES:
                raise InUseError(
                    f"the default {label(component_type)} cannot be deleted: the default stack needs it"
                )
            users = [s.name for s in state.stacks if component.id_text in s.member_ids.values()]
            if users:
                raise InUseError(
                    f"{label(component_type)} {component.name!r} is used by stack(s) {', '.join(users)}"
                )
            state.components.remove(component)

    def describe_component(self, component: ComponentModel) -> dict[str, Any]:
        """The component's config with defaults filled in (e.g. a store's path)."""
        flavor = self.flavors.get(component.type, component.flavor)
        with _StoredConfigCheck(self.registry, component):
            return flavor.config_in_force(component, self.config_path)

    def artifact_store(self, name_or_id: str | uuid.UUID) -> ArtifactStore:
        """The live artifact store registered under that name or id."""
        return self._build(self.get_component(ARTIFACT_STORE, name_or_id))

    # stacks

    def register_stack(
        self,
        name: str,
        components: Mapping[str, str | uuid.UUID],
        *,
        set_active: bool = False,
    ) -> StackModel:
        """Register a stack from component names per type; refused if incompatible."""
        check_name(name, "stack")
        with self.registry.transaction() as state:
            if state.find_stack(name) is not None:
                raise DuplicateNameError(f"a stack named {name!r} is already registered")
            members = {
                check_type(kind): _component(state, kind, member) for kind, member in components.items()
            }
            check_stack(name, members, self.flavors)
            stack = StackModel(new_id(), name, {kind: c.id_text for kind, c in members.items()})
            state.stacks.append(stack)
            if set_active:
                state.active_id_text = stack.id_text
        return stack

    def list_stacks(self) -> list[StackModel]:
        """Registered stacks, in registration order."""
        return list(self.registry.read().stacks)

    def get_stack(self, name_or_id: str | uuid.UUID | None = None) -> Stack:
        """The stack with that name or id; without one, the active stack."""
        return self.stack_in(self.registry.read(), name_or_id)

    def stack_in(self, state: RegistryState, name_or_id: str | uuid.UUID | None = None) -> Stack:
        """Like :meth:`get_stack`, from a registry state already in hand."""
        if name_or_id is None:
            model = state.active_stack
            if model is None:
                raise ComponentNotFoundError("no stack is active: set one with 'localstore stack set NAME'")
        else:
            model = _stack(state, name_or_id)
        members = {}
        for kind, component_id in model.member_ids.items():
            component = state.component_by_id(component_id)
            assert component is not None  # the registry checks this on read
            members[kind] = component
        return Stack(model, members, self._build)

    @property
    def active_stack(self) -> Stack:
        """The active stack; ``.artifact_store`` is its live store."""
        return self.get_stack()

    @property
    def active_stack_model(self) -> StackModel:
        """The active stack's registry entry."""
        return self.get_stack().model

    def activate_stack(self, name_or_id: str | uuid.UUID) -> StackModel:
        """Make a registered stack the active one."""
        with self.registry.transaction() as state:
            stack = _stack(state, name_or_id)
            state.active_id_text = stack.id_text
        return stack

    def delete_stack(self, name_or_id: str | uuid.UUID) -> None:
        """Delete a stack that is not active; its components stay registered."""
        with self.registry.transaction() as state:
            stack = _stack(state, name_or_id)
            if stack.name == DEFAULT_NAME:
                raise InUseError("the default stack cannot be deleted: every config directory keeps it")
            if stack.id_text == state.active_id_text:
                raise InUseError(f"stack {stack.name!r} is active: set another stack first")
            state.stacks.remove(stack)

    def _build(self, component: ComponentModel) -> ArtifactStore:
        from .artifact_store import ArtifactStore

        flavor = self.flavors.get(component.type, component.flavor)
        if flavor.build is None:
            raise LocalStoreError(f"{label(component.type)} flavor {flavor.name!r} has no implementation")
        with _StoredConfigCheck(self.registry, component):
            store = flavor.build(component, self.config_path)
        if not isinstance(store, ArtifactStore):
            raise LocalStoreError(
                f"{label(component.type)} flavor {flavor.name!r} built {store!r}: expected an ArtifactStore"
            )
        return store


class _StoredConfigCheck:
    """Report a flavor's TypeError or ValueError over a stored config as a corrupt registry."""

    def __init__(self, registry: Registry, component: ComponentModel) -> None:
        self.registry = registry
        self.component = component

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, error: BaseException | None, tb: object) -> None:
        wrong_config = exc_type is not None and issubclass(exc_type, (TypeError, ValueError))
        if wrong_config and not issubclass(exc_type, LocalStoreError):  # type: ignore[arg-type]
            raise RegistryError(
                f"registry {self.registry.file} is corrupt: {label(self.component.type)}"
                f" {self.component.name!r} has config {dict(self.component.config)!r} ({error});"
                " repair or remove it"
            ) from None


def _component(state: RegistryState, component_type: str, name_or_id: str | uuid.UUID) -> ComponentModel:
    component = state.find_component(component_type, name_or_id)
    if component is None:
        names = ", ".join(c.name for c in state.components if c.type == component_type) or "none"
        raise ComponentNotFoundError(
            f"no {label(component_type)} named {str(name_or_id)!r}: registered are {names}"
        )
    return component


def _stack(state: RegistryState, name_or_id: str | uuid.UUID) -> StackModel:
    stack = state.find_stack(name_or_id)
    if stack is None:
        names = ", ".join(s.name for s in state.stacks) or "none"
        raise ComponentNotFoundError(f"no stack named {str(name_or_id)!r}: registered are {names}")
    return stack
