"""Contract targets: the names ``localstore contract`` takes, resolved to testbeds.

A target is an artifact-store flavor (built in, or registered by a plugin
through the ``localstore.flavors`` entry point), one of ZenML's own stores
(``zenml:local``, ``zenml:s3``), ``all`` (each of those whose packages are
installed), or a factory: ``MODULE:FACTORY`` returning a fresh
:class:`ArtifactStore`, ``zenml:MODULE:FACTORY`` a fresh ZenML store. Names
come from the flavor registry and nowhere else.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from .artifact_store import ArtifactStore
from .capabilities import Capabilities
from .errors import LocalStoreError, UnknownFlavorError
from .flavors import FlavorRegistry
from .models import ARTIFACT_STORE
from .testbed import FRESH, REMOTE_JOBS, Testbed, declared_by

if TYPE_CHECKING:
    from .testbed import MakeStore


class TargetError(LocalStoreError):
    """A target that cannot be used; the message is one line."""


def target_names(flavors: FlavorRegistry) -> list[str]:
    """Every named target: the artifact-store flavors, then ZenML's stores."""
    from .zenml_testbeds import ZENML_TESTBEDS

    return [flavor.name for flavor in flavors.list(ARTIFACT_STORE)] + list(ZENML_TESTBEDS)


def targets_for(spec: str, flavors: FlavorRegistry | None = None) -> list[Testbed]:
    """The testbeds *spec* names (``local`` has two: the disk and pyfakefs); TargetError if unusable."""
    registry = flavors if flavors is not None else FlavorRegistry()
    if spec == "all":
        return [testbed for name in target_names(registry) for testbed in _if_usable(name, registry)]
    head, _, rest = spec.partition(":")
    if head == "zenml" and ":" in rest:
        return [_zenml_factory_target(spec, rest)]
    if head != "zenml" and ":" in spec:
        return [_factory_target(spec, spec, ArtifactStore, "an ArtifactStore")]
    try:
        if head != "zenml":
            message = registry.get(ARTIFACT_STORE, spec).unmet(f"target {spec!r}:")
            if message is not None:
                raise TargetError(message)
        return list(registry.testbeds(spec))
    except UnknownFlavorError:
        raise TargetError(f"target {spec!r}: {_expected(registry)}") from None
    except TargetError:
        raise
    except LocalStoreError as error:
        raise TargetError(f"target {spec!r}: {error}") from None


def _if_usable(name: str, registry: FlavorRegistry) -> list[Testbed]:
    """The testbeds of target *name* for ``all``: none if its packages are missing, and none,
    with a warning that says why, if it cannot be tested (a plugin's flavor that needs options)."""
    if not _installed(name, registry):
        return []
    try:
        return targets_for(name, registry)
    except TargetError as error:
        import warnings

        warnings.warn(f"{error}: left out of 'all'", stacklevel=3)
        return []


def _installed(name: str, registry: FlavorRegistry) -> bool:
    """Whether the packages the target *name* needs are all there (found without importing them)."""
    from ._extras import missing_package
    from .zenml_testbeds import ZENML_TESTBEDS

    if name in ZENML_TESTBEDS:
        extra = ZENML_TESTBEDS[name][1]
        return missing_package("zenml") is None and (extra is None or missing_package(extra) is None)
    return registry.get(ARTIFACT_STORE, name).unmet("") is None


def _expected(registry: FlavorRegistry) -> str:
    return f"expected one of {', '.join(target_names(registry))}, all, zenml:MODULE:FACTORY or MODULE:FACTORY"


def _zenml_factory_target(spec: str, named: str) -> Testbed:
    """``zenml:MODULE:FACTORY``: the ZenML stores a factory makes, through the adapter."""
    from .zenml_store import require_zenml

    try:
        require_zenml()  # missing or unsupported: one line
    except LocalStoreError as error:
        raise TargetError(f"target {spec!r}: {error}") from None
    from zenml.artifact_stores import BaseArtifactStore

    return _factory_target(
        spec, named, BaseArtifactStore, "a ZenML artifact store", wrap="ZenMLArtifactStore"
    )


def _factory_target(spec: str, named: str, kind: type, expected: str, wrap: str | None = None) -> Testbed:
    """The target of the factory *named* (``MODULE:FACTORY``): its stores are *kind*, handed on
    through the class *wrap* (imported from ``pytest_localstore``) if given."""
    factory = _factory(named, spec)
    probe = _probe(factory, spec)
    if not isinstance(probe, kind):
        raise TargetError(f"target {spec!r}: the factory returned {probe!r}: expected {expected}")
    module_name, _, attribute = named.partition(":")
    # Declared on the factory, else by the class of the stores it makes (the local store's if none).
    capabilities = getattr(factory, "capabilities", None)
    if capabilities is None:
        capabilities = declared_by(probe)
    elif not isinstance(capabilities, Capabilities):
        raise TargetError(f"target {spec!r}: {attribute}.capabilities is not a Capabilities")
    make: MakeStore = factory
    if wrap is not None:
        make = _wrapped(factory, getattr(importlib.import_module("pytest_localstore"), wrap))

    def stores() -> Iterator[MakeStore]:
        yield make

    call = f"{module_name}.{attribute}()"
    imports = f"import {module_name}\n" + (f"from pytest_localstore import {wrap}\n" if wrap else "")
    opening = f"{imports}\nstore = {f'{wrap}({call})' if wrap else call}{FRESH}"
    # Jobs as for a flavor's stores behind a network; stores on this disk get one whatever this says.
    return Testbed(spec, opening, stores, capabilities, jobs=REMOTE_JOBS)


def _wrapped(factory: Callable[[], Any], wrapper: Callable[[Any], ArtifactStore]) -> MakeStore:
    """*factory*'s stores handed on through *wrapper*, made one at a time (ZenML builds its
    stores from one global configuration); a false ``threadsafe`` on *factory* is kept."""
    one_at_a_time = threading.Lock()

    def make() -> ArtifactStore:
        with one_at_a_time:
            return wrapper(factory())

    make.threadsafe = getattr(factory, "threadsafe", True)  # type: ignore[attr-defined]
    return make


def _factory(spec: str, target: str) -> Callable[[], Any]:
    """The callable that *spec* (``MODULE:FACTORY``) names; TargetError naming *target*."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute or ":" in attribute:
        raise TargetError(f"target {target!r}: {_expected(FlavorRegistry())}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except Exception as error:
        raise TargetError(
            f"target {target!r}: cannot import {module_name!r}: {type(error).__name__}: {error}"
        ) from None
    factory = getattr(module, attribute, None)
    if not callable(factory):
        raise TargetError(f"target {target!r}: {module_name} has no callable {attribute!r}")
    return factory  # type: ignore[no-any-return]


def _probe(factory: Callable[[], Any], target: str) -> Any:
    """One store from *factory*, to check it before the run; TargetError if it raises."""
    try:
        return factory()
    except Exception as error:
        raise TargetError(f"target {target!r}: the factory raised {type(error).__name__}: {error}") from None
