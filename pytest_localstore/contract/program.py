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
        if self.op.startswith("open_"):
            return f"with {self._opened()} as f:\n    f.{self._file_call()}"
        if self.op in ("copyfile", "rename"):
            src, dst, overwrite = self.args
            return f"store.{self.op}({_lit(src)}, {_lit(dst)}, overwrite={overwrite!r})"
        if self.op == "walk":
            top, topdown = self.args
            return f"list(store.walk({_lit(top)}, topdown={topdown!r}))"
        return f"store.{self.op}({', '.join(map(_lit, self.args))})"

    def inline(self) -> str:
        """The call on one line (for the contract table)."""
        if self.op.startswith("open_"):
            return f"{self._opened()}.{self._file_call()}"
        return self.source()

    def _opened(self) -> str:
        path, mode = self.args[:2]
        return f"store.open({_lit(path)}, {mode!r})"

    def _file_call(self) -> str:
        if self.op == "open_read":
            return "read()"
        _, mode, data = self.args
        return f"write({(data if 'b' in mode else data.decode('utf-8'))!r})"


def _lit(value: Any) -> str:
    """*value* as Python source; a long run of one character is written as a product."""
    if isinstance(value, str) and len(value) > 40 and len(set(value)) == 1:
        return f"{value[0]!r} * {len(value)}"
    return repr(value)


def render(calls: list[Call], note: str, factory: str = "make_store()") -> str:
    """A runnable program: a fresh store, the calls, and what went wrong as a comment."""
    lines = [f"store = {factory}  # a fresh, empty store"]
    lines += [call.source() for call in calls]
    lines += [f"# {line}" for line in note.splitlines()]
    return "\n".join(lines)
