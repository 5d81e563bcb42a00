"""What the registry holds: components, stacks and which stack is active."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import InvalidNameError, UnknownTypeError

ARTIFACT_STORE = "artifact_store"
ORCHESTRATOR = "orchestrator"
STEP_OPERATOR = "step_operator"
MODEL_DEPLOYER = "model_deployer"
COMPONENT_TYPES = (ARTIFACT_STORE, ORCHESTRATOR, STEP_OPERATOR, MODEL_DEPLOYER)
REQUIRED_TYPES = (ARTIFACT_STORE, ORCHESTRATOR)
DEFAULT_NAME = "default"

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")


def label(component_type: str) -> str:
    """How messages name a component type: ``artifact_store`` -> ``artifact store``."""
    return component_type.replace("_", " ")


def with_article(words: str) -> str:
    """*words* after ``a`` or ``an``, as English wants."""
    return f"{'an' if words[:1] in 'aeiou' else 'a'} {words}"


def check_name(name: str, what: str) -> str:
    """*name* if it is a valid component or stack name, else InvalidNameError."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidNameError(
            f"invalid {what} name {name!r}: expected 1-64 letters, digits, '_', '-' or '.',"
            " starting with a letter or digit"
        )
    return name


def check_type(component_type: str) -> str:
    """*component_type* if it is one of COMPONENT_TYPES, else UnknownTypeError."""
    if component_type not in COMPONENT_TYPES:
        raise UnknownTypeError(
            f"unknown component type {component_type!r}: expected one of {', '.join(COMPONENT_TYPES)}"
        )
    return component_type


@dataclass(frozen=True)
class ComponentModel:
    """A registered stack component: what it is, not a live object."""

    id: uuid.UUID
    name: str
    type: str
    flavor: str
    config: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StackModel:
    """A registered stack: a name and one component id per type it uses."""

    id: uuid.UUID
    name: str
    components: Mapping[str, uuid.UUID]


@dataclass
class RegistryState:
    """The whole registry, as read from and written to the registry file."""

    components: list[ComponentModel] = field(default_factory=list)
    stacks: list[StackModel] = field(default_factory=list)
    active_stack_id: uuid.UUID | None = None

    @classmethod
    def with_default_stack(cls) -> RegistryState:
        """The state on first use: the ``default`` store, orchestrator and stack."""
        store = ComponentModel(uuid.uuid4(), DEFAULT_NAME, ARTIFACT_STORE, "local")
        orchestrator = ComponentModel(uuid.uuid4(), DEFAULT_NAME, ORCHESTRATOR, "local")
        stack = StackModel(
            uuid.uuid4(), DEFAULT_NAME, {ARTIFACT_STORE: store.id, ORCHESTRATOR: orchestrator.id}
        )
        return cls([store, orchestrator], [stack], stack.id)

    def find_component(self, component_type: str, name_or_id: str | uuid.UUID) -> ComponentModel | None:
        """The component of that type with that name (or id), if registered."""
        for component in self.components:
            if component.type == component_type and _matches(component, name_or_id):
                return component
        return None

    def component_by_id(self, component_id: uuid.UUID) -> ComponentModel | None:
        """The component with that id, if registered."""
        for component in self.components:
            if component.id == component_id:
                return component
        return None

    def find_stack(self, name_or_id: str | uuid.UUID) -> StackModel | None:
        """The stack with that name (or id), if registered."""
        for stack in self.stacks:
            if _matches(stack, name_or_id):
                return stack
        return None

    @property
    def active_stack(self) -> StackModel | None:
        """The active stack's model, if one is set."""
        if self.active_stack_id is None:
            return None
        return self.find_stack(self.active_stack_id)


def _matches(item: ComponentModel | StackModel, name_or_id: str | uuid.UUID) -> bool:
    if isinstance(name_or_id, uuid.UUID):
        return item.id == name_or_id
    return item.name == name_or_id or str(item.id) == name_or_id
