"""Testbeds: how the stores of one flavor are made for a test or a contract run.

A :class:`Testbed` is what a flavor declares so that it can be tested: how to
set up the place its stores live (a temporary directory, a server started for
the run) and make fresh, empty stores there; the capabilities they are judged
against; and the opening lines of a program that makes one, which a contract
report prints before the calls that show a violation. A flavor that declares
none gets :func:`flavor_testbed`: stores built by the flavor itself in a
private config directory, as ``localstore register`` would build them.
"""

from __future__ import annotations

from .errors import LocalStoreError
from .models import Frozen

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from contextlib import AbstractContextManager
    from typing import Any, Protocol

    from .artifact_store import ArtifactStore
    from .capabilities import Capabilities
    from .flavors import Flavor

    #: Makes fresh, empty stores: each call one more.
    MakeStore = Callable[[], ArtifactStore]
    #: A generator function, as a pytest yield fixture: it sets up where the stores live,
    #: yields what makes them, and stops it all when resumed.
    Stores = Callable[[], Iterator[MakeStore]]

    class Server(Protocol):
        """A server for tests (``S3Server``, ``GcsServer``, ``AzureServer``): stopped on leaving."""

        @property
        def started_here(self) -> bool: ...
        def __enter__(self) -> Any: ...
        def __exit__(self, kind: Any, error: Any, trace: Any, /) -> None: ...
        def filesystem(self) -> Any: ...


#: How many rows and examples a contract run checks at once on a store behind a network (a
#: server on this machine included): each call mostly waits for its answer.
REMOTE_JOBS = 8

#: What a reported program says after the line that makes its store.
FRESH = "  # a fresh, empty store"


class Testbed(Frozen):
    """Fresh stores of one flavor, what they promise, and how a report's program makes one.

    *label* is the name a report gives it (the flavor's, or the flavor's with a
    qualifier: ``local (disk)``); *opening* the code that makes a fresh store in
    a reported program (ending in ``store = ...``); *stores* the generator
    function that sets up where they live and yields what makes them;
    *capabilities* what they are judged against (None: the ``capabilities``
    their class declares, else those of the local store); *jobs* how many rows and examples
    a contract run checks at once by default (more for stores that wait on a network).
    """

    __test__ = False  # not a test class, whatever its name
    __slots__ = ("capabilities", "jobs", "label", "opening", "stores")
    _fields = ("label", "capabilities")
    label: str
    opening: str
    stores: Stores
    capabilities: Capabilities | None
    jobs: int

    def __init__(
        self,
        label: str,
        opening: str,
        stores: Stores,
        capabilities: Capabilities | None = None,
        *,
        jobs: int = 1,
    ) -> None:
        self._set(label=label, opening=opening, stores=stores, capabilities=capabilities, jobs=jobs)

    def setup(self) -> AbstractContextManager[MakeStore]:
        """``with testbed.setup() as make_store:``: the stores' place, stopped on leaving."""
        import contextlib

        return contextlib.contextmanager(self.stores)()

    def judged_by(self, make_store: MakeStore) -> Capabilities:
        """The capabilities given, else those the class of a store from *make_store* declares."""
        return self.capabilities if self.capabilities is not None else declared_by(make_store())


def declared_by(store: object) -> Capabilities:
    """The ``capabilities`` a store's class declares, else those of the local store (all kept)."""
    from .capabilities import Capabilities

    declared = getattr(type(store), "capabilities", None)
    return declared if isinstance(declared, Capabilities) else Capabilities()


def flavor_testbed(flavor: Flavor) -> Testbed:
    """Stores built by *flavor* with its defaults, in a private config directory removed at the end.

    Enough for a flavor that declares only ``build`` and needs no option: each
    store is a new component, built as a registered one would be.
    """
    import itertools
    import tempfile

    from .models import ARTIFACT_STORE, ComponentModel, new_id

    if flavor.build is None:
        raise LocalStoreError(f"flavor {flavor.name!r} cannot make stores to test: it has no build function")
    opening = (
        "import tempfile\n\n"
        "from pytest_localstore import Client\n\n"
        "client = Client(tempfile.mkdtemp())\n"
        f"client.register_component('artifact_store', 'store', {flavor.name!r})\n"
        f"store = client.artifact_store('store'){FRESH}"
    )
    build = flavor.build
    with tempfile.TemporaryDirectory(prefix="localstore-testbed-") as trial:
        _config_without_options(flavor, trial)  # refused now, before any run begins

    def stores() -> Iterator[MakeStore]:
        with tempfile.TemporaryDirectory(prefix="localstore-testbed-") as config_path:
            config = _config_without_options(flavor, config_path)
            numbers = itertools.count()

            def make() -> ArtifactStore:
                component = ComponentModel(
                    new_id(), f"store-{next(numbers)}", ARTIFACT_STORE, flavor.name, config
                )
                store: ArtifactStore = build(component, config_path)
                return store

            yield make

    return Testbed(flavor.name, opening, stores)


def _config_without_options(flavor: Flavor, config_path: str) -> dict[str, Any]:
    """The config *flavor* registers with no options; LocalStoreError if it needs some."""
    try:
        return flavor.prepare_config({}, config_path)
    except Exception as error:
        detail = str(error) if isinstance(error, LocalStoreError) else f"{type(error).__name__}: {error}"
        raise LocalStoreError(
            f"flavor {flavor.name!r} cannot make stores to test with no options ({detail});"
            " declare a Testbed for it"
        ) from None


#: The folder of a new bucket or container that a reported program's store is made in.
OPENING_FOLDER = "store"


def server_opening(store_class: str, module: str, server: str, what: str, make: str, scheme: str) -> str:
    """The opening of a reported program for a store in a new bucket or container on a server:
    below a folder of it, as the run's stores are (a bucket's root answers some calls its own
    way)."""
    return (
        f"from pytest_localstore import {store_class}\n"
        f"from pytest_localstore.{module} import {server}\n\n"
        f"server = {server}.start()  # {what} on 127.0.0.1\n"
        f"place = server.{make}()\n"
        f"store = {store_class}(f'{scheme}://{{place}}/{OPENING_FOLDER}', fs=server.filesystem()){FRESH}"
    )


def stores_on(
    server: Server,
    make_place: Callable[[str], str],
    remove_place: Callable[[str], None],
    store_class: Callable[..., ArtifactStore],
    scheme: str,
) -> Iterator[MakeStore]:
    """Fresh stores below one new bucket or container on *server*, which is stopped at the end."""
    import itertools

    with server:
        place = make_place("localstore-contract")
        fs = server.filesystem()
        numbers = itertools.count()
        try:
            yield lambda: store_class(f"{scheme}://{place}/{next(numbers)}", fs=fs)
        finally:
            if not server.started_here:  # else it goes with the server, at once
                remove_or_warn(remove_place, place)


def remove_or_warn(remove_place: Callable[[str], None], place: str) -> None:
    """Remove the bucket or container *place*; if a store left what cannot go, a warning, not an
    error: a report must not be lost to the clean-up after it."""
    try:
        remove_place(place)
    except Exception as error:
        import warnings

        from ._reach import first_line

        warnings.warn(f"{place!r} was left on the server: {first_line(error)}", stacklevel=2)


def numbered_directories(make: Callable[[str], ArtifactStore]) -> Iterator[MakeStore]:
    """Stores rooted at ``0``, ``1``, ... in a temporary directory removed at the end."""
    import itertools
    import os
    import tempfile

    numbers = itertools.count()
    with tempfile.TemporaryDirectory(prefix="localstore-contract-") as base:
        yield lambda: make(os.path.join(base, str(next(numbers))))


class Testbeds:
    """Testbeds set up once each, when first asked for a store, and all stopped on leaving.

    What the ``artifact_store`` fixture uses for a flavor with no fixture of its
    own: one server (or directory) per session, a fresh store per test.
    """

    __test__ = False  # not a test class, whatever its name

    def __init__(self) -> None:
        import contextlib

        self._stack = contextlib.ExitStack()
        self._makers: dict[int, MakeStore] = {}

    def make_store(self, testbed: Testbed) -> ArtifactStore:
        """A fresh, empty store of *testbed*, set up now if it is not yet."""
        key = id(testbed)
        if key not in self._makers:
            self._makers[key] = self._stack.enter_context(testbed.setup())
        return self._makers[key]()

    def close(self) -> None:
        """Stop every testbed set up, the last first."""
        self._makers.clear()
        self._stack.close()

    def __enter__(self) -> Testbeds:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
