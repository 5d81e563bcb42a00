"""The pytest plugin: every test gets its own config directory, stack and store.

Loaded automatically once installed (entry point ``localstore``), or with
``pytest -p localstore``. During a run ``LOCALSTORE_CONFIG_PATH`` points at a
private directory, and the config directory a user would have without the
plugin is watched: a test that writes there anyway fails in teardown, and the
run's summary names it.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from ._flavor_fixtures import (
    _localstore_testbeds,  # noqa: F401  (a fixture: pytest finds it in this module)
    artifact_store,
    azure_artifact_store,
    azure_server,
    flavors_from,
    gcs_artifact_store,
    gcs_server,
    memory_artifact_store,
    s3_artifact_store,
    s3_server,
)
from ._guard import ConfigDirGuard
from ._zenml_fixtures import zenml_artifact_store, zenml_client, zenml_sandbox
from .config import CONFIG_PATH_ENV, config_dir, zenml_config_dir

if TYPE_CHECKING:
    from .artifact_store import ArtifactStore
    from .client import Client
    from .isolation import ConfigDir, ConfigDirFactory
    from .stack import Stack

pytest.register_assert_rewrite("pytest_localstore.contract")

BACKENDS = ("disk", "fake")
DEFAULT_BACKEND = "disk"
#: The real config directories the run must leave alone, each with the fixture to use instead.
_GUARDS = pytest.StashKey[list[tuple[ConfigDirGuard, str]]]()
_TOUCHED = pytest.StashKey[list[str]]()
_FAKE = pytest.StashKey[bool]()
_FLAVORS = pytest.StashKey[list[str]]()
_SESSION = pytest.StashKey[tuple[str, dict[str, "str | None"]]]()
#: The run's private config directory, and the user's own LOCALSTORE_CONFIG_PATH
#: ('' if unset), handed on to the runs it starts (xdist workers, nested pytest).
_RUN_ENV = "LOCALSTORE_RUN_CONFIG_PATH"
_USER_ENV = "LOCALSTORE_USER_CONFIG_PATH"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("localstore", "isolated local artifact stores (pytest-localstore)")
    group.addoption(
        "--localstore-backend",
        choices=BACKENDS,
        default=None,
        help="where the localstore fixtures keep config and stores: 'disk' (a temporary"
        " directory) or 'fake' (pyfakefs). A localstore marker overrides this; default:"
        " the localstore_backend ini value, else disk.",
    )
    group.addoption(
        "--localstore-flavors",
        default=None,
        help="run each test that asks for the artifact_store fixture once per flavor, from"
        " local, memory, s3, gcs, azure (comma-separated); default: the localstore_flavors ini"
        " value, else local.",
    )
    group.addoption(
        "--localstore-s3-endpoint",
        default=None,
        metavar="URL",
        help="an S3 endpoint for the s3 fixtures instead of starting moto's server (also"
        " LOCALSTORE_S3_ENDPOINT).",
    )
    group.addoption(
        "--localstore-gcs-endpoint",
        default=None,
        metavar="URL",
        help="a GCS endpoint for the gcs fixtures instead of starting gcp-storage-emulator (also"
        " LOCALSTORE_GCS_ENDPOINT).",
    )
    group.addoption(
        "--localstore-azure-connection-string",
        default=None,
        metavar="TEXT",
        help="an Azure Blob connection string for the azure fixtures instead of starting Azurite"
        " (also LOCALSTORE_AZURE_CONNECTION_STRING).",
    )
    parser.addini(
        "localstore_flavors",
        "flavors the artifact_store fixture runs each test on: local, memory, s3, gcs, azure"
        " (comma-separated)",
        default="local",
    )
    parser.addini(
        "localstore_backend",
        "default backend of the localstore fixtures: disk or fake (--localstore-backend and"
        " the localstore marker override it)",
        default=DEFAULT_BACKEND,
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    from .contract._settings import THOROUGH_PROFILE, register_profiles

    if config.getoption("hypothesis_profile", None) == THOROUGH_PROFILE:
        register_profiles()  # before Hypothesis's own plugin loads the profile by name
    config.addinivalue_line(
        "markers",
        "localstore(backend): run this test's localstore fixtures on backend 'disk' or 'fake'"
        " (pyfakefs); overrides --localstore-backend and the localstore_backend ini value.",
    )
    ini = config.getini("localstore_backend")
    if ini not in BACKENDS:
        raise pytest.UsageError(f"localstore_backend = {ini!r}: expected one of {', '.join(BACKENDS)}")
    config.stash[_FLAVORS] = flavors_from(config)
    # Isolation starts here, before collection imports any test module, and is
    # undone at unconfigure. A run started inside another (an xdist worker, a
    # nested pytest) inherits the outer run's private directory; it then watches
    # what the user's own setting was, not that directory.
    saved = {name: os.environ.get(name) for name in (CONFIG_PATH_ENV, _RUN_ENV, _USER_ENV)}
    inherited = saved[_RUN_ENV] is not None and saved[CONFIG_PATH_ENV] == saved[_RUN_ENV]
    user_setting = (saved[_USER_ENV] or "") if inherited else (saved[CONFIG_PATH_ENV] or "")
    config.stash[_GUARDS] = [
        (ConfigDirGuard(config_dir({**os.environ, CONFIG_PATH_ENV: user_setting})), "localstore_config"),
        (ConfigDirGuard(zenml_config_dir()), "zenml_client"),
    ]
    config.stash[_TOUCHED] = []
    private = tempfile.mkdtemp(prefix="localstore-session-")
    os.environ.update({CONFIG_PATH_ENV: private, _RUN_ENV: private, _USER_ENV: user_setting})
    config.stash[_SESSION] = (private, saved)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each test that asks for ``artifact_store`` once per flavor in ``--localstore-flavors``."""
    if "artifact_store" in metafunc.fixturenames:
        flavors = metafunc.config.stash[_FLAVORS]
        metafunc.parametrize("artifact_store", flavors, indirect=True, ids=flavors)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    if _SESSION not in config.stash:
        return
    private, saved = config.stash[_SESSION]
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    shutil.rmtree(private, ignore_errors=True)


def _backend_for(node: pytest.Item, config: pytest.Config) -> str:
    """The backend of *node*: marker, else option, else ini, else ``disk``."""
    marker = node.get_closest_marker("localstore")
    if marker is not None:
        unknown = sorted(set(marker.kwargs) - {"backend"})
        if marker.args or unknown:
            given = ", ".join([*map(repr, marker.args), *(f"{k}={marker.kwargs[k]!r}" for k in unknown)])
            raise pytest.UsageError(
                f"@pytest.mark.localstore({given}) on {node.nodeid}: expected"
                f" @pytest.mark.localstore(backend=...) with backend one of {', '.join(BACKENDS)}"
            )
        if "backend" in marker.kwargs:
            backend = marker.kwargs["backend"]
            if backend not in BACKENDS:
                raise pytest.UsageError(
                    f"@pytest.mark.localstore(backend={backend!r}) on {node.nodeid}:"
                    f" expected one of {', '.join(BACKENDS)}"
                )
            return str(backend)
    option = config.getoption("localstore_backend")
    if option is not None:
        return str(option)
    return str(config.getini("localstore_backend"))


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    messages = [
        f"pytest-localstore: {item.nodeid} wrote to the real config directory {guard.path}"
        f" ({'; '.join(changes)}); use the {instead} fixture instead"
        for guard, instead in item.config.stash[_GUARDS]
        if (changes := guard.changes())
    ]
    if messages:
        item.config.stash[_TOUCHED].extend(messages)
        pytest.fail("\n".join(messages), pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    if call.excinfo is not None and item.stash.get(_FAKE, False) and _bad_descriptor(call.excinfo.value):
        report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
        report.sections.append(("pytest-localstore", FAKE_BACKEND_LIMITS))


#: Said where a fake-backend test fails with EBADF, which is how pyfakefs's limits show.
FAKE_BACKEND_LIMITS = (
    "this test runs on the fake backend (pyfakefs), where 'Bad file descriptor' comes from"
    " what pyfakefs cannot fake: subprocesses (their pipes, and the child cannot see the fake"
    " filesystem) and real-disk paths such as tmp_path. Run it on the disk backend:"
    " @pytest.mark.localstore(backend='disk')."
)


def _bad_descriptor(error: BaseException | None) -> bool:
    seen = 0
    while error is not None and seen < 20:
        if isinstance(error, OSError) and error.errno == errno.EBADF:
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    touched: list[str] = [*config.stash[_TOUCHED]]
    for guard, _ in config.stash[_GUARDS]:
        late = guard.changes()
        if late:
            touched.append(f"outside any test: {'; '.join(late)} in {guard.path}")
    if touched:
        terminalreporter.section("pytest-localstore: the real config directory was written", red=True)
        for line in touched:
            terminalreporter.line(line, red=True)


@pytest.fixture(scope="session")
def localstore_config_factory(tmp_path_factory: pytest.TempPathFactory) -> ConfigDirFactory:
    """Make fresh config directories for module- or session-scoped stores.

    ``localstore_config_factory.mktemp("name")`` returns a new, empty
    ``ConfigDir`` below the run's base temporary directory (real disk
    only). Use it as a context manager to point LOCALSTORE_CONFIG_PATH at it.
    """
    from .isolation import ConfigDirFactory

    return ConfigDirFactory(tmp_path_factory.mktemp("localstore"))


@pytest.fixture
def localstore_config(
    request: pytest.FixtureRequest, localstore_config_factory: ConfigDirFactory
) -> Iterator[ConfigDir]:
    """A fresh config directory for this test (a ``ConfigDir``).

    LOCALSTORE_CONFIG_PATH points at it for the test's duration, so code under
    test and the subprocesses it starts use it; the old value comes back after.
    The default stack is created on first use. ``.path`` is the directory,
    ``.client`` the client bound to it. Backend: ``disk`` (a temporary
    directory) or ``fake`` (pyfakefs, shared with the ``fs`` fixture), chosen by
    ``@pytest.mark.localstore(backend=...)``, ``--localstore-backend`` or the
    ``localstore_backend`` ini value, in that order.
    """
    if _backend_for(request.node, request.config) == "fake":
        from ._fake import fake_config

        request.node.stash[_FAKE] = True

        with fake_config(request) as config:
            yield config
        return
    with localstore_config_factory.mktemp(request.node.name) as config:
        yield config


@pytest.fixture
def localstore_client(localstore_config: ConfigDir) -> Client:
    """The ``Client`` bound to this test's config directory."""
    return localstore_config.client


@pytest.fixture
def localstore_default_stack(localstore_config: ConfigDir) -> Stack:
    """This test's ``default`` stack: local artifact store and local orchestrator."""
    return localstore_config.write_default_stack()  # before the test runs: nothing else writes yet


@pytest.fixture
def local_artifact_store(localstore_config: ConfigDir) -> ArtifactStore:
    """The default stack's ``LocalArtifactStore``, empty, under this test's config.

    Its root is ``<config>/local_stores/<artifact-store uuid>``, as ZenML lays it
    out; every path given to it is confined to that root.
    """
    return localstore_config.write_default_stack().artifact_store  # before the test runs


@pytest.fixture
def artifact_store_factory(localstore_config: ConfigDir) -> Callable[..., ArtifactStore]:
    """Register and return more local stores: ``artifact_store_factory("name", path=None)``.

    Without ``path`` the store lives at the default place under this test's
    config directory; with it, at ``path`` (stored absolute).
    """
    return localstore_config.artifact_store


__all__ = [
    "BACKENDS",
    "artifact_store",
    "artifact_store_factory",
    "azure_artifact_store",
    "azure_server",
    "gcs_artifact_store",
    "gcs_server",
    "local_artifact_store",
    "localstore_client",
    "localstore_config",
    "localstore_config_factory",
    "localstore_default_stack",
    "memory_artifact_store",
    "s3_artifact_store",
    "s3_server",
    "zenml_artifact_store",
    "zenml_client",
    "zenml_sandbox",
]
