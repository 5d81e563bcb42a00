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
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import pytest

from ..artifact_store import ArtifactStore
from ._capabilities import FULL, Capabilities
from ._rows import ROWS, Row
from ._runner import check_row, find_violations, program_of, shortest_calls
from ._settings import suite_limits


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
        self, row: Row, make_store: Callable[[], ArtifactStore], contract_capabilities: Capabilities
    ) -> None:
        if not row.applies_to(contract_capabilities):
            pytest.skip(f"this row is for stores with {row.condition}")
        violation = check_row(row, make_store(), contract_capabilities)
        if violation is not None:
            shortest = shortest_calls(violation, make_store, contract_capabilities)
            pytest.fail(
                f"{violation.problem.kind} ({violation.source}):\n{program_of(shortest, self._opening())}",
                pytrace=False,
            )

    def test_contract_stateful(
        self,
        request: pytest.FixtureRequest,
        make_store: Callable[[], ArtifactStore],
        contract_capabilities: Capabilities,
    ) -> None:
        examples, steps = suite_limits(self.stateful_limits)
        given = request.config.getoption("hypothesis_seed", None)
        seed = int(given) if given is not None else None
        entries = find_violations(
            make_store,
            contract_capabilities,
            examples=examples,
            steps=steps,
            seed=seed,
            opening=self._opening(),
        )
        if entries:
            pytest.fail(
                "\n\n".join(
                    f"{entry.kind}, seen {entry.count} time(s):\n{entry.violation.program}"
                    for entry in entries
                ),
                pytrace=False,
            )

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
