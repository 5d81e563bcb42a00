"""The filesystem-operation contract every artifact-store flavor must keep.

``ArtifactStoreContract`` is the reusable pytest suite; ``run_contract`` runs
the same checks without pytest (``localstore contract`` uses it);
``ReferenceModel`` is the oracle; ``ROWS`` is the table ``CONTRACT.md`` is
generated from; ``Capabilities`` are what a flavor may declare it cannot do.
Importing this package imports Hypothesis.
"""

from __future__ import annotations

from ..plugin import THOROUGH_PROFILE
from .capabilities import FULL, Capabilities
from .machine import ContractViolation, contract_machine
from .model import ReferenceModel
from .rows import ROWS, Row, render_markdown
from .runner import Report, check_row, run_contract
from .suite import ArtifactStoreContract, register_profiles

register_profiles()

__all__ = [
    "FULL",
    "ROWS",
    "THOROUGH_PROFILE",
    "ArtifactStoreContract",
    "Capabilities",
    "ContractViolation",
    "ReferenceModel",
    "Report",
    "Row",
    "check_row",
    "contract_machine",
    "register_profiles",
    "render_markdown",
    "run_contract",
]
