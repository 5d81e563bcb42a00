"""The table's derived rows, checked against the real disk through plain ``os`` and ``shutil``.

A derived row takes its allowed outcome from the reference model (a call
through a link inside the root is the call on the link's target; a call on the
link out by name acts on the link). Comparing the model with itself would prove
nothing, so here each one is made on a real directory, links included, and the
call is made with the standard library, which follows links as Linux does: what
it returns or raises must be an allowed outcome, and the tree it leaves must be
the one the model leaves.
"""

from __future__ import annotations

import builtins
import os
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest

from pytest_localstore.capabilities import Capabilities
from pytest_localstore.contract._escapes import CONTRACT_LINKS, concrete, inner_link_in, outside_in
from pytest_localstore.contract._operations import DEFAULT, resolved
from pytest_localstore.contract._outcomes import values_match
from pytest_localstore.contract._rows import ROWS, Row
from pytest_localstore.contract._runner import row_model
from pytest_localstore.contract._sandbox import Sandbox

DERIVED = [row for row in ROWS if row.derived]


def _open_read(path: str, mode: str) -> Any:
    mode = "r" if mode is DEFAULT else mode
    with builtins.open(path, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as handle:
        return handle.read()


def _open_write(path: str, mode: str, data: bytes) -> None:
    text = "b" not in mode
    with builtins.open(path, mode, **({"encoding": "utf-8"} if text else {})) as handle:
        handle.write(data.decode("utf-8") if text else data)


def _refuse_existing(dst: str, overwrite: bool) -> None:
    if not overwrite and os.path.lexists(dst):
        raise FileExistsError(17, "File exists", dst)


def _copyfile(src: str, dst: str, overwrite: bool) -> None:
    _refuse_existing(dst, overwrite)
    shutil.copyfile(src, dst)


def _rename(src: str, dst: str, overwrite: bool) -> None:
    _refuse_existing(dst, overwrite)
    os.replace(src, dst)


def _stat(path: str) -> tuple[str, int]:
    found = os.stat(path)
    kind = "dir" if stat.S_ISDIR(found.st_mode) else "file" if stat.S_ISREG(found.st_mode) else "other"
    return kind, found.st_size


#: Each operation with plain ``os`` and ``shutil``: (how many leading arguments are paths, the call).
RAW: dict[str, tuple[int, Any]] = {
    "open_read": (1, _open_read),
    "open_write": (1, _open_write),
    "copyfile": (2, _copyfile),
    "exists": (1, os.path.exists),
    "isdir": (1, os.path.isdir),
    "listdir": (1, lambda path: sorted(os.listdir(path))),
    "makedirs": (1, lambda path: os.makedirs(path, exist_ok=True)),
    "mkdir": (1, os.mkdir),
    "remove": (1, os.remove),
    "rename": (2, _rename),
    "rmtree": (1, shutil.rmtree),
    "stat": (1, _stat),
    "size": (1, os.path.getsize),
}


def _tree(root: Path) -> dict[str, bytes | None]:
    """The tree below *root* as the contract reads it: the names of its links left out (as the
    checker leaves them out), links not followed."""
    found: dict[str, bytes | None] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        prefix = "" if rel == "." else f"{rel}/"
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            if name in CONTRACT_LINKS:
                continue
            found[prefix + name] = None if os.path.isdir(full) else Path(full).read_bytes()
    return found


@pytest.mark.parametrize("row", DERIVED, ids=lambda row: row.id)
def test_each_derived_row_holds_on_the_real_disk(row: Row, tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    for path, content in sorted(row.setup, key=lambda item: item[0].count("/")):
        (root / path).mkdir() if content is None else (root / path).write_bytes(content)
    capabilities = Capabilities(update_modes=True)
    model = row_model(row, capabilities)
    outcome = model.outcome(row.call.op, row.call.args)
    with Sandbox() as sandbox:
        inner, outside = inner_link_in(row.call.args), outside_in(row.call.args)
        if inner is not None:
            sandbox.link_in(str(root), inner)
        if outside is not None and outside.link is not None:
            sandbox.link_out(str(root), outside.link)
        args = resolved(row.call.op, concrete(row.call.args, str(root)))
        paths, call = RAW[row.call.op]
        full = [str(root / arg) for arg in args[:paths]]
        try:
            returned = call(*full, *args[paths:])
        except OSError as error:
            raised: OSError | None = error
        else:
            raised = None
        if raised is not None:
            assert outcome.allows(raised), f"os raised {raised!r}; the row allows {row.allowed}"
        else:
            assert outcome.ok, f"os returned {returned!r}; the row allows {row.allowed}"
            assert values_match(outcome.value, returned), (
                f"os returned {returned!r}; the row allows {row.allowed}"
            )
            if outcome.effect is not None:
                outcome.effect()
        assert _tree(root) == model.tree()
