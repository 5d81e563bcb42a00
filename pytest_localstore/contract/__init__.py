"""The filesystem-operation contract every artifact-store flavor must keep.

``ArtifactStoreContract`` is the reusable pytest suite; ``run_contract`` runs
the same checks without pytest (``localstore contract`` uses it);
``ReferenceModel`` is the oracle; ``ROWS`` is the table ``CONTRACT.md`` is
generated from; ``Capabilities`` are what a flavor may declare it cannot do.
Names are imported on first use: Hypothesis comes with the machine and the
runner, pytest only with the suite.
"""

from __future__ import annotations

from .._lazy import attach

#: The public names, and the private module that defines each.
_EXPORTS = {
    "FULL": "pytest_localstore.capabilities",
    "Capabilities": "pytest_localstore.capabilities",
    "ContractViolation": "_machine",
    "contract_machine": "_machine",
    "ReferenceModel": "_model",
    "ROWS": "_rows",
    "Row": "_rows",
    "render_markdown": "_document",
    "Report": "_runner",
    "check_row": "_runner",
    "run_contract": "_runner",
    "THOROUGH_PROFILE": "_settings",
    "register_profiles": "_settings",
    "ArtifactStoreContract": "_suite",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = attach(__name__, _EXPORTS, globals())

TYPE_CHECKING = False
if TYPE_CHECKING:  # the same names, for type checkers
    from ..capabilities import FULL as FULL
    from ..capabilities import Capabilities as Capabilities
    from ._document import render_markdown as render_markdown
    from ._machine import ContractViolation as ContractViolation
    from ._machine import contract_machine as contract_machine
    from ._model import ReferenceModel as ReferenceModel
    from ._rows import ROWS as ROWS
    from ._rows import Row as Row
    from ._runner import Report as Report
    from ._runner import check_row as check_row
    from ._runner import run_contract as run_contract
    from ._settings import THOROUGH_PROFILE as THOROUGH_PROFILE
    from ._settings import register_profiles as register_profiles
    from ._suite import ArtifactStoreContract as ArtifactStoreContract
