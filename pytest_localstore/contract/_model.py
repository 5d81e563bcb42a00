"""The reference model: the contract as a pure-Python, in-memory filesystem.

Each method returns the :class:`~.outcomes.Outcome` the contract allows for a
call, with the change to make if the store succeeds (``effect``). The model
never raises; it is the oracle the state machine compares a store against.
Paths are relative to the root, ``/``-separated; ``"."`` is the root.
"""

from __future__ import annotations

import errno
import fnmatch
from collections.abc import Callable, Iterable
from typing import Any

from ..capabilities import FULL, Capabilities
from ._escapes import LINK_ITSELF, inner_link_in, modelled, outside_in
from ._operations import OPERATIONS, resolved
from ._outcomes import (
    ANY,
    DECODE,
    EXISTS,
    FNF,
    ISDIR,
    NOTDIR,
    PERM,
    SAMEFILE,
    THROUGH_FILE,
    Err,
    Outcome,
    either,
    fail,
    ok,
    values_match,
)

Node = dict[str, Any] | bytes
Tree = dict[str, Any]
ENOTEMPTY = (Err(OSError, errno.ENOTEMPTY), Err(OSError, errno.EEXIST))
EINVAL = Err(OSError, errno.EINVAL)
EBUSY = Err(OSError, errno.EBUSY)
NAMETOOLONG = Err(OSError, errno.ENAMETOOLONG)
LOOP = Err(OSError, errno.ELOOP)


def split(path: str) -> list[str]:
    """The components of a relative path (``"."`` and empty parts dropped)."""
    return [part for part in path.split("/") if part not in ("", ".")]


#: The argument each operation creates where it succeeds, by index.
_CREATES = {"open_write": 0, "copyfile": 1, "rename": 1, "mkdir": 0, "makedirs": 0}

#: What a walk whose top is not a directory gives: no entries; ``onerror`` called.
_NOTHING_TO_WALK: dict[str, Any] = {"walk": [], "walk_errors": True}


class ReferenceModel:
    """An in-memory tree that answers every call the way the contract says."""

    def __init__(self, capabilities: Capabilities = FULL) -> None:
        self.root: Tree = {}
        self.caps = capabilities

    # -- lookups -------------------------------------------------------------

    @classmethod
    def holding(
        cls, setup: Iterable[tuple[str, bytes | None]], capabilities: Capabilities = FULL
    ) -> ReferenceModel:
        """A model that holds *setup* (path, bytes or None for a directory) from the start."""
        model = cls(capabilities)
        for path, content in setup:
            parts = split(path)
            node = model.root
            for name in parts[:-1]:
                node = node.setdefault(name, {})
            node[parts[-1]] = {} if content is None else content
        return model

    def find(self, parts: list[str]) -> tuple[str, Node | None]:
        """``("ok", node)``, ``("missing", None)`` or ``("through_file", None)``."""
        node: Node = self.root
        for name in parts:
            if not isinstance(node, dict):
                return "through_file", None
            if name not in node:
                return "missing", None
            node = node[name]
        return "ok", node

    def parent(self, parts: list[str]) -> tuple[str, Tree | None]:
        status, node = self.find(parts[:-1])
        if status == "ok" and not isinstance(node, dict):
            return "through_file", None
        return status, node if isinstance(node, dict) else None

    def is_empty_dir(self, parts: list[str]) -> bool:
        """A directory with no file anywhere below it (not the root)."""
        status, node = self.find(parts)
        return bool(parts) and status == "ok" and isinstance(node, dict) and not _has_file(node)

    def _lookup_errors(self, status: str) -> tuple[Err, ...]:
        return (FNF,) if status == "missing" else THROUGH_FILE

    def _creation_errors(self, status: str) -> tuple[Err, ...]:
        """Creating below a file: ENOTDIR (Linux), ENOENT (pyfakefs), EEXIST (fsspec): none changes data."""
        return (FNF,) if status == "missing" else (*THROUGH_FILE, EXISTS)

    # -- the fourteen operations --------------------------------------------

    def outcome(self, op: str, args: tuple[Any, ...]) -> Outcome:
        """The outcome of *op* on *args*, trailing separators included.

        Creating a name the store refuses (``refused_names``) is OSError(EINVAL). A name
        longer than ``max_name_bytes`` UTF-8 bytes is OSError(ENAMETOOLONG)
        (``exists`` and ``isdir`` answer False, ``walk`` yields nothing). ``name/`` names a
        directory: on a file it is NotADirectoryError for every operation
        (``exists``/``isdir`` answer False, ``walk`` yields nothing); a missing
        ``name/`` cannot be opened for writing. The empty path is the root, or
        FileNotFoundError. Through a loop of links nothing is found (OSError(ELOOP)).
        """
        args = resolved(op, args)
        inner = inner_link_in(args)
        if inner is not None and inner.loops:
            if op in ("exists", "isdir"):
                return ok(False)
            if op == "glob":
                return ok([])
            if op in _NOTHING_TO_WALK:
                return ok(_NOTHING_TO_WALK[op])
            # ELOOP, as Linux says; pyfakefs says ENOENT, and nothing is there to find. What else
            # stops the call may be found first (a name too long, the other path of a copy).
            others = self.outcome(op, tuple(arg.path("") if arg is inner else arg for arg in args)).errors
            if op in ("mkdir", "makedirs") and not self.caps.empty_directories:
                return either(None, LOOP, FNF, *others)  # making a directory may make nothing at all
            return fail(LOOP, FNF, *others)
        args = modelled(args)
        outside = outside_in(args)
        if outside is not None:
            if outside.form == "nul":
                return fail(Err(ValueError))
            if outside.form in LINK_ITSELF and op in ("remove", "mkdir"):
                # The link's own name, not followed: removed like any name, there for mkdir.
                return ok(None) if op == "remove" else fail(EXISTS)
            if outside.form in LINK_ITSELF and op == "rename" and args[1] is outside:
                return self._onto_link(args[0], overwrite=args[2])
            # The inside arguments may be judged first (a missing source, say), as long as nothing leaks.
            first = next(i for i, arg in enumerate(args) if arg is outside)
            return fail(PERM, *(() if first == 0 else (FNF, NOTDIR, ISDIR)))
        created = _CREATES.get(op)
        if created is not None and self.caps.refuses("/".join(split(args[created]))):
            # A name the store cannot hold: never created (EINVAL), before or after what else
            # stops the call.
            return fail(*self._judged(op, args).errors, EINVAL)
        return self._judged(op, args)

    def _judged(self, op: str, args: tuple[Any, ...]) -> Outcome:
        """The outcome of *op* on *args*, paths that stay inside and hold no link."""
        if self.caps.max_name_bytes is not None and self._too_long(op, args, self.caps.max_name_bytes):
            if op in ("exists", "isdir"):
                return ok(False)
            if op in _NOTHING_TO_WALK:
                return ok(_NOTHING_TO_WALK[op])
            # What else stops the call may be found first ('file/', a missing parent, the other path).
            return fail(NAMETOOLONG, *(self._trailing(op, args) or getattr(self, op)(*args)).errors)
        outcome = self._trailing(op, args) or getattr(self, op)(*args)
        if any(args[index] == "" for index in OPERATIONS[op].path_args):
            outcome = outcome.with_errors(FNF)  # '' names the root (fsspec) or nothing (os)
        if self.caps.empty_directories or not _has_empty_dir(self.root):
            return outcome
        # Without empty directories, the store may act as if they were not there.
        pruned = ReferenceModel(self.caps)
        pruned.root = _without_empty_dirs(self.root)
        return _either_world(self, outcome, pruned, pruned.outcome(op, args))

    def _onto_link(self, src: str, overwrite: bool) -> Outcome:
        """``rename(src, link)``: the link's own name is taken; overwriting replaces the link itself,
        never what it points to. A directory cannot replace it (a link is not a directory)."""
        if not overwrite:
            return fail(EXISTS)
        status, node = self.find(split(src))
        if status == "ok" and isinstance(node, dict):
            return fail(NOTDIR, EXISTS, ISDIR)
        return self.remove(src)  # the file goes to the link's name, which the tree leaves out

    def _trailing(self, op: str, args: tuple[Any, ...]) -> Outcome | None:
        """The outcome a trailing separator decides ('name/' names a directory), or None."""
        for index in OPERATIONS[op].path_args:
            path = args[index]
            if not path.endswith("/"):
                continue
            status, node = self.find(split(path))
            if status == "ok" and isinstance(node, bytes):
                if op in ("exists", "isdir"):
                    return ok(False)
                if op in _NOTHING_TO_WALK:
                    return ok(_NOTHING_TO_WALK[op])
                return fail(NOTDIR, *getattr(self, op)(*args).errors)  # or what else stops the call
            if status != "ok" and (op == "open_write" or (op == "copyfile" and index == 1)):
                # A missing 'name/' cannot be created as a file, by a write or as a copy's target;
                # a store may find first what else stops the call (a missing parent or source).
                others = getattr(self, op)(*args).errors
                lookup = self._lookup_errors(status) if status == "through_file" else ()
                return fail(ISDIR, *lookup, *others)
            if op == "rename" and index == 1:
                # A file cannot be renamed to 'name/' (ENOTDIR, which Linux finds before an
                # existing directory there); a directory can.
                source = self.find(split(args[0]))[1]
                if isinstance(source, bytes):
                    return fail(NOTDIR, *getattr(self, op)(*args).errors)
        return None

    @staticmethod
    def _too_long(op: str, args: tuple[Any, ...], limit: int) -> bool:
        return any(
            len(name.encode("utf-8")) > limit
            for index in OPERATIONS[op].path_args
            for name in split(args[index])
        )

    def open_read(self, path: str, mode: str) -> Outcome:
        status, node = self.find(split(path))
        if status != "ok":
            return fail(*self._lookup_errors(status))
        if isinstance(node, dict):
            return fail(ISDIR)
        assert isinstance(node, bytes)
        if "b" in mode:
            return ok(node)
        try:
            text = node.decode("utf-8")
        except UnicodeDecodeError:
            return fail(DECODE)
        return ok(text.replace("\r\n", "\n").replace("\r", "\n"))  # universal newlines, as open() reads

    def open_write(self, path: str, mode: str, data: bytes) -> Outcome:
        parts = split(path)
        if not parts:
            return fail(ISDIR, EXISTS)
        status, parent = self.parent(parts)
        if status != "ok":
            refused = fail(*self._creation_errors(status))
            if "r" in mode:  # 'r+' creates nothing, no parent either
                return refused
            return self._relax_parent(parts, refused, self._write_effect(parts, mode, data))
        assert parent is not None
        existing = parent.get(parts[-1])
        if "x" in mode and existing is not None:
            # 'dir/' opened to create: Linux says EISDIR before it sees the name exists.
            return fail(EXISTS, ISDIR) if path.endswith("/") else fail(EXISTS)
        if isinstance(existing, dict):
            return fail(ISDIR)
        if "r" in mode and existing is None:  # 'r+' creates nothing
            return fail(FNF)
        return ok(None, self._write_effect(parts, mode, data))

    def _write_effect(self, parts: list[str], mode: str, data: bytes) -> Callable[[], None]:
        def effect() -> None:
            parent = self._make_parents(parts)
            old = parent.get(parts[-1])
            old = old if isinstance(old, bytes) else b""
            if "r" in mode:  # 'r+': the data overwrites the start, the rest stays
                parent[parts[-1]] = data + old[len(data) :]
            else:
                parent[parts[-1]] = (old if "a" in mode else b"") + data

        return effect

    def copyfile(self, src: str, dst: str, overwrite: bool) -> Outcome:
        s, d = split(src), split(dst)
        errors: list[Err] = []
        s_status, s_node = self.find(s)
        if s_status != "ok":
            errors += self._lookup_errors(s_status)
        elif isinstance(s_node, dict):
            errors.append(ISDIR)
        d_status, d_node = self.find(d)
        p_status, _ = self.parent(d) if d else ("ok", None)
        if d_status == "ok" and not overwrite:
            errors.append(EXISTS)
        elif d_status == "ok" and isinstance(d_node, dict):
            errors.append(ISDIR)
        elif p_status != "ok":
            errors += self._lookup_errors(p_status)
        if s == d and s_status == "ok" and errors:
            errors.append(SAMEFILE)
        if errors:
            outcome = fail(*errors)
            if p_status != "ok" and s_status == "ok" and isinstance(s_node, bytes) and d_status != "ok":
                return self._relax_parent(d, outcome, self._copy_effect(s, d))
            return outcome
        if s == d:
            return either(None, SAMEFILE)
        return ok(None, self._copy_effect(s, d))

    def _copy_effect(self, s: list[str], d: list[str]) -> Callable[[], None]:
        def effect() -> None:
            _, node = self.find(s)
            self._make_parents(d)[d[-1]] = node

        return effect

    def exists(self, path: str) -> Outcome:
        parts = split(path)
        status, _ = self.find(parts)
        return ok(status == "ok")

    def isdir(self, path: str) -> Outcome:
        parts = split(path)
        status, node = self.find(parts)
        return ok(status == "ok" and isinstance(node, dict))

    def glob(self, pattern: str) -> Outcome:
        found: list[tuple[list[str], Node]] = [([], self.root)]
        parts = split(pattern)
        for index, part in enumerate(parts):
            if part == "**" and self.caps.glob_recursive:
                found = self._below(found, last=index == len(parts) - 1)
                continue
            matches = []
            for prefix, node in found:
                if not isinstance(node, dict):
                    continue
                names = self._visible(sorted(node), part)
                for name in fnmatch.filter(names, part) if _magic(part) else [part]:
                    if name in node:
                        matches.append(([*prefix, name], node[name]))
            found = matches
        return ok(sorted("/".join(p) for p, _ in found if p))

    def _visible(self, names: list[str], part: str) -> list[str]:
        """The names a pattern component may match: hidden ones only if it starts with '.'."""
        if part.startswith(".") or self.caps.glob_hidden:
            return names
        return [n for n in names if not n.startswith(".")]

    def _below(self, found: list[tuple[list[str], Node]], last: bool) -> list[tuple[list[str], Node]]:
        """What a recursive ``**`` matches: every visible entry below (directories only, and the
        directory itself, unless it is the pattern's last component)."""
        below: list[tuple[list[str], Node]] = []

        def visit(prefix: list[str], node: Node, top: bool) -> None:
            if not isinstance(node, dict):
                if last:
                    below.append((prefix, node))
                return
            if not top or not last:
                below.append((prefix, node))
            for name in self._visible(sorted(node), "*"):
                visit([*prefix, name], node[name], False)

        for prefix, node in found:
            visit(prefix, node, True)
        return below

    def listdir(self, path: str) -> Outcome:
        parts = split(path)
        status, node = self.find(parts)
        if status != "ok":
            return fail(*self._lookup_errors(status))
        if not isinstance(node, dict):
            return fail(NOTDIR)
        return ok(sorted(node))

    def makedirs(self, path: str) -> Outcome:
        parts = split(path)
        node: Node = self.root
        for index, name in enumerate(parts):
            if not isinstance(node, dict):
                return fail(EXISTS, NOTDIR, FNF)
            child = node.get(name)
            if child is None:
                break
            if isinstance(child, bytes) and index == len(parts) - 1:
                return fail(EXISTS)
            node = child
        else:
            if isinstance(node, bytes):
                return fail(EXISTS)
        return ok(None, self._dirs_effect(parts))

    def mkdir(self, path: str) -> Outcome:
        parts = split(path)
        if not parts:
            return fail(EXISTS)
        status, _ = self.find(parts)
        if status == "ok":
            return fail(EXISTS)
        p_status, _ = self.parent(parts)
        if p_status != "ok":
            return self._relax_parent(parts, fail(*self._creation_errors(p_status)), self._dirs_effect(parts))
        return ok(None, self._dirs_effect(parts))

    def remove(self, path: str) -> Outcome:
        parts = split(path)
        if not parts:
            return fail(PERM, ISDIR)
        status, node = self.find(parts)
        if status != "ok":
            return fail(*self._lookup_errors(status))
        if isinstance(node, dict):
            return fail(ISDIR, PERM)
        return ok(None, lambda: self._delete(parts))

    def rmtree(self, path: str) -> Outcome:
        parts = split(path)
        if not parts:
            return fail(PERM) if self.caps.protects_root else either(None, PERM, EBUSY, effect=self._clear)
        status, node = self.find(parts)
        if status != "ok":
            return fail(*self._lookup_errors(status))
        if not isinstance(node, dict):
            return fail(NOTDIR)
        return ok(None, lambda: self._delete(parts))

    def rename(self, src: str, dst: str, overwrite: bool) -> Outcome:
        s, d = split(src), split(dst)
        s_status, s_node = self.find(s) if s else ("ok", self.root)
        d_status, d_node = self.find(d) if d else ("ok", self.root)
        p_status, _ = self.parent(d) if d else ("ok", None)
        errors: list[Err] = []
        if not s:
            errors += [PERM] if self.caps.protects_root else [PERM, EINVAL, EBUSY]
        elif s_status != "ok":
            errors += self._lookup_errors(s_status)
        if not d:
            errors += [PERM, EXISTS, ISDIR]
        elif d_status == "ok" and not overwrite:
            errors.append(EXISTS)
        elif p_status != "ok":
            errors += self._lookup_errors(p_status)
        inside = bool(s) and len(d) > len(s) and d[: len(s)] == s
        if errors and inside:
            errors.append(EINVAL)
        if errors:
            parent_only = s_status == "ok" and s and d and p_status != "ok" and d_status != "ok"
            if parent_only and not inside:
                return self._relax_parent(d, fail(*errors), self._move_effect(s, d))
            return fail(*errors)
        if s == d:
            return ok(None)
        if inside:
            return fail(EINVAL)
        if d_status == "ok":
            if isinstance(s_node, bytes) and isinstance(d_node, dict):
                return fail(ISDIR, *ENOTEMPTY)
            if isinstance(s_node, dict) and isinstance(d_node, bytes):
                return fail(NOTDIR, EXISTS)
            if isinstance(s_node, dict) and isinstance(d_node, dict) and d_node:
                if not self.caps.atomic_rename:
                    return either(None, *ENOTEMPTY, effect=self._merge_effect(s, d))
                return fail(*ENOTEMPTY)
        return ok(None, self._move_effect(s, d))

    def _move_effect(self, s: list[str], d: list[str]) -> Callable[[], None]:
        def effect() -> None:
            _, node = self.find(s)
            self._delete(s)
            self._make_parents(d)[d[-1]] = node

        return effect

    def _merge_effect(self, s: list[str], d: list[str]) -> Callable[[], None]:
        def effect() -> None:
            _, source = self.find(s)
            _, target = self.find(d)
            assert isinstance(source, dict) and isinstance(target, dict)
            _merge(source, target)
            self._delete(s)

        return effect

    def stat(self, path: str) -> Outcome:
        status, node = self.find(split(path))
        if status != "ok":
            return fail(*self._lookup_errors(status))
        value = ("dir", ANY) if isinstance(node, dict) else ("file", len(node or b""))
        return ok(value)

    def size(self, path: str) -> Outcome:
        status, node = self.find(split(path))
        if status != "ok":
            return fail(*self._lookup_errors(status))
        value = ANY if isinstance(node, dict) else len(node or b"")
        return ok(value)

    def walk_errors(self, top: str) -> Outcome:
        """Whether ``walk(top, onerror=...)`` calls ``onerror``: for a top that is not a directory."""
        status, node = self.find(split(top))
        return ok(not (status == "ok" and isinstance(node, dict)))

    def walk(self, top: str, topdown: bool) -> Outcome:
        parts = split(top)
        status, node = self.find(parts)
        if status != "ok" or not isinstance(node, dict):
            return ok([])
        entries: list[tuple[str, list[str], list[str]]] = []

        def visit(prefix: list[str], directory: Tree) -> None:
            dirs = sorted(n for n, c in directory.items() if isinstance(c, dict))
            files = sorted(n for n, c in directory.items() if isinstance(c, bytes))
            entries.append(("/".join(prefix) or ".", dirs, files))
            for name in dirs:
                visit([*prefix, name], directory[name])

        visit(parts, node)
        return ok(sorted(entries))

    # -- the tree --------------------------------------------------------------

    def tree(self) -> dict[str, bytes | None]:
        """``{relative path: bytes, or None for a directory}`` for everything."""
        result: dict[str, bytes | None] = {}

        def visit(prefix: str, directory: Tree) -> None:
            for name, child in directory.items():
                path = f"{prefix}{name}"
                if isinstance(child, dict):
                    result[path] = None
                    visit(path + "/", child)
                else:
                    result[path] = child

        visit("", self.root)
        return result

    # -- relaxations and mutations --------------------------------------------

    def _relax_parent(self, parts: list[str], outcome: Outcome, effect: Callable[[], None]) -> Outcome:
        """Without empty directories, missing parents may be created implicitly."""
        if self.caps.empty_directories or any(err is NOTDIR for err in outcome.errors):
            return outcome
        status, _ = self.find(parts[:-1])
        if status == "through_file":
            return outcome
        return Outcome(True, None, outcome.errors, effect)

    def _dirs_effect(self, parts: list[str]) -> Callable[[], None]:
        def effect() -> None:
            self._make_dirs(parts)

        return effect

    def _make_parents(self, parts: list[str]) -> Tree:
        return self._make_dirs(parts[:-1])

    def _make_dirs(self, parts: list[str]) -> Tree:
        node = self.root
        for name in parts:
            node = node.setdefault(name, {})
        return node

    def _clear(self) -> None:
        self.root.clear()

    def _delete(self, parts: list[str]) -> None:
        _, parent = self.find(parts[:-1])
        assert isinstance(parent, dict)
        del parent[parts[-1]]


def _either_world(model: ReferenceModel, seen: Outcome, pruned: ReferenceModel, unseen: Outcome) -> Outcome:
    """What is allowed when empty directories may be seen or not: either outcome."""
    errors = tuple(dict.fromkeys(seen.errors + unseen.errors))
    if seen.ok and unseen.ok:
        value = seen.value if values_match(seen.value, unseen.value) else ANY
        return Outcome(True, value, errors, seen.effect)
    if seen.ok:
        return Outcome(True, seen.value, errors, seen.effect)
    if unseen.ok:

        def effect() -> None:
            if unseen.effect is not None:
                unseen.effect()
            # The empty directories the call acted as if absent may still be shown later.
            model.root = _with_empty_dirs(pruned.root, model.root)

        return Outcome(True, unseen.value, errors, effect)
    return Outcome(False, None, errors)


def _has_empty_dir(directory: Tree) -> bool:
    return any(isinstance(c, dict) and (not _has_file(c) or _has_empty_dir(c)) for c in directory.values())


def _without_empty_dirs(directory: Tree) -> Tree:
    return {
        name: child if isinstance(child, bytes) else _without_empty_dirs(child)
        for name, child in directory.items()
        if isinstance(child, bytes) or _has_file(child)
    }


def _with_empty_dirs(tree: Tree, old: Tree) -> Tree:
    """*tree* with *old*'s empty directories put back wherever nothing else took their place."""
    for name, child in old.items():
        if not isinstance(child, dict):
            continue
        if name not in tree:
            if not _has_file(child):
                tree[name] = _copy_dirs(child)
        elif isinstance(tree[name], dict):
            _with_empty_dirs(tree[name], child)
    return tree


def _copy_dirs(directory: Tree) -> Tree:
    return {name: _copy_dirs(child) for name, child in directory.items() if isinstance(child, dict)}


def _has_file(directory: Tree) -> bool:
    return any(isinstance(c, bytes) or _has_file(c) for c in directory.values())


def _merge(source: Tree, target: Tree) -> None:
    for name, child in source.items():
        if isinstance(child, dict) and isinstance(target.get(name), dict):
            _merge(child, target[name])
        else:
            target[name] = child


def _magic(part: str) -> bool:
    return any(ch in part for ch in "*?[")
