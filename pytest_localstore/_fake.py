"""The pyfakefs side of the ``fake`` backend, imported only when a test uses it."""

from __future__ import annotations

import contextlib
import functools
import inspect
import pathlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

# Everything a fake-backend test touches is imported before pyfakefs patches:
# pyfakefs unloads modules first imported during a test, and importing them
# again under the fake filesystem costs a fresh compile each time.
from . import isolation, local_store  # noqa: F401

#: The methods through which Hypothesis's directory database touches the disk.
_DATABASE_METHODS = ("fetch", "save", "delete", "move")


def fake_filesystem(request: pytest.FixtureRequest) -> Any:
    """pyfakefs's ``fs`` for this test, shared with the test if it asks for ``fs`` too.

    While it is active, Hypothesis's example database keeps working on the
    real disk, so saved failing examples survive the fake filesystem.
    """
    stack = contextlib.ExitStack()
    request.addfinalizer(stack.close)
    stack.enter_context(hypothesis_database_on_real_disk())
    try:
        fs = request.getfixturevalue("fs")
    except pytest.FixtureLookupError:
        # pyfakefs's own plugin is not loaded (e.g. autoload is off): patch here.
        from pyfakefs.fake_filesystem_unittest import Patcher

        patcher = Patcher()
        patcher.setUp()
        request.addfinalizer(patcher.tearDown)
        fs = patcher.fs
    return fs


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
