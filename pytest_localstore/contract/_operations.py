"""The operations the contract drives: one table that every part of the contract reads.

Each entry says which store method a call exercises, which of its arguments
are paths, how to make the call on a store, and how to write it as Python.
``open`` is driven as two calls, ``open_read`` and ``open_write``, because a
read and a write are judged differently. Adding an operation is one entry here
(plus its rows, its model rule and its strategy, which the tests ask for).
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import PurePath
from typing import Any

#: The other forms a path argument may take (``str`` is the plain one).
_PATH_FORMS = (bytes, os.PathLike)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from ..artifact_store import ArtifactStore


class _Default:
    """An optional argument left out of the call: the store must use its documented default."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "DEFAULT"

    def __reduce__(self) -> str:
        return "DEFAULT"


#: Stands for an optional argument not passed (``open(p)``, ``copyfile(a, b)``, ``walk(t)``).
DEFAULT: Any = _Default()
#: What the API documents for each optional argument the contract may leave out: {op: {index: value}}.
DEFAULTS: dict[str, dict[int, Any]] = {
    "open_read": {1: "r"},
    "copyfile": {2: False},
    "rename": {2: False},
    "walk": {1: True},
}


def resolved(op: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """*args* as the model judges them: a left-out argument is its documented default, and a
    ``bytes`` or ``os.PathLike`` path is the ``str`` it stands for."""
    defaults = DEFAULTS.get(op, {})
    paths = OPERATIONS[op].path_args
    if not any(arg is DEFAULT or (i in paths and isinstance(arg, _PATH_FORMS)) for i, arg in enumerate(args)):
        return args
    return tuple(
        defaults[i]
        if arg is DEFAULT
        else os.fsdecode(arg)
        if i in paths and isinstance(arg, _PATH_FORMS)
        else arg
        for i, arg in enumerate(args)
    )


class Operation:
    """One call the contract makes: its store method, path arguments, and how to run and render it."""

    __slots__ = ("_inline", "_perform", "_source", "changes", "method", "name", "path_args")

    def __init__(
        self,
        name: str,
        method: str,
        path_args: tuple[int, ...],
        perform: Callable[[ArtifactStore, tuple[Any, ...]], Any],
        source: Callable[[tuple[Any, ...]], str],
        inline: Callable[[tuple[Any, ...]], str] | None = None,
        *,
        changes: bool = False,
    ) -> None:
        self.name = name
        self.method = method
        self.path_args = path_args
        #: Whether the call may change the tree (a path of it that leaves the root may only
        #: point into the contract's own sandbox).
        self.changes = changes
        self._perform = perform
        self._source = source
        self._inline = inline or source

    def perform(self, store: ArtifactStore, args: tuple[Any, ...]) -> Any:
        """Make the call on *store*; what it returned (a file read in full)."""
        return self._perform(store, args)

    def source(self, args: tuple[Any, ...]) -> str:
        """The call as Python source, with ``store`` as the store."""
        return self._source(args)

    def inline(self, args: tuple[Any, ...]) -> str:
        """The call on one line (for the contract document)."""
        return self._inline(args)

    def __repr__(self) -> str:
        return f"Operation({self.name!r})"


def literal(value: Any) -> str:
    """*value* as Python source; a long run of one character is written as a product, and a
    name with combining characters is escaped."""
    if isinstance(value, str) and len(value) > 40 and len(set(value)) == 1:
        return f"{value[0]!r} * {len(value)}"
    if isinstance(value, PurePath):
        return f"pathlib.{type(value).__name__}({str(value)!r})"
    if isinstance(value, str) and any(unicodedata.combining(char) for char in value):
        return ascii(value)  # "e\u0301", not an "é" that reads like the composed one
    return repr(value)


def _plain(method: str, path_args: tuple[int, ...] = (0,), *, changes: bool = False) -> Operation:
    """An operation called with its positional argument and nothing else."""
    return Operation(
        method,
        method,
        path_args,
        lambda store, args: getattr(store, method)(*args),
        lambda args: f"store.{method}({', '.join(map(literal, args))})",
        changes=changes,
    )


def _keyword(name: str, value: Any) -> str:
    """``, name=value`` for the source of a call, nothing for a left-out argument."""
    return "" if value is DEFAULT else f", {name}={value!r}"


def _with_overwrite(method: str) -> Operation:
    """``copyfile``/``rename``: two paths and ``overwrite`` (which may be left out)."""

    def perform(store: ArtifactStore, args: tuple[Any, ...]) -> Any:
        if args[2] is DEFAULT:
            return getattr(store, method)(args[0], args[1])
        return getattr(store, method)(args[0], args[1], overwrite=args[2])

    return Operation(
        method,
        method,
        (0, 1),
        perform,
        lambda args: (
            f"store.{method}({literal(args[0])}, {literal(args[1])}{_keyword('overwrite', args[2])})"
        ),
        changes=True,
    )


def _read(store: ArtifactStore, args: tuple[Any, ...]) -> Any:
    path, mode = args
    with store.open(path) if mode is DEFAULT else store.open(path, mode) as handle:
        return handle.read()


def _walk(store: ArtifactStore, args: tuple[Any, ...]) -> Any:
    top, topdown = args
    return list(store.walk(top) if topdown is DEFAULT else store.walk(top, topdown=topdown))


def _write(store: ArtifactStore, args: tuple[Any, ...]) -> None:
    path, mode, data = args
    with store.open(path, mode) as handle:
        handle.write(data if "b" in mode else data.decode("utf-8"))


def _walk_errors(store: ArtifactStore, args: tuple[Any, ...]) -> bool:
    errors: list[OSError] = []
    list(store.walk(args[0], onerror=errors.append))
    if not all(isinstance(error, OSError) for error in errors):
        raise TypeError(f"onerror was given {errors!r}: expected OSError instances")
    return bool(errors)


def _opened(args: tuple[Any, ...]) -> str:
    mode = "" if args[1] is DEFAULT else f", {args[1]!r}"
    return f"store.open({literal(args[0])}{mode})"


def _written(args: tuple[Any, ...]) -> str:
    _, mode, data = args
    return f"write({(data if 'b' in mode else data.decode('utf-8'))!r})"


_OPERATIONS = (
    Operation(
        "open_read",
        "open",
        (0,),
        _read,
        lambda args: f"with {_opened(args)} as f:\n    f.read()",
        lambda args: f"{_opened(args)}.read()",
    ),
    Operation(
        "open_write",
        "open",
        (0,),
        _write,
        lambda args: f"with {_opened(args)} as f:\n    f.{_written(args)}",
        lambda args: f"{_opened(args)}.{_written(args)}",
        changes=True,
    ),
    _with_overwrite("copyfile"),
    _plain("exists"),
    _plain("glob", path_args=()),  # a pattern, not a path
    _plain("isdir"),
    _plain("listdir"),
    _plain("makedirs", changes=True),
    _plain("mkdir", changes=True),
    _plain("remove", changes=True),
    _with_overwrite("rename"),
    _plain("rmtree", changes=True),
    _plain("stat"),
    _plain("size"),
    Operation(
        "walk",
        "walk",
        (0,),
        _walk,
        lambda args: f"list(store.walk({literal(args[0])}{_keyword('topdown', args[1])}))",
    ),
    Operation(
        "walk_errors",
        "walk",
        (0,),
        _walk_errors,
        lambda args: (
            f"errors = []\nlist(store.walk({literal(args[0])}, onerror=errors.append))\nbool(errors)"
        ),
        lambda args: f"list(store.walk({literal(args[0])}, onerror=errors.append)); bool(errors)",
    ),
)

#: Every call the contract makes, by name.
OPERATIONS: dict[str, Operation] = {operation.name: operation for operation in _OPERATIONS}
#: The fourteen store methods, in the order the report and the document list them.
METHODS: tuple[str, ...] = tuple(dict.fromkeys(operation.method for operation in _OPERATIONS))
