"""The reusable suite: subclass :class:`ArtifactStoreContract` to check a store.

In the style of fsspec's abstract tests: the mixin is not collected itself
(its name does not start with ``Test``); a subclass defines a ``make_store``
fixture, a callable that gives a new, empty store on every call, and may set
the ``capabilities`` class attribute (or override ``contract_capabilities``)::

    class TestMyStore(ArtifactStoreContract):
        capabilities = Capabilities(empty_directories=False)

        @pytest.fixture
        def make_store(self, tmp_path_factory):
            return lambda: MyStore(tmp_path_factory.mktemp("store"))

Every row and every state-machine example gets its own store, so no call of
one can change what another sees. It runs one test per row of the contract
table and one stateful test.

It is safe on the worst store: a call that changes things and names a path
outside the root names the contract's own sandbox, and a store that harms what
lies around its root (the directory that holds it) fails the test that did it;
the class's contract tests after it fail at once without calling the store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import pytest

from ..artifact_store import ArtifactStore
from ..capabilities import FULL, Capabilities
from ._machine import guarded
from ._rows import ROWS, Row
from ._runner import check_row, explore, program_of, shortest_calls
from ._sandbox import RunStopped, Sandbox
from ._settings import suite_limits

#: The classes whose store harmed what lies around its root, with what it did (per session).
_HARMED = pytest.StashKey[dict[type, str]]()


def _row_id(row: Row) -> str:
    return f"{row.operation}-{row.situation}".replace(" ", "_")


class ArtifactStoreContract:
    """Mixin: the whole contract, run on stores made by the subclass's ``make_store`` fixture."""

    capabilities: ClassVar[Capabilities] = FULL
    #: (examples, steps) of the state machine in a quick run, for a slow (remote) store;
    #: None: the quick limits. The thorough profile overrides both.
    stateful_limits: ClassVar[tuple[int, int] | None] = None

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        # One row test per table row; none where make_store is missing, so the
        # missing fixture is one error (from the stateful test), not one per row.
        if "row" in metafunc.fixturenames:
            if _defines_make_store(type(self)):
                metafunc.parametrize("row", ROWS, ids=_row_id)
            else:  # pytest < 8 asks the ids of the empty set's placeholder too
                metafunc.parametrize("row", [])

    @pytest.fixture
    def make_store(self) -> Callable[[], ArtifactStore]:
        """Override: a callable that gives a new, empty store on every call."""
        pytest.fail(_missing_make_store(type(self)), pytrace=False)

    @pytest.fixture
    def contract_capabilities(self) -> Capabilities:
        """What the store under test promises (default: the class's ``capabilities``)."""
        return self.capabilities

    def test_contract_row(
        self,
        request: pytest.FixtureRequest,
        row: Row,
        make_store: Callable[[], ArtifactStore],
        contract_capabilities: Capabilities,
    ) -> None:
        if not row.applies_to(contract_capabilities):
            pytest.skip(f"this row is for stores with {row.condition}")
        harmed = self._not_harmed(request)
        with Sandbox() as sandbox:
            make = guarded(make_store, sandbox)
            try:
                violation = check_row(row, make(), contract_capabilities, sandbox)
                if violation is not None:
                    violation = shortest_calls(violation, make, contract_capabilities, sandbox)
            except RunStopped as stop:
                harmed[type(self)] = f"{request.node.nodeid}: {stop.reason}"
                shown = f"\n{program_of(stop.violation, self._opening())}" if stop.violation else ""
                pytest.fail(f"{stop.reason}{shown}", pytrace=False)
        if violation is not None:
            pytest.fail(
                f"{violation.problem.kind} ({violation.source}):\n{program_of(violation, self._opening())}",
                pytrace=False,
            )

    def test_contract_stateful(
        self,
        request: pytest.FixtureRequest,
        make_store: Callable[[], ArtifactStore],
        contract_capabilities: Capabilities,
    ) -> None:
        harmed = self._not_harmed(request)
        examples, steps = suite_limits(self.stateful_limits)
        given = request.config.getoption("hypothesis_seed", None)
        seed = int(given) if given is not None else None
        report = explore(
            make_store,
            contract_capabilities,
            examples=examples,
            steps=steps,
            seed=seed,
            opening=self._opening(),
        )
        found = [
            f"{entry.kind}, seen {entry.count} time(s):\n{entry.violation.program}"
            for entry in report.ordered()
        ]
        if report.stopped:
            harmed[type(self)] = f"{request.node.nodeid}: {report.stopped}"
            found.insert(0, report.stopped)
        if found:
            pytest.fail("\n\n".join(found), pytrace=False)

    def _not_harmed(self, request: pytest.FixtureRequest) -> dict[type, str]:
        """The session's record of harmful stores; fails at once if this class's store was one."""
        harmed = request.config.stash.setdefault(_HARMED, {})
        if type(self) in harmed:
            pytest.fail(
                "not run: an earlier contract test of this class found its store harming what lies"
                f" around its root ({harmed[type(self)]})",
                pytrace=False,
            )
        return harmed

    def _opening(self) -> str:
        return f"store = make_store()  # make_store: the callable {type(self).__name__}.make_store returns"


def _defines_make_store(cls: type[Any]) -> bool:
    """Whether a class below the mixin defines ``make_store`` (looked up without descriptors)."""
    owner = next(klass for klass in cls.__mro__ if "make_store" in vars(klass))
    return owner is not ArtifactStoreContract


def _missing_make_store(cls: type[Any]) -> str:
    old = " (a store fixture is not enough: one store reused by every example lets them change each other)"
    return (
        f"pytest-localstore: {cls.__name__} runs the ArtifactStoreContract but defines no make_store"
        " fixture; add one to the class that returns a callable giving a new, empty store on every"
        " call, e.g. `return lambda: MyStore(tmp_path_factory.mktemp('store'))`"
        f"{old if hasattr(cls, 'store') else ''}"
    )
