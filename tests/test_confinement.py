"""No store call reads, creates or changes anything outside the store root."""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_localstore import LocalArtifactStore, PathOutsideStoreError

from .helpers import snapshot, write

Call = Callable[[LocalArtifactStore, Any], object]

#: Every operation, with the bad path in each argument that takes a path.
CALLS: dict[str, Call] = {
    "open-read": lambda s, p: s.open(p, "rb"),
    "open-write": lambda s, p: s.open(p, "wb"),
    "open-append": lambda s, p: s.open(p, "a"),
    "copyfile-src": lambda s, p: s.copyfile(p, "inside.txt", overwrite=True),
    "copyfile-dst": lambda s, p: s.copyfile("inside.txt", p, overwrite=True),
    "exists": lambda s, p: s.exists(p),
    "glob": lambda s, p: s.glob(p),
    "isdir": lambda s, p: s.isdir(p),
    "listdir": lambda s, p: s.listdir(p),
    "makedirs": lambda s, p: s.makedirs(p),
    "mkdir": lambda s, p: s.mkdir(p),
    "remove": lambda s, p: s.remove(p),
    "rename-src": lambda s, p: s.rename(p, "moved", overwrite=True),
    "rename-dst": lambda s, p: s.rename("inside.txt", p, overwrite=True),
    "rmtree": lambda s, p: s.rmtree(p),
    "stat": lambda s, p: s.stat(p),
    "size": lambda s, p: s.size(p),
    "walk": lambda s, p: list(s.walk(p)),
}

#: Ways out of ``<base>/root``, as functions of the base directory.
ESCAPES: dict[str, Callable[[Path], Any]] = {
    "dotdot": lambda b: "../outside/secret.txt",
    "dotdot-deep": lambda b: "a/../../outside/dir",
    "dotdot-root": lambda b: "..",
    "absolute": lambda b: str(b / "outside" / "secret.txt"),
    "absolute-dir": lambda b: str(b / "outside" / "dir"),
    "sibling-prefix": lambda b: str(b / "root_evil" / "x.txt"),
    "sibling-prefix-dir": lambda b: str(b / "root_evil"),
    "sibling-via-dotdot": lambda b: "../root_evil/x.txt",
    "pathlib": lambda b: b / "outside" / "secret.txt",
    "bytes": lambda b: os.fsencode(str(b / "outside" / "secret.txt")),
    "bytes-relative": lambda b: b"../outside/dir",
    "link-to-file": lambda b: "file_link",
    "link-to-dir": lambda b: "dir_link",
    "through-link-to-dir": lambda b: "dir_link/inner.txt",
    "through-link-new-file": lambda b: "dir_link/new.txt",
    "dangling-link-out": lambda b: "dangling_out",
    "chained-links": lambda b: "chain/inner.txt",
    "glob-through-link": lambda b: "dir_link/*",
    "glob-dotdot": lambda b: "../outside/*",
    "glob-star-dotdot": lambda b: "*/../../outside/*",
    "root-itself": lambda b: "/",
}


#: Calls that act on a name without following it, and escapes that are such a name:
#: the link itself is inside the root, so acting on it is allowed (never on its target).
NAME_CALLS = {"mkdir", "remove", "rename-src", "rename-dst"}
LINK_NAMES = {"link-to-file", "link-to-dir", "dangling-link-out", "chained-links"}


def arm(base: Path) -> LocalArtifactStore:
    """A store at ``<base>/root`` with links that point out, and files next to it.

    ``<base>/outside`` holds a file and a directory that no store call may
    touch; ``<base>/root_evil`` shares the root's name as a prefix.
    """
    write(base / "outside" / "secret.txt", b"secret")
    write(base / "outside" / "dir" / "inner.txt", b"inner")
    write(base / "root_evil" / "x.txt", b"evil")
    store = LocalArtifactStore(base / "root")
    root = Path(store.path)
    os.symlink(base / "outside" / "secret.txt", root / "file_link")
    os.symlink(base / "outside" / "dir", root / "dir_link")
    os.symlink(base / "outside" / "not-yet", root / "dangling_out")
    os.symlink("dir_link", root / "chain")
    (root / "inside.txt").write_bytes(b"inside")
    return store


@pytest.fixture
def armed(base: Path) -> LocalArtifactStore:
    """A store armed with links that point out (see :func:`arm`)."""
    return arm(base)


@pytest.fixture
def outside(base: Path, armed: LocalArtifactStore) -> Path:
    """The directory around the armed store."""
    return base


@pytest.mark.parametrize("escape", ESCAPES)
@pytest.mark.parametrize("call", CALLS)
def test_every_call_refuses_every_escape(
    armed: LocalArtifactStore, outside: Path, call: str, escape: str
) -> None:
    path = ESCAPES[escape](outside)
    before = snapshot(outside)
    if call in NAME_CALLS and escape in LINK_NAMES and escape != "chained-links":
        with contextlib.suppress(FileExistsError):
            CALLS[call](armed, path)
        assert outside_only(snapshot(outside)) == outside_only(before)
        return
    with pytest.raises(PathOutsideStoreError) as info:
        CALLS[call](armed, path)
    assert snapshot(outside) == before
    message = str(info.value)
    assert armed.path in message
    assert os.fsdecode(os.fspath(path)) in message
    assert info.value.root == armed.path


@pytest.mark.parametrize("call", CALLS)
def test_nul_byte_is_refused_before_any_system_call(armed: LocalArtifactStore, call: str) -> None:
    with pytest.raises(ValueError, match="NUL byte"):
        CALLS[call](armed, "inside\x00.txt")


def test_error_is_an_oserror_with_errno(armed: LocalArtifactStore) -> None:
    with pytest.raises(OSError) as info:
        armed.open("../x", "w")
    assert isinstance(info.value, PermissionError)
    assert info.value.errno == 13
    assert info.value.filename == "../x"


def test_removing_a_link_removes_the_link_not_its_target(armed: LocalArtifactStore, outside: Path) -> None:
    armed.remove("file_link")
    armed.remove("dir_link")
    assert not os.path.lexists(os.path.join(armed.path, "file_link"))
    assert (outside / "outside" / "secret.txt").read_bytes() == b"secret"
    assert (outside / "outside" / "dir" / "inner.txt").read_bytes() == b"inner"


def test_links_that_stay_inside_are_allowed(store: LocalArtifactStore) -> None:
    root = Path(store.path)
    (root / "d").mkdir()
    (root / "d" / "f").write_bytes(b"f")
    os.symlink("d", root / "alias")
    os.symlink(root / "d" / "f", root / "abs_alias")
    with store.open("alias/f", "rb") as handle:
        assert handle.read() == b"f"
    assert store.size("abs_alias") == 1
    assert store.listdir("alias") == ["f"]
    assert store.glob("alias/*") == [str(root / "alias" / "f")]


def test_the_root_named_another_way_is_inside(store: LocalArtifactStore, base: Path) -> None:
    os.symlink(store.path, base / "root_alias")
    assert store.exists(str(base / "root_alias"))
    store.makedirs(str(base / "root_alias" / "made"))
    assert store.isdir("made")
    assert store.isdir(store.path + "//./")


def test_dotdot_that_stays_inside_is_fine(store: LocalArtifactStore) -> None:
    store.makedirs("a/b")
    with store.open("a/b/../c.txt", "w") as handle:
        handle.write("c")
    assert store.exists("a/c.txt")
    assert store.exists(os.path.join(store.path, "a", "..", "a", "c.txt"))


def test_glob_and_walk_never_return_an_outside_path(armed: LocalArtifactStore) -> None:
    prefix = armed.path + os.sep
    found = armed.glob("*") + armed.glob("*/*") + armed.glob("*/*/*")
    walked = [d for d, _, _ in armed.walk(".")]
    assert found and walked
    assert all(p.startswith(prefix) for p in found)
    assert all(d == armed.path or d.startswith(prefix) for d in walked)
    assert not any("inner.txt" in p for p in found)


# -- hostile paths, generated ------------------------------------------------

_EXAMPLES = itertools.count()
_COMPONENTS = st.sampled_from(
    [
        "..",
        ".",
        "",
        "file_link",
        "dir_link",
        "chain",
        "dangling_out",
        "inside.txt",
        "sub",
        "root",
        "root_evil",
        "root..",
        "root-",
        "outside",
        "secret.txt",
        "é",
        "日本",
        "\u202e",
        "a" * 40,
        "...",
        "~",
        "*",
        "[!x]",
    ]
)


@st.composite
def hostile_paths(draw: st.DrawFn, base: Path) -> Any:
    parts = draw(st.lists(_COMPONENTS, min_size=1, max_size=6))
    text = "/".join(parts)
    start = draw(
        st.sampled_from(["", "/", str(base) + "/", str(base / "root") + "/", str(base / "root") + "_"])
    )
    text = start + text
    if draw(st.integers(0, 9)) == 0:
        text += "\x00"
    kind = draw(st.sampled_from(["str", "bytes", "path"]))
    if kind == "bytes":
        return os.fsencode(text)
    if kind == "path" and "\x00" not in text:
        return Path(text)
    return text


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_generated_hostile_paths_never_get_outside(base: Path, data: st.DataObject) -> None:
    outside = base / f"example{next(_EXAMPLES)}"
    outside.mkdir()
    armed = arm(outside)
    before = snapshot(outside)
    path = data.draw(hostile_paths(outside), label="path")
    call = data.draw(st.sampled_from(sorted(CALLS)), label="call")
    try:
        result = CALLS[call](armed, path)
    except (OSError, ValueError):
        pass
    else:
        if hasattr(result, "close"):
            result.close()
        returned = result if call in ("glob", "walk") else []
        assert isinstance(returned, list)
        for item in returned:
            where = item[0] if isinstance(item, tuple) else item
            assert where == armed.path or where.startswith(armed.path + os.sep)
    assert outside_only(snapshot(outside)) == outside_only(before)


def outside_only(entries: dict[str, Any]) -> dict[str, Any]:
    """Drop what is below the store root (``root/``) from a snapshot of the base."""
    return {k: v for k, v in entries.items() if k != "root" and not k.startswith("root" + os.sep)}
