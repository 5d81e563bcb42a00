"""The registry file in the config directory: read, validate, write safely.

One JSON file, ``registry.json``, holds every component, stack and the active
stack. Changes are transactions: take the lock, read, change, write a temp
file, ``fsync``, ``os.replace``. A throwaway registry (one test's) may skip
the ``fsync`` with ``durable=False``: replacement stays atomic. Readers need no lock. A file that is corrupt,
or written by a newer version, is an error that names the file; it is never
silently replaced.
"""

from __future__ import annotations

import json
import os

from ._atomic import ExclusiveLock, remove_stale_temps, write_atomic
from .errors import RegistryError
from .models import COMPONENT_TYPES, ComponentModel, RegistryState, StackModel

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

REGISTRY_FILE = "registry.json"
LOCK_FILE = "registry.lock"
FORMAT_VERSION = 1


class Registry:
    """The registry of one config directory."""

    def __init__(self, config_path: str, *, durable: bool = True) -> None:
        self.config_path = config_path
        self.durable = durable
        self.file = os.path.join(config_path, REGISTRY_FILE)
        self._lock_file = os.path.join(config_path, LOCK_FILE)

    def read(self) -> RegistryState:
        """The current state; on first use, the default stack is created."""
        state = self._load()
        if state is None:
            with self.transaction() as state:
                pass
        return state

    def create(self, state: RegistryState) -> bool:
        """Write *state* as the first registry of a directory that nobody else writes yet.

        One exclusive create, without the lock and the temporary file a shared
        registry needs: for a new, private directory (a test's, before the test
        runs). False, and nothing written, if a registry is there already.
        """
        try:
            fd = os.open(self.file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        try:
            os.write(fd, encode(state))
        finally:
            os.close(fd)
        return True

    def transaction(self) -> Transaction:
        """Lock, read (or start with the default stack), hand the state to the block, write if changed.

        An exception inside the block leaves the file as it was.
        """
        return Transaction(self)

    def _write_target(self) -> str:
        """The file to replace: the registry, or the file its link points to.

        Replacing a link would cut it loose from its target (a dotfiles set-up),
        so the new content goes to the target, atomically in the target's directory.
        """
        return os.path.realpath(self.file) if os.path.islink(self.file) else self.file

    def _dangling(self) -> RegistryError:
        return RegistryError(
            f"registry {self.file} is a link to {os.path.realpath(self.file)}, which cannot be read;"
            " mount or restore its target, or remove the link"
        )

    def _load(self) -> RegistryState | None:
        try:
            with open(self.file, "rb") as handle:
                raw = handle.read()
        except FileNotFoundError:
            if os.path.islink(self.file):
                raise self._dangling() from None
            return None
        except OSError as error:
            raise RegistryError(f"cannot read registry {self.file}: {error.strerror}") from None
        try:
            return _parse(json.loads(raw))
        except RegistryError as error:
            raise RegistryError(f"registry {self.file} {error}") from None
        except RecursionError:
            raise RegistryError(
                f"registry {self.file} is corrupt (nested too deeply to read); repair or remove it"
            ) from None
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise RegistryError(
                f"registry {self.file} is corrupt ({type(error).__name__}: {error}); repair or remove it"
            ) from None


class Transaction:
    """``with registry.transaction() as state:``: one locked read-change-write of the registry."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self._lock = ExclusiveLock(registry._lock_file, make_parents=True)
        self._before: bytes | None = None
        self._state: RegistryState | None = None

    def __enter__(self) -> RegistryState:
        self._lock.__enter__()
        try:
            loaded = self._registry._load()
        except BaseException:
            self._lock.__exit__()
            raise
        self._state = loaded if loaded is not None else RegistryState.with_default_stack()
        self._before = encode(self._state) if loaded is not None else None
        return self._state

    def __exit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        try:
            if exc_type is None and self._state is not None:
                after = encode(self._state)
                if after != self._before:
                    target = self._registry._write_target()
                    # Under the lock no live writer owns a temporary file: any is a killed one's.
                    remove_stale_temps(target)
                    write_atomic(target, after, durable=self._registry.durable)
        finally:
            self._lock.__exit__()


def encode(state: RegistryState) -> bytes:
    """*state* as the registry file holds it."""
    document = {
        "version": FORMAT_VERSION,
        "components": [
            {
                "id": c.id_text,
                "type": c.type,
                "flavor": c.flavor,
                "name": c.name,
                "config": dict(c.config),
            }
            for c in state.components
        ],
        "stacks": [
            {
                "id": s.id_text,
                "name": s.name,
                "components": dict(s.member_ids),
            }
            for s in state.stacks
        ],
        "active_stack": state.active_id_text,
    }
    return (json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")


def _parse(document: Any) -> RegistryState:
    if not isinstance(document, dict):
        raise ValueError("the top level is not an object")
    version = document["version"]
    if type(version) is not int or version < 1:
        raise ValueError(f"version {version!r} is not a format version (a whole number from 1)")
    if version > FORMAT_VERSION:
        raise RegistryError(
            f"has format version {version}, newer than this pytest-localstore reads"
            f" ({FORMAT_VERSION}); upgrade pytest-localstore"
        )
    components = [_parse_component(item) for item in document["components"]]
    stacks = [_parse_stack(item) for item in document["stacks"]]
    active = document.get("active_stack")
    state = RegistryState(components, stacks, _text(document, "active_stack") if active else None)
    known = {c.id_text for c in components}
    for stack in stacks:
        missing = set(stack.member_ids.values()) - known
        if missing:
            raise ValueError(f"stack {stack.name!r} uses unknown component ids {sorted(missing)}")
    if active and state.active_stack is None:
        raise ValueError(f"the active stack {active} is not registered")
    return state


def _parse_component(item: dict[str, Any]) -> ComponentModel:
    kind = _text(item, "type")
    if kind not in COMPONENT_TYPES:
        raise ValueError(f"unknown component type {kind!r}")
    config = item.get("config", {})
    if not isinstance(config, dict):
        raise ValueError(f"component {item.get('name')!r} has a config that is not an object")
    return ComponentModel(_text(item, "id"), _text(item, "name"), kind, _text(item, "flavor"), config)


def _parse_stack(item: dict[str, Any]) -> StackModel:
    members = item["components"]
    if not isinstance(members, dict):
        raise ValueError(f"stack {item.get('name')!r} has components that are not an object")
    return StackModel(_text(item, "id"), _text(item, "name"), members)


def _text(item: dict[str, Any], key: str) -> str:
    value = item[key]
    if not isinstance(value, str):
        raise ValueError(f"{key} {value!r} is not a string")
    return value
