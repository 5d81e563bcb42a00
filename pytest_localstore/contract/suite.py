"""The reusable suite: subclass :class:`ArtifactStoreContract` to check a store.

In the style of fsspec's abstract tests: the mixin is not collected itself
(its name does not start with ``Test``); a subclass provides a ``store``
fixture (a fresh, empty store) and may override ``contract_capabilities``
(or set the ``capabilities`` class attribute) and ``store_factory``::

    class TestMyStore(ArtifactStoreContract):
        capabilities = Capabilities(empty_directories=False)

        @pytest.fixture
        def store(self, tmp_path):
            return MyStore(tmp_path)

It runs one test per row of the contract table and one stateful test.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import ClassVar

import pytest

from ..artifact_store import ArtifactStore
from ..plugin import THOROUGH_PROFILE
from .capabilities import FULL, Capabilities
from .machine import find_violations
from .rows import ROWS, Row
from .runner import check_row

#: Hypothesis settings of the stateful test: quick by default, more under a profile.
QUICK_EXAMPLES = 40
QUICK_STEPS = 25


def _row_id(row: Row) -> str:
    return f"{row.operation}-{row.situation}".replace(" ", "_")


def emptied(store: ArtifactStore) -> ArtifactStore:
    """*store* with everything below its root removed, through its own API."""
    for name in store.listdir(store.path):
        path = os.path.join(store.path, name)
        if store.isdir(path):
            store.rmtree(path)
        else:
            store.remove(path)
    return store


class ArtifactStoreContract:
    """Mixin: the whole contract, run against the ``store`` fixture of a subclass."""

    capabilities: ClassVar[Capabilities] = FULL

    @pytest.fixture
    def contract_capabilities(self) -> Capabilities:
        """What the store under test promises (default: the class's ``capabilities``)."""
        return self.capabilities

    @pytest.fixture
    def store_factory(self, store: ArtifactStore) -> Callable[[], ArtifactStore]:
        """Fresh, empty stores: by default the ``store`` fixture, emptied each time."""
        return lambda: emptied(store)

    @pytest.mark.parametrize("row", ROWS, ids=_row_id)
    def test_contract_row(
        self, row: Row, store_factory: Callable[[], ArtifactStore], contract_capabilities: Capabilities
    ) -> None:
        if not row.applies_to(contract_capabilities):
            pytest.skip(f"the store does not promise {row.needs}")
        program = check_row(row, store_factory(), contract_capabilities)
        if program is not None:
            pytest.fail(program, pytrace=False)

    def test_contract_stateful(
        self, store_factory: Callable[[], ArtifactStore], contract_capabilities: Capabilities
    ) -> None:
        from hypothesis import HealthCheck, settings

        current = settings()
        thorough = _current_profile_name() == THOROUGH_PROFILE
        config = settings(
            current,
            max_examples=current.max_examples if thorough else min(current.max_examples, QUICK_EXAMPLES),
            stateful_step_count=current.stateful_step_count if thorough else QUICK_STEPS,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        violations = find_violations(store_factory, contract_capabilities, config)
        if violations:
            pytest.fail("\n\n".join(program for _, program in violations), pytrace=False)


def _current_profile_name() -> str:
    from hypothesis import settings

    getter = getattr(settings, "get_current_profile_name", None)  # Hypothesis >= 6.118
    return str(getter() if getter else getattr(settings, "_current_profile", "default"))


def register_profiles() -> None:
    """``--hypothesis-profile=localstore-thorough``: 1000 examples of up to 50 steps."""
    from hypothesis import settings

    settings.register_profile(THOROUGH_PROFILE, max_examples=1000, stateful_step_count=50, deadline=None)
