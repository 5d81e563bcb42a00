"""Contract targets for the command-line tests: stores with declared capabilities."""

from __future__ import annotations

import tempfile

from pytest_localstore.contract import Capabilities

from .broken_stores import PrefixConfined


def unconfined() -> PrefixConfined:
    """A store that does not confine, and says so."""
    return PrefixConfined(tempfile.mkdtemp(prefix="unconfined-"))


unconfined.capabilities = Capabilities(confined=False)  # type: ignore[attr-defined]
