"""ZenML fixtures: a private ZenML client per test, and its default stack's artifact store.

ZenML is imported only by a test that asks for one of them; without the
``zenml`` extra, that test fails with one line naming it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .zenml_sandbox import ZenMLSandbox


@pytest.fixture(scope="session")
def zenml_sandbox(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> ZenMLSandbox:
    """Where this session's private ZenML config directories are made (a ``ZenMLSandbox``).

    One config directory is prepared on first use (about two seconds, once per
    xdist worker); each ``zenml_client`` gets a copy of it. ZenML resolves user
    code (steps, materializers) from the rootdir.
    """
    from .errors import LocalStoreError
    from .zenml_sandbox import ZenMLSandbox
    from .zenml_store import require_zenml

    try:
        require_zenml()
    except LocalStoreError as error:
        pytest.fail(f"pytest-localstore: {error}", pytrace=False)
    return ZenMLSandbox(tmp_path_factory.mktemp("zenml"), source_root=str(pytestconfig.rootpath))


@pytest.fixture
def zenml_client(request: pytest.FixtureRequest, zenml_sandbox: ZenMLSandbox) -> Iterator[Any]:
    """A ``zenml.client.Client`` on a private config directory and SQLite store of this test's own.

    ``ZENML_CONFIG_PATH`` (and the other variables ZenML reads) point at it for
    the test, so ZenML code under test and its subprocesses use it; the default
    stack's local artifact store lives under it. Nothing a test registers
    reaches the next test, and the real ZenML config directory is never read
    or written. A copy of a directory prepared once per session: tens of
    milliseconds per test.
    """
    path = zenml_sandbox.new_config_dir(request.node.name)
    with zenml_sandbox.activated(path) as client:
        yield client


@pytest.fixture
def zenml_artifact_store(zenml_client: Any) -> Any:
    """The active stack's ZenML artifact store (a ZenML ``LocalArtifactStore``), empty.

    Wrap it in ``pytest_localstore.ZenMLArtifactStore`` for this package's store
    API and the contract.
    """
    return zenml_client.active_stack.artifact_store
