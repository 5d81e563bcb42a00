"""Running one call on a store and on the model, and judging the store by the contract."""

from __future__ import annotations

import stat
from typing import Any

from ..artifact_store import ArtifactStore
from ._model import ReferenceModel, split
from ._operations import OPERATIONS
from ._outcomes import values_match
from ._program import Call


class Normaliser:
    """Turns a store's answers into the model's terms: relative paths, sorted lists."""

    def __init__(self, store: ArtifactStore, model: ReferenceModel) -> None:
        self.root = store.path.rstrip("/")
        self.model = model

    def relative(self, path: str) -> str:
        if path == self.root:
            return "."
        if path.startswith(self.root + "/"):
            return path[len(self.root) + 1 :]
        return f"<outside the root: {path}>"

    def __call__(self, call: Call, raw: Any) -> Any:
        op = call.op
        if op == "glob":
            return self._drop_empty(sorted(self.relative(p) for p in raw))
        if op == "listdir":
            base = split(call.args[0])
            return sorted(n for n in raw if not self._empty([*base, n]))
        if op == "stat":
            kind = "dir" if stat.S_ISDIR(raw.st_mode) else "file" if stat.S_ISREG(raw.st_mode) else "other"
            return (kind, raw.st_size)
        if op == "walk":
            return self._walk(raw, topdown=call.args[1])
        return raw

    def _walk(self, raw: list[tuple[str, list[str], list[str]]], topdown: bool) -> Any:
        order = [self.relative(d) for d, _, _ in raw]
        entries = sorted(
            (
                self.relative(d),
                sorted(n for n in ds if not self._empty([*split(self.relative(d)), n])),
                sorted(fs),
            )
            for d, ds, fs in raw
            if not self._empty(split(self.relative(d)))
        )
        position = {path: index for index, path in enumerate(order)}
        for path, index in position.items():
            parent = path.rpartition("/")[0] or "."
            if path != "." and parent in position and (position[parent] < index) != topdown:
                return ("walk order is wrong", order)
        return entries

    def _empty(self, parts: list[str]) -> bool:
        return not self.model.caps.empty_directories and self.model.is_empty_dir(parts)

    def _drop_empty(self, paths: list[str]) -> list[str]:
        return [p for p in paths if not self._empty(split(p))]


def check(model: ReferenceModel, store: ArtifactStore, call: Call, normalise: Normaliser) -> str | None:
    """Run *call* on both; apply it to the model if the store succeeded.

    Returns ``None`` when the store kept the contract, else one line saying
    what the contract allows and what the store did.
    """
    outcome = model.outcome(call.op, call.args)
    try:
        raw = OPERATIONS[call.op].perform(store, call.args)
    except Exception as error:  # the store's error is the thing under test
        if outcome.allows(error):
            return None
        return f"contract: {outcome.describe()}; the store raised {type(error).__name__}: {error}"
    if not outcome.ok:
        return f"contract: {outcome.describe()}; the store returned {raw!r}"
    value = normalise(call, raw)
    if not values_match(outcome.value, value):
        return f"contract: {outcome.describe()}; the store returned {value!r}"
    if outcome.effect is not None:
        outcome.effect()
    return None


def store_tree(store: ArtifactStore, normalise: Normaliser) -> dict[str, bytes | None]:
    """Everything in *store*, read through its own API: path -> bytes, None for a directory."""
    tree: dict[str, bytes | None] = {}
    for dirpath, dirnames, filenames in store.walk(store.path):
        rel = normalise.relative(dirpath)
        prefix = "" if rel == "." else rel + "/"
        for name in dirnames:
            tree[prefix + name] = None
        for name in filenames:
            with store.open(f"{dirpath}/{name}", "rb") as handle:
                tree[prefix + name] = handle.read()
    return tree


def tree_problem(model: ReferenceModel, store: ArtifactStore, normalise: Normaliser) -> str | None:
    """Whether the store's whole tree, read back through its API, matches the model's."""
    try:
        difference = tree_difference(model, store_tree(store, normalise))
    except Exception as error:  # reading the tree back is part of the contract
        difference = f"reading the tree back failed: {type(error).__name__}: {error}"
    return f"after the calls above, {difference}" if difference else None


def tree_difference(model: ReferenceModel, actual: dict[str, bytes | None]) -> str | None:
    """How the store's tree differs from the model's, or None."""
    expected = model.tree()
    if not model.caps.empty_directories:
        expected, actual = _files_and_their_dirs(expected), _files_and_their_dirs(actual)
    if expected == actual:
        return None
    missing = sorted(expected.keys() - actual.keys())
    extra = sorted(actual.keys() - expected.keys())
    changed = sorted(k for k in expected.keys() & actual.keys() if expected[k] != actual[k])
    parts = []
    if missing:
        parts.append(f"missing {missing}")
    if extra:
        parts.append(f"unexpected {extra}")
    for key in changed:
        parts.append(f"{key}: expected {_show(expected[key])}, found {_show(actual[key])}")
    return "the tree differs: " + "; ".join(parts)


def _files_and_their_dirs(tree: dict[str, bytes | None]) -> dict[str, bytes | None]:
    kept: dict[str, bytes | None] = {k: v for k, v in tree.items() if v is not None}
    for path in list(kept):
        parts = path.split("/")
        for index in range(1, len(parts)):
            kept["/".join(parts[:index])] = None
    return kept


def _show(value: bytes | None) -> str:
    return "a directory" if value is None else repr(value)
