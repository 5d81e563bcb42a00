"""Flavors: the kinds of each component type, built in or from entry points.

A :class:`Flavor` names an implementation of one component type and says
whether it runs on this machine (``local=True``) or elsewhere. Packages add
flavors through the entry-point group ``localstore.flavors``; an entry point
loads to a ``Flavor`` or to an iterable of them. Entry points are read only
when a flavor is not built in, or when all flavors are listed, so the CLI
stays fast. An entry point that fails to load is reported once, with a
:class:`BrokenFlavorWarning` naming it, and skipped: the others still load.
"""

from __future__ import annotations

import warnings

from .errors import LocalStoreError, UnknownFlavorError
from .models import ARTIFACT_STORE, Frozen, check_type, label

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from typing import Any

    from .models import ComponentModel
    from .testbed import Testbed

    #: Builds the live object of a component: ``build(component, config_path)``.
    Build = Callable[[ComponentModel, str], Any]
    #: Checks and normalises a config at registration: ``prepare(config, config_path) -> config``.
    Prepare = Callable[[Mapping[str, Any], str], dict[str, Any]]
    #: The config in force, defaults filled in: ``describe(component, config_path) -> config``.
    Describe = Callable[[ComponentModel, str], dict[str, Any]]

ENTRY_POINT_GROUP = "localstore.flavors"


class BrokenFlavorWarning(UserWarning):
    """A ``localstore.flavors`` entry point that could not be loaded; it is skipped."""


class Flavor(Frozen):
    """One kind of one component type (immutable; compared without its functions).

    An artifact-store flavor may also say how it is tested: *testbeds* (how to
    make fresh stores for the contract, with their server if any; default: built
    by *build* in a private config directory), *fixture* (the pytest fixture
    that gives one store to a test; default: one from its first testbed) and
    *extra* (the extra whose packages its stores need).
    """

    __slots__ = (
        "build",
        "describe",
        "description",
        "extra",
        "fixture",
        "local",
        "name",
        "options",
        "prepare",
        "testbeds",
        "type",
    )
    _fields = ("name", "type", "local", "description", "options")
    name: str
    type: str
    local: bool
    description: str
    options: tuple[str, ...]
    prepare: Prepare | None
    build: Build | None
    describe: Describe | None
    testbeds: tuple[Testbed, ...]
    fixture: str | None
    extra: str | None

    def __init__(
        self,
        name: str,
        type: str,
        local: bool,
        description: str = "",
        options: tuple[str, ...] = (),
        prepare: Prepare | None = None,
        build: Build | None = None,
        describe: Describe | None = None,
        testbeds: Iterable[Testbed] = (),
        fixture: str | None = None,
        extra: str | None = None,
    ) -> None:
        self._set(
            name=name,
            type=type,
            local=local,
            description=description,
            options=tuple(options),
            prepare=prepare,
            build=build,
            describe=describe,
            testbeds=tuple(testbeds),
            fixture=fixture,
            extra=extra,
        )

    def replace(self, **changes: Any) -> Flavor:
        """A copy with *changes* (``build=...``, say)."""
        return Flavor(**{**{name: getattr(self, name) for name in self.__slots__}, **changes})

    def prepare_config(self, config: Mapping[str, Any], config_path: str) -> dict[str, Any]:
        """The config to store in the registry at *config_path*, checked: unknown options are refused."""
        unknown = sorted(set(config) - set(self.options))
        if unknown:
            expected = ", ".join(self.options) or "none"
            raise LocalStoreError(
                f"unknown option {unknown[0]!r} for {label(self.type)} flavor {self.name!r}:"
                f" expected {expected}"
            )
        return self.prepare(config, config_path) if self.prepare else dict(config)

    def config_in_force(self, component: ComponentModel, config_path: str) -> dict[str, Any]:
        """The config in force, defaults filled in (what ``describe`` shows)."""
        return self.describe(component, config_path) if self.describe else dict(component.config)

    def unmet(self, what: str) -> str | None:
        """The one-line error if a package of the flavor's extra is missing, else None.

        Found without importing anything: moto and s3fs, say, load only when used.
        """
        from ._extras import unmet

        return None if self.extra is None else unmet(self.extra, what)


class FlavorRegistry:
    """The flavors known to a client: built-ins, extras, then entry points."""

    def __init__(self, flavors: Iterable[Flavor] = (), *, entry_points: bool = True) -> None:
        from .cloud_flavors import CLOUD_FLAVORS
        from .fsspec_flavors import FSSPEC_FLAVORS
        from .local_flavor import LOCAL_FLAVORS

        self._flavors: dict[tuple[str, str], Flavor] = {}
        self._use_entry_points = entry_points
        self._entry_points_loaded = False
        for flavor in (*LOCAL_FLAVORS, *FSSPEC_FLAVORS, *CLOUD_FLAVORS, *flavors):
            self.register(flavor)

    def register(self, flavor: Flavor) -> None:
        """Add *flavor*, replacing one of the same type and name."""
        if not isinstance(flavor, Flavor):
            raise LocalStoreError(f"{flavor!r} is not a Flavor")
        check_type(flavor.type)
        self._flavors[(flavor.type, flavor.name)] = flavor

    def get(self, component_type: str, name: str) -> Flavor:
        """The flavor *name* of *component_type*, or UnknownFlavorError."""
        check_type(component_type)
        key = (component_type, name)
        if key not in self._flavors:
            self._load_entry_points()
        try:
            return self._flavors[key]
        except KeyError:
            known = ", ".join(sorted(f.name for f in self.list(component_type)))
            if not known:
                raise UnknownFlavorError(
                    f"unknown {label(component_type)} flavor {name!r}: no {label(component_type)}"
                    " flavors are installed"
                ) from None
            raise UnknownFlavorError(
                f"unknown {label(component_type)} flavor {name!r}: expected one of {known}"
            ) from None

    def list(self, component_type: str | None = None) -> list[Flavor]:
        """All flavors, or those of one type, sorted by type and name."""
        self._load_entry_points()
        return sorted(
            (f for f in self._flavors.values() if component_type in (None, f.type)),
            key=lambda f: (f.type, f.name),
        )

    def testbeds(self, name: str) -> tuple[Testbed, ...]:
        """How the stores of artifact-store flavor *name*, or of ZenML's ``zenml:NAME``, are tested.

        A flavor's own testbeds, else stores its ``build`` makes with no options.
        UnknownFlavorError for a name that is neither.
        """
        if name.startswith("zenml:"):
            from .zenml_testbeds import zenml_testbed

            return (zenml_testbed(name),)
        flavor = self.get(ARTIFACT_STORE, name)
        if flavor.testbeds:
            return flavor.testbeds
        from .testbed import flavor_testbed

        return (flavor_testbed(flavor),)

    def _load_entry_points(self) -> None:
        if self._entry_points_loaded or not self._use_entry_points:
            return
        self._entry_points_loaded = True
        from importlib.metadata import entry_points

        for entry_point in entry_points(group=ENTRY_POINT_GROUP):
            where = f"flavor entry point {entry_point.name!r} ({entry_point.value})"
            try:
                flavors = _flavors_in(entry_point.load())
            except Exception as error:
                warnings.warn(
                    BrokenFlavorWarning(f"{where} skipped: {type(error).__name__}: {error}"), stacklevel=2
                )
                continue
            for flavor in flavors:
                self.register(flavor)


def _flavors_in(loaded: object) -> list[Flavor]:
    """The flavors an entry point loaded to (one or an iterable of them), checked."""
    if isinstance(loaded, Flavor):
        return [loaded]
    try:
        items: list[object] = list(loaded)  # type: ignore[call-overload]
    except TypeError:
        items = [loaded]
    flavors = []
    for item in items:
        if not isinstance(item, Flavor):
            raise LocalStoreError(f"it gave {item!r}: expected a Flavor or an iterable of Flavors")
        check_type(item.type)
        flavors.append(item)
    return flavors
