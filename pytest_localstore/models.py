"""What the registry holds: components, stacks and which stack is active."""

from __future__ import annotations

import re

from .errors import InvalidNameError, UnknownTypeError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import uuid
    from collections.abc import Mapping
    from typing import Any

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


class Frozen:
    """An immutable record: set once in ``__init__``, compared and shown by ``_fields``."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()
    #: The fields that take part in ``==`` and ``hash`` (default: all of ``_fields``).
    _compared: tuple[str, ...] | None = None

    def _set(self, **values: object) -> None:
        for key, value in values.items():
            object.__setattr__(self, key, value)

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: cannot set {key!r}")

    def _key(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self._compared or self._fields)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key()[:1])

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({shown})"


class ComponentModel(Frozen):
    """A registered stack component: what it is, not a live object.

    ``id`` is a ``uuid.UUID``; ``id_text`` is the same id as the registry writes
    it, which is what lookups compare (so reading the registry needs no ``uuid``).
    """

    __slots__ = ("config", "flavor", "id_text", "name", "type")
    _fields = ("id_text", "name", "type", "flavor", "config")
    id_text: str
    name: str
    type: str
    flavor: str
    config: Mapping[str, Any]

    def __init__(
        self, id: uuid.UUID | str, name: str, type: str, flavor: str, config: Mapping[str, Any] | None = None
    ) -> None:
        self._set(
            id_text=id_text(id), name=name, type=type, flavor=flavor, config={} if config is None else config
        )

    @property
    def id(self) -> uuid.UUID:
        """The component's UUID."""
        return as_uuid(self.id_text)


class StackModel(Frozen):
    """A registered stack: a name and one component id per type it uses."""

    __slots__ = ("id_text", "member_ids", "name")
    _fields = ("id_text", "name", "member_ids")
    id_text: str
    name: str
    #: Component type -> the component's ``id_text``.
    member_ids: Mapping[str, str]

    def __init__(self, id: uuid.UUID | str, name: str, components: Mapping[str, uuid.UUID | str]) -> None:
        self._set(
            id_text=id_text(id),
            name=name,
            member_ids={kind: id_text(cid) for kind, cid in components.items()},
        )

    @property
    def id(self) -> uuid.UUID:
        """The stack's UUID."""
        return as_uuid(self.id_text)

    @property
    def components(self) -> dict[str, uuid.UUID]:
        """Component type -> the UUID of the stack's component of that type."""
        return {kind: as_uuid(cid) for kind, cid in self.member_ids.items()}


class RegistryState:
    """The whole registry, as read from and written to the registry file."""

    __slots__ = ("active_id_text", "components", "stacks")

    def __init__(
        self,
        components: list[ComponentModel] | None = None,
        stacks: list[StackModel] | None = None,
        active_stack_id: uuid.UUID | str | None = None,
    ) -> None:
        self.components = [] if components is None else components
        self.stacks = [] if stacks is None else stacks
        self.active_id_text = None if active_stack_id is None else id_text(active_stack_id)

    @property
    def active_stack_id(self) -> uuid.UUID | None:
        """The active stack's UUID, if one is set."""
        return None if self.active_id_text is None else as_uuid(self.active_id_text)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RegistryState) and (
            (self.components, self.stacks, self.active_id_text)
            == (other.components, other.stacks, other.active_id_text)
        )

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"RegistryState({self.components!r}, {self.stacks!r}, {self.active_id_text!r})"

    @classmethod
    def with_default_stack(cls) -> RegistryState:
        """The state on first use: the ``default`` store, orchestrator and stack."""
        store = ComponentModel(new_id(), DEFAULT_NAME, ARTIFACT_STORE, "local")
        orchestrator = ComponentModel(new_id(), DEFAULT_NAME, ORCHESTRATOR, "local")
        stack = StackModel(
            new_id(), DEFAULT_NAME, {ARTIFACT_STORE: store.id_text, ORCHESTRATOR: orchestrator.id_text}
        )
        return cls([store, orchestrator], [stack], stack.id_text)

    def find_component(self, component_type: str, name_or_id: str | uuid.UUID) -> ComponentModel | None:
        """The component of that type with that name (or id), if registered."""
        for component in self.components:
            if component.type == component_type and _matches(component, name_or_id):
                return component
        return None

    def component_by_id(self, component_id: str | uuid.UUID) -> ComponentModel | None:
        """The component with that id (a UUID or its text), if registered."""
        wanted = str(component_id)
        for component in self.components:
            if component.id_text == wanted:
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
        if self.active_id_text is None:
            return None
        return self.find_stack(self.active_id_text)


def _matches(item: ComponentModel | StackModel, name_or_id: str | uuid.UUID) -> bool:
    if isinstance(name_or_id, str):
        return item.name == name_or_id or item.id_text == name_or_id.lower()
    return item.id_text == str(name_or_id)


_ID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")


def id_text(value: uuid.UUID | str) -> str:
    """An id as the registry writes it (lowercase, hyphenated); ValueError if it is no UUID."""
    text = (value if isinstance(value, str) else str(value)).lower()
    if not _ID_TEXT.match(text):
        raise ValueError(f"{value!r} is not a UUID")
    return text


def as_uuid(text: str) -> uuid.UUID:
    """The ``uuid.UUID`` of an id's text (``uuid`` is imported only when one is asked for)."""
    import uuid

    return uuid.UUID(text)


def new_id() -> str:
    """A fresh random id, as text."""
    import uuid

    return str(uuid.uuid4())
