"""Store calls recorded as they run, and rendered back as a Python program."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Call:
    """One store call: the operation and its arguments (``data`` for writes)."""

    op: str
    args: tuple[Any, ...]

    def source(self) -> str:
        """The call as Python source, with ``store`` as the store."""
        if self.op == "open_write":
            path, mode, data = self.args
            shown = data.decode("utf-8") if "b" not in mode else data
            return f"with store.open({path!r}, {mode!r}) as f:\n    f.write({shown!r})"
        if self.op == "open_read":
            path, mode = self.args
            return f"with store.open({path!r}, {mode!r}) as f:\n    f.read()"
        if self.op in ("copyfile", "rename"):
            src, dst, overwrite = self.args
            return f"store.{self.op}({src!r}, {dst!r}, overwrite={overwrite!r})"
        if self.op == "walk":
            top, topdown = self.args
            return f"list(store.walk({top!r}, topdown={topdown!r}))"
        return f"store.{self.op}({', '.join(map(repr, self.args))})"

    def inline(self) -> str:
        """The call on one line (for the contract table)."""
        if self.op == "open_write":
            path, mode, data = self.args
            shown = data.decode("utf-8") if "b" not in mode else data
            return f"store.open({path!r}, {mode!r}).write({shown!r})"
        if self.op == "open_read":
            path, mode = self.args
            return f"store.open({path!r}, {mode!r}).read()"
        return self.source()


def render(calls: list[Call], note: str, factory: str = "make_store()") -> str:
    """A runnable program: a fresh store, the calls, and what went wrong as a comment."""
    lines = [f"store = {factory}  # a fresh, empty store"]
    lines += [call.source() for call in calls]
    lines += [f"# {line}" for line in note.splitlines()]
    return "\n".join(lines)
