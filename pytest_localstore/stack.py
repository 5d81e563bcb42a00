"""Stacks: which components may work together, and the live stack object."""

from __future__ import annotations

from functools import cached_property

from .errors import StackValidationError
from .models import (
    ARTIFACT_STORE,
    MODEL_DEPLOYER,
    ORCHESTRATOR,
    REQUIRED_TYPES,
    STEP_OPERATOR,
    ComponentModel,
    StackModel,
    label,
    with_article,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable, Mapping

    from .artifact_store import ArtifactStore
    from .flavors import FlavorRegistry


def check_stack(name: str, components: Mapping[str, ComponentModel], flavors: FlavorRegistry) -> None:
    """Refuse a stack that lacks a required component or breaks the local rules.

    A local artifact store lives on this machine only, so its stack may hold
    only orchestrators and model deployers that run here, and no step
    operator (whose purpose is to run steps elsewhere).
    """
    for required in REQUIRED_TYPES:
        if required not in components:
            raise StackValidationError(f"stack {name!r} needs {with_article(label(required))}")
    store = components[ARTIFACT_STORE]
    if not flavors.get(ARTIFACT_STORE, store.flavor).local:
        return
    reason = f"stack {name!r}: the artifact store {store.name!r} is local (flavor {store.flavor!r})"
    if STEP_OPERATOR in components:
        operator = components[STEP_OPERATOR]
        raise StackValidationError(
            f"{reason}, so it cannot hold step operator {operator.name!r}:"
            " step operators run steps on other machines"
        )
    for kind in (ORCHESTRATOR, MODEL_DEPLOYER):
        component = components.get(kind)
        if component is not None and not flavors.get(kind, component.flavor).local:
            raise StackValidationError(
                f"{reason}, so its {label(kind)} must run on this machine too;"
                f" {component.name!r} (flavor {component.flavor!r}) is remote"
            )


class Stack:
    """A registered stack with its components; ``artifact_store`` is the live store."""

    def __init__(
        self,
        model: StackModel,
        components: Mapping[str, ComponentModel],
        build_store: Callable[[ComponentModel], ArtifactStore],
    ) -> None:
        self.model = model
        self.components = dict(components)
        self._build_store = build_store

    @property
    def id(self) -> uuid.UUID:
        """The stack's UUID."""
        return self.model.id

    @property
    def name(self) -> str:
        """The stack's name."""
        return self.model.name

    @cached_property
    def artifact_store(self) -> ArtifactStore:
        """The stack's artifact store, ready to use (its directory exists)."""
        return self._build_store(self.components[ARTIFACT_STORE])

    @property
    def orchestrator(self) -> ComponentModel:
        """The stack's orchestrator component."""
        return self.components[ORCHESTRATOR]

    @property
    def step_operator(self) -> ComponentModel | None:
        """The stack's step operator, if it has one."""
        return self.components.get(STEP_OPERATOR)

    @property
    def model_deployer(self) -> ComponentModel | None:
        """The stack's model deployer, if it has one."""
        return self.components.get(MODEL_DEPLOYER)

    def __repr__(self) -> str:
        return f"Stack(name={self.name!r}, id={str(self.id)!r})"
