"""Store calls recorded as they run, and rendered back as a Python program."""

from __future__ import annotations

import re

from ._operations import OPERATIONS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


class Call:
    """One store call: the operation's name (see ``OPERATIONS``) and its arguments."""

    __slots__ = ("args", "op")

    def __init__(self, op: str, args: tuple[Any, ...]) -> None:
        self.op = op
        self.args = args

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Call) and (self.op, self.args) == (other.op, other.args)

    def __hash__(self) -> int:
        return hash((self.op, self.args))

    def __repr__(self) -> str:
        return f"Call({self.op!r}, {self.args!r})"

    @property
    def method(self) -> str:
        """The store method the call exercises (``open`` for ``open_read``)."""
        return OPERATIONS[self.op].method

    def source(self) -> str:
        """The call as Python source, with ``store`` as the store."""
        return OPERATIONS[self.op].source(self.args)

    def inline(self) -> str:
        """The call on one line (for the contract document)."""
        return OPERATIONS[self.op].inline(self.args)


#: How a program makes its store when nothing better is known.
DEFAULT_OPENING = "store = make_store()  # a fresh, empty store"


def render(
    calls: list[Call],
    note: str,
    opening: str = DEFAULT_OPENING,
    around: Callable[[Call], tuple[str, str] | None] = lambda call: None,
) -> str:
    """A runnable program: *opening* (the code that makes ``store``), the calls, what went wrong.

    *around* gives the lines to run before and after a call, if any (the last call's
    after-line is left out: the program ends where the contract saw the problem).
    """
    body: list[str] = []
    for index, call in enumerate(calls):
        extra = around(call)
        body += [extra[0], call.source()] if extra else [call.source()]
        if extra and index < len(calls) - 1:
            body.append(extra[1])
    code = "\n".join(body)
    needed = [
        module
        for module in ("os", "pathlib")
        if re.search(rf"\b{module}\.", code) and not re.search(rf"^import\b.*\b{module}\b", opening, re.M)
    ]
    lines = [opening, *([f"import {', '.join(needed)}"] if needed else []), *body]
    lines += [f"# {_escaped(line)}" for line in note.splitlines()]
    return "\n".join(lines)


def _escaped(line: str) -> str:
    """*line* with its control characters written ``\\xNN``: a NUL byte (a name the store
    was given, or echoed back in an error) makes a program Python will not compile."""
    return "".join(char if char == "\t" or " " <= char != "\x7f" else f"\\x{ord(char):02x}" for char in line)
