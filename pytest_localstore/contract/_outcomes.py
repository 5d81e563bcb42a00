"""Outcomes: what a store call may do, and whether what it did is one of them."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from typing import Any

#: A value the contract leaves open (e.g. the size of a directory).
ANY = type("Any", (), {"__repr__": lambda self: "ANY"})()


@dataclass(frozen=True)
class Err:
    """An allowed error: its type, and its errno when the type alone says too little."""

    type: type[BaseException]
    errno: int | None = None

    def matches(self, error: BaseException) -> bool:
        if not isinstance(error, self.type):
            return False
        return self.errno is None or getattr(error, "errno", None) == self.errno

    def __str__(self) -> str:
        if self.errno is None:
            return self.type.__name__
        import errno as errno_module

        return f"{self.type.__name__}({errno_module.errorcode.get(self.errno, self.errno)})"


@dataclass(frozen=True)
class Outcome:
    """The allowed results of one call: a value (if success is allowed) and/or errors."""

    ok: bool
    value: Any = None
    errors: tuple[Err, ...] = ()
    effect: Any = field(default=None, compare=False)

    def allows(self, error: BaseException) -> bool:
        return any(allowed.matches(error) for allowed in self.errors)

    def with_errors(self, *errors: Err) -> Outcome:
        """The same outcome, allowing more errors too."""
        extra = tuple(e for e in errors if e not in self.errors)
        return Outcome(self.ok, self.value, self.errors + extra, self.effect)

    def describe(self) -> str:
        parts = [repr(self.value) if self.value is not None else "None"] if self.ok else []
        parts += [str(e) for e in self.errors]
        return " or ".join(parts)


def ok(value: Any = None, effect: Any = None) -> Outcome:
    return Outcome(True, value, (), effect)


def fail(*errors: Err) -> Outcome:
    return Outcome(False, None, tuple(dict.fromkeys(errors)))


def either(value: Any, *errors: Err, effect: Any = None) -> Outcome:
    return Outcome(True, value, tuple(dict.fromkeys(errors)), effect)


FNF = Err(FileNotFoundError)
NOTDIR = Err(NotADirectoryError)
ISDIR = Err(IsADirectoryError)
EXISTS = Err(FileExistsError)
PERM = Err(PermissionError)
SAMEFILE = Err(shutil.SameFileError)
DECODE = Err(UnicodeDecodeError)
#: A component of the path is a file: Linux says ENOTDIR, pyfakefs ENOENT.
THROUGH_FILE = (FNF, NOTDIR)


def values_match(expected: Any, actual: Any) -> bool:
    """Equality, where ANY anywhere in *expected* matches anything."""
    if expected is ANY:
        return True
    if isinstance(expected, (list, tuple)) and isinstance(actual, (list, tuple)):
        return len(expected) == len(actual) and all(
            values_match(e, a) for e, a in zip(expected, actual, strict=True)
        )
    return bool(expected == actual)
