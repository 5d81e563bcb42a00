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
table and the state machine as a few stateful tests, its *shards*
(``stateful_shards``), each with its share of the examples and a seed of its
own drawn from the run's, so pytest-xdist can spread all of them over its
workers.

It is safe on the worst store: a call that changes things and names a path
outside the root names the contract's own sandbox, and a store that harms what
lies around its root (the directory that holds it) fails the test that did it;
the class's contract tests after it fail at once without calling the store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest

from ..artifact_store import ArtifactStore
from ..capabilities import FULL, Capabilities
from ._machine import guarded
from ._rows import ROWS, Row
from ._runner import check_row, explore, new_seed, program_of, shortest_calls
from ._sandbox import RunStopped, Sandbox
from ._settings import suite_limits

#: The classes whose store harmed what lies around its root, with what it did (per session).
_HARMED = pytest.StashKey[dict[type, str]]()
#: The run's seed, as ``--hypothesis-seed`` takes it (per session).
_RUN_SEED = pytest.StashKey[str]()


@dataclass(frozen=True)
class Shard:
    """One stateful test item: the *number*-th (from 1) of *count*, running *examples* examples."""

    number: int
    count: int
    examples: int
    steps: int

    @property
    def id(self) -> str:
        """Its test id: ``shard-K-of-N``."""
        return f"shard-{self.number}-of-{self.count}"


def shards(examples: int, steps: int, wanted: int) -> list[Shard]:
    """*examples* split as evenly as can be over *wanted* shards (fewer if there are fewer
    examples: no shard runs none, unless there are none at all)."""
    count = max(1, min(wanted, examples))
    each, left = divmod(examples, count)
    return [
        Shard(number, count, each + (1 if number <= left else 0), steps) for number in range(1, count + 1)
    ]


def shard_seed(run: str, number: int, count: int) -> int:
    """The seed of shard *number* of *count*, from the run's seed *run*: the run's own if there is
    one shard and *run* is a number (as the single stateful test had), else a hash of both."""
    if count == 1:
        try:
            return int(run)
        except ValueError:
            pass
    return _hashed(f"{run}/{number}")


def run_seed(config: pytest.Config) -> str:
    """The run's seed, once per session: ``--hypothesis-seed`` if given, else one drawn for the
    run (under pytest-xdist, from the run's id, so that every worker draws the same one)."""
    found = config.stash.get(_RUN_SEED, None)
    if found is None:
        given = config.getoption("hypothesis_seed", None)
        run_id = getattr(config, "workerinput", {}).get("testrunuid")
        if given is not None:
            found = str(given)
        elif run_id:
            found = str(_hashed(str(run_id)))
        else:
            found = str(new_seed())
        config.stash[_RUN_SEED] = found
    return found


def _hashed(text: str) -> int:
    """A 32-bit number from *text*, the same on every machine and in every process."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")


def _row_id(row: Row) -> str:
    return f"{row.operation}-{row.situation}".replace(" ", "_")


class ArtifactStoreContract:
    """Mixin: the whole contract, run on stores made by the subclass's ``make_store`` fixture."""

    capabilities: ClassVar[Capabilities] = FULL
    #: (examples, steps) of the state machine in a quick run, for a slow (remote) store;
    #: None: the quick limits. The thorough profile overrides both.
    stateful_limits: ClassVar[tuple[int, int] | None] = None
    #: How many test items the state machine is split into (``test_contract_stateful[shard-K-of-N]``),
    #: so that pytest-xdist can run them at once; the examples are shared out between them, and
    #: each has its own seed, drawn from the run's. Fewer if there are fewer examples; 1: one test.
    stateful_shards: ClassVar[int] = 4

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        # One row test per table row; none where make_store is missing, so the
        # missing fixture is one error (from the stateful test), not one per row.
        defined = _defines_make_store(type(self))
        if "row" in metafunc.fixturenames:
            if defined:
                metafunc.parametrize("row", ROWS, ids=_row_id)
            else:  # pytest < 8 asks the ids of the empty set's placeholder too
                metafunc.parametrize("row", [])
        if "contract_shard" in metafunc.fixturenames:
            wanted = self.stateful_shards
            if isinstance(wanted, bool) or not isinstance(wanted, int) or wanted < 1:
                raise ValueError(
                    f"{type(self).__name__}.stateful_shards must be a whole number >= 1, not {wanted!r}"
                )
            found = shards(*suite_limits(self.stateful_limits), wanted if defined else 1)
            metafunc.parametrize("contract_shard", found, ids=[shard.id for shard in found])

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
            pytest.skip(row.not_for(contract_capabilities))
        harmed = self._not_harmed(request)
        with Sandbox() as sandbox:
            make = guarded(make_store, sandbox)
            try:
                violation = check_row(row, make(), contract_capabilities, sandbox, fresh=make)
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
        contract_shard: Shard,
        make_store: Callable[[], ArtifactStore],
        contract_capabilities: Capabilities,
    ) -> None:
        # One shard of the state machine: its share of the examples, from a seed of its own. (No
        # docstring: the API page documents the members that have one, and this is a test.)
        harmed = self._not_harmed(request)
        shard, run = contract_shard, run_seed(request.config)
        seed = shard_seed(run, shard.number, shard.count)
        report = explore(
            make_store,
            contract_capabilities,
            examples=shard.examples,
            steps=shard.steps,
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
            found.append(
                f"state machine, shard {shard.number} of {shard.count}: {shard.examples} example(s) of up"
                f" to {shard.steps} steps, seed {seed} (from the run's seed {run}); repeat it with"
                f" pytest '{request.node.nodeid}' --hypothesis-seed={run}"
            )
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
