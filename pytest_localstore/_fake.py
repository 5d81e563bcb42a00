"""The pyfakefs side of the ``fake`` backend, imported only when a test uses it."""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import pathlib
import stat
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

# Everything a fake-backend test touches is imported before pyfakefs patches:
# pyfakefs unloads modules first imported during a test, and importing them
# again under the fake filesystem costs a fresh compile each time.
from . import fsspec_flavors, isolation, local_store  # noqa: F401
from .config import FAKE_BACKEND_ENV
from .flavors import Flavor, FlavorRegistry
from .local_flavor import LOCAL_FLAVORS, LOCAL_STORES_DIR, default_store_path
from .models import ARTIFACT_STORE, DEFAULT_NAME, ComponentModel, RegistryState
from .registry import REGISTRY_FILE, encode

#: The methods through which Hypothesis's directory database touches the disk.
#
#: Hypothesis has no public hook around its database's file I/O, and pyfakefs's
#: ``fs`` fixture (shared with the test) takes no per-test skip list; so these
#: public methods of the public ``DirectoryBasedExampleDatabase`` are wrapped
#: for the test's duration, and ``_make_paths_real`` relies on an instance
#: keeping its paths as attributes (``path``, and a dict cache of key paths).
#: ``tests/test_fake.py`` fails if either stops being true.
_DATABASE_METHODS = ("fetch", "save", "delete", "move")


#: Where the fake backend's config directory is, inside pyfakefs.
FAKE_CONFIG_PATH = "/localstore-config"
#: Fixtures that give real-disk paths, which the fake filesystem hides.
_REAL_PATH_FIXTURES = ("tmp_path", "tmpdir")


@contextlib.contextmanager
def fake_config(request: pytest.FixtureRequest) -> Iterator[isolation.ConfigDir]:
    """A config directory inside pyfakefs, in force (``LOCALSTORE_CONFIG_PATH``) for the block.

    What the fake backend cannot do is refused with the reason: a real-disk
    ``tmp_path`` in the same test, and a subprocess (which cannot see the fake
    filesystem) using this config directory.
    """
    real_paths = [name for name in _REAL_PATH_FIXTURES if name in request.fixturenames]
    if real_paths:
        pytest.fail(
            f"pytest-localstore: {request.node.nodeid} uses {real_paths[0]} with the fake backend:"
            f" {real_paths[0]} is on the real disk, which pyfakefs hides; use the disk backend"
            " (@pytest.mark.localstore(backend='disk')) or paths inside the fake filesystem",
            pytrace=False,
        )
    fs = fake_filesystem(request)
    # A fixed place: tempfile.gettempdir() under pyfakefs probes the disk by writing files.
    config = isolation.ConfigDir(
        FAKE_CONFIG_PATH,
        flavors=FlavorRegistry([_local_flavor_on(fs)]),
        lay_out=functools.partial(_lay_out_default_stack, fs),
    )
    if not _DEFAULT_STACK_FIXTURES & set(request.fixturenames):
        fs.create_dir(FAKE_CONFIG_PATH)  # else laying out the default stack makes it
    saved = os.environ.get(FAKE_BACKEND_ENV)
    os.environ[FAKE_BACKEND_ENV] = str(os.getpid())
    try:
        with config:
            yield config
    finally:
        if saved is None:
            os.environ.pop(FAKE_BACKEND_ENV, None)
        else:
            os.environ[FAKE_BACKEND_ENV] = saved


#: Fixtures that lay out the default stack before the test runs.
_DEFAULT_STACK_FIXTURES = {"local_artifact_store", "localstore_default_stack"}


def _lay_out_default_stack(fs: Any, config: isolation.ConfigDir, state: RegistryState) -> bool:
    """The first registry and its default store's directory, made by pyfakefs directly.

    What ``ConfigDir.write_default_stack`` and the store's first use do,
    without running each step through pyfakefs's emulation of ``os``. A new
    config directory is built as pyfakefs's public ``FakeDirectory`` and
    ``FakeFile`` objects and added in one step: a tenth of the cost of
    ``create_file`` plus ``create_dir``, which resolve and check each path.
    False if a registry is there already.
    """
    from pyfakefs.fake_file import FakeDirectory, FakeFile

    store = state.find_component(ARTIFACT_STORE, DEFAULT_NAME)
    assert store is not None
    contents = encode(state).decode("utf-8")
    top = FakeDirectory(config.path.name, perm_bits=_DIR_PERMISSIONS, filesystem=fs)
    top.add_entry(FakeFile(REGISTRY_FILE, _FILE_MODE, contents, filesystem=fs, encoding="utf-8"))
    stores = FakeDirectory(LOCAL_STORES_DIR, perm_bits=_DIR_PERMISSIONS, filesystem=fs)
    stores.add_entry(FakeDirectory(store.id_text, perm_bits=_DIR_PERMISSIONS, filesystem=fs))
    top.add_entry(stores)
    try:
        fs.add_object(str(config.path.parent), top)
        return True
    except FileExistsError:  # the config directory is there: add to it, unless it has a registry
        pass
    try:
        fs.create_file(os.path.join(config.path, REGISTRY_FILE), contents=contents)
    except FileExistsError:
        return False
    fs.create_dir(default_store_path(str(config.path), store.id_text))
    return True


def _local_flavor_on(fs: Any) -> Flavor:
    """The ``local`` artifact-store flavor, building its stores on pyfakefs's own path resolution.

    pyfakefs's emulated ``os.path.realpath`` walks the path one ``lstat`` at a
    time through its ``os``; ``resolve`` finds the same directory directly.
    """
    local = LOCAL_FLAVORS[0]
    describe = local.describe
    assert describe is not None

    def build(component: ComponentModel, config_path: str) -> local_store.LocalArtifactStore:
        path = describe(component, config_path)["path"]
        try:
            found = fs.resolve(path)  # every link followed, as realpath does
        except OSError:
            found = None
        if found is not None and stat.S_ISDIR(found.st_mode) and found.path == path:
            # Absolute, resolved and a directory already: nothing for the store to resolve or make.
            return local_store.LocalArtifactStore._on_resolved_root(
                path, name=component.name, id=component.id
            )
        return local_store.LocalArtifactStore(path, name=component.name, id=component.id)

    return local.replace(build=build)


#: What ``create_dir`` and ``create_file`` would give under the usual umask (022).
_DIR_PERMISSIONS = 0o755
_FILE_MODE = stat.S_IFREG | 0o644


def fake_filesystem(request: pytest.FixtureRequest) -> Any:
    """pyfakefs's ``fs`` for this test, shared with the test if it asks for ``fs`` too.

    While it is active, Hypothesis's example database keeps working on the
    real disk, so saved failing examples survive the fake filesystem.
    """
    stack = contextlib.ExitStack()
    request.addfinalizer(stack.close)
    stack.enter_context(hypothesis_database_on_real_disk())
    _ensure_pyfakefs_plugin(request.config)
    return request.getfixturevalue("fs")


def _ensure_pyfakefs_plugin(config: pytest.Config) -> None:
    """Load pyfakefs's own pytest plugin if this run did not (e.g. autoload is off).

    Its import keeps pytest's capture and path modules out of the fake
    filesystem, and its hooks pause the fake filesystem while pytest reports;
    a bare ``Patcher`` has neither, and pytest's capture then fails with
    ``Bad file descriptor``.
    """
    from pyfakefs import pytest_plugin

    manager = config.pluginmanager
    if not manager.is_registered(pytest_plugin) and not manager.is_blocked("fakefs"):
        manager.register(pytest_plugin, "fakefs")
    if not manager.is_registered(pytest_plugin):
        raise pytest.UsageError(
            "the localstore fake backend needs pyfakefs's pytest plugin, which this run blocks"
            " (-p no:fakefs); allow it or use --localstore-backend=disk"
        )


@contextlib.contextmanager
def hypothesis_database_on_real_disk() -> Iterator[None]:
    """Pause pyfakefs around every call of Hypothesis's directory database.

    Left alone, the database would write into the fake filesystem (and lose
    every saved example with it); merely skipping its module is not enough,
    because it creates files through ``tempfile``, which pyfakefs fakes.
    """
    if "hypothesis" not in sys.modules:
        yield
        return
    from hypothesis.database import DirectoryBasedExampleDatabase
    from pyfakefs.fake_filesystem_unittest import Patcher, Pause

    originals = {
        name: DirectoryBasedExampleDatabase.__dict__[name]
        for name in _DATABASE_METHODS
        if name in DirectoryBasedExampleDatabase.__dict__
    }
    for name, method in originals.items():
        setattr(DirectoryBasedExampleDatabase, name, _paused(method, Patcher, Pause))
    try:
        yield
    finally:
        for name, method in originals.items():
            setattr(DirectoryBasedExampleDatabase, name, method)


def _paused(method: Callable[..., Any], patcher_class: Any, pause: Any) -> Callable[..., Any]:
    """*method*, run with pyfakefs paused (a generator is drained while paused)."""
    drain = inspect.isgeneratorfunction(method)

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        patcher = patcher_class.PATCHER
        context = pause(patcher) if patcher is not None and patcher.is_patching else contextlib.nullcontext()
        with context:
            if args:
                _make_paths_real(args[0])
            result = method(*args, **kwargs)
            return iter(list(result)) if drain else result

    return call


def _make_paths_real(database: Any) -> None:
    """Swap pyfakefs Path objects in a database made while patching for real ones.

    A database created inside a fake-backend test holds pyfakefs's Path class,
    whose methods (on Python 3.12+) fail once patching is paused; real paths to
    the same places work in both states.
    """
    for name, value in list(vars(database).items()):
        if _is_fake_path(value):
            setattr(database, name, pathlib.Path(str(value)))
        elif isinstance(value, dict) and any(_is_fake_path(v) for v in value.values()):
            value.clear()


def _is_fake_path(value: Any) -> bool:
    return type(value).__module__.startswith("pyfakefs") and hasattr(value, "joinpath")
