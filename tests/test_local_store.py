"""Each of the fourteen operations, normal and error cases, on disk and in pyfakefs."""

from __future__ import annotations

import errno
import functools
import gc
import os
import shutil
import stat
import uuid
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import IO, Any

import pytest

from pytest_localstore import ArtifactStore, LocalArtifactStore, PathOutsideStoreError


def put(store: LocalArtifactStore, path: str, data: bytes = b"data") -> None:
    """Write a file, creating its parent directories through the store."""
    parent = os.path.dirname(path)
    if parent:
        store.makedirs(parent)
    with store.open(path, "wb") as handle:
        handle.write(data)


def get(store: LocalArtifactStore, path: str) -> bytes:
    with store.open(path, "rb") as handle:
        return handle.read()


class TestRoot:
    def test_path_is_absolute_resolved_and_created(self, base: Path) -> None:
        store = LocalArtifactStore(str(base / "a" / "b") + os.sep)
        assert store.path == str(base / "a" / "b")
        assert os.path.isdir(store.path)

    def test_relative_root_is_made_absolute(self, base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(base)
        store = LocalArtifactStore("rel")
        assert store.path == str(base / "rel")

    def test_root_through_a_link(self, base: Path) -> None:
        (base / "real").mkdir()
        os.symlink(base / "real", base / "alias")
        store = LocalArtifactStore(base / "alias")
        put(store, str(base / "alias" / "f"), b"via alias")
        assert (base / "real" / "f").read_bytes() == b"via alias"
        assert store.path == str(base / "real")

    def test_is_an_artifact_store_component(self, store: LocalArtifactStore) -> None:
        assert isinstance(store, ArtifactStore)
        assert (store.type, store.flavor) == ("artifact_store", "local")
        assert store.id.version == 4

    @pytest.mark.parametrize("bad", ["", "a\x00b"])
    def test_bad_root_is_refused(self, bad: str) -> None:
        with pytest.raises(ValueError, match="expected a directory path"):
            LocalArtifactStore(bad)


class TestOpen:
    def test_text_is_utf8(self, store: LocalArtifactStore) -> None:
        with store.open("t.txt", "w") as handle:
            handle.write("grüße ✓")
        assert get(store, "t.txt") == "grüße ✓".encode()
        with store.open("t.txt") as handle:
            assert handle.read() == "grüße ✓"

    def test_binary_append_and_exclusive(self, store: LocalArtifactStore) -> None:
        put(store, "b.bin", b"\x00\xff")
        with store.open("b.bin", "ab") as handle:
            handle.write(b"\x01")
        assert get(store, "b.bin") == b"\x00\xff\x01"
        with pytest.raises(FileExistsError):
            store.open("b.bin", "xb")
        with store.open("new.bin", "xb") as handle:
            handle.write(b"x")
        assert get(store, "new.bin") == b"x"

    @pytest.mark.parametrize("use_openat2", [None, False], ids=["openat2", "walk"])
    @pytest.mark.parametrize("path", ["f.bin", "d/e/f.bin"])
    @pytest.mark.parametrize("mode", ["rb", "br", "wb", "ab", "r+b", "b+w", "a+b", "r", "w", "a+", "x", "xb"])
    def test_file_objects_are_those_open_gives(
        self, tmp_path: Path, use_openat2: bool | None, path: str, mode: str
    ) -> None:
        """On disk the store builds its file objects itself (pyfakefs has its own)."""

        def describe(handle: IO[Any]) -> tuple[object, ...]:
            with handle:
                shape = (type(handle), handle.name, handle.mode, handle.readable(), handle.writable())
                return (*shape, handle.seekable(), handle.tell(), getattr(handle, "encoding", None))

        store = LocalArtifactStore(tmp_path, use_openat2=use_openat2)
        full = os.path.join(store.path, path)
        encoding = None if "b" in mode else "utf-8"
        seen = []
        for opened in (lambda: open(full, mode, encoding=encoding), lambda: store.open(path, mode)):  # noqa: SIM115
            put(store, path, b"data")
            if "x" in mode:
                store.remove(path)
            seen.append(describe(opened()))
        assert seen[0] == seen[1]

    def test_relative_paths_are_relative_to_the_root(
        self, store: LocalArtifactStore, base: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(base)
        put(store, "rel.txt", b"r")
        assert (Path(store.path) / "rel.txt").read_bytes() == b"r"
        assert not (base / "rel.txt").exists()

    def test_bytes_and_pathlike_paths(self, store: LocalArtifactStore) -> None:
        put(store, "p.txt", b"p")
        assert get(store, Path(store.path) / "p.txt") == b"p"  # type: ignore[arg-type]
        assert get(store, os.fsencode(os.path.join(store.path, "p.txt"))) == b"p"  # type: ignore[arg-type]
        assert store.exists(b"p.txt")

    def test_errors(self, store: LocalArtifactStore) -> None:
        with pytest.raises(FileNotFoundError):
            store.open("missing.txt")
        with pytest.raises(FileNotFoundError):
            store.open("no/parent.txt", "w")
        store.mkdir("d")
        with pytest.raises(IsADirectoryError):
            store.open("d")
        with pytest.raises(ValueError, match="mode"):
            store.open("d/x", "q")


class TestCopyfile:
    def test_copies_content(self, store: LocalArtifactStore) -> None:
        put(store, "a", b"content")
        store.copyfile("a", "b")
        assert get(store, "b") == b"content"
        assert get(store, "a") == b"content"

    def test_existing_target_needs_overwrite(self, store: LocalArtifactStore) -> None:
        put(store, "a", b"new")
        put(store, "b", b"old")
        with pytest.raises(FileExistsError):
            store.copyfile("a", "b")
        assert get(store, "b") == b"old"
        store.copyfile("a", "b", overwrite=True)
        assert get(store, "b") == b"new"

    def test_errors(self, store: LocalArtifactStore) -> None:
        with pytest.raises(FileNotFoundError):
            store.copyfile("missing", "b")
        put(store, "a")
        store.mkdir("d")
        with pytest.raises(IsADirectoryError):
            store.copyfile("a", "d", overwrite=True)
        with pytest.raises(FileExistsError):
            store.copyfile("a", "d")
        with pytest.raises(FileNotFoundError):
            store.copyfile("a", "no/such/dir/b")


class TestExistsIsdir:
    def test_kinds(self, store: LocalArtifactStore) -> None:
        put(store, "f")
        store.mkdir("d")
        assert (store.exists("f"), store.isdir("f")) == (True, False)
        assert (store.exists("d"), store.isdir("d")) == (True, True)
        assert (store.exists("nope"), store.isdir("nope")) == (False, False)
        assert (store.exists("f/below"), store.isdir("f/below")) == (False, False)
        assert store.isdir(store.path) and store.isdir(".")

    def test_trailing_separator_means_directory(self, store: LocalArtifactStore, base: Path) -> None:
        put(store, "f")
        store.mkdir("d")
        assert store.isdir("d/") and store.exists("d/")
        assert not store.exists("f/")

    def test_link_inside_the_root_is_followed(self, store: LocalArtifactStore) -> None:
        store.mkdir("d")
        os.symlink("d", os.path.join(store.path, "alias"))
        assert store.isdir("alias")
        os.symlink("gone", os.path.join(store.path, "dangling"))
        assert not store.exists("dangling")


class TestGlob:
    def test_full_paths_hidden_excluded(self, store: LocalArtifactStore) -> None:
        for name in ("a.txt", "b.txt", ".hidden.txt", "c.bin"):
            put(store, name)
        root = store.path
        assert sorted(store.glob("*.txt")) == [f"{root}/a.txt", f"{root}/b.txt"]
        assert sorted(store.glob(".*")) == [f"{root}/.hidden.txt"]
        assert store.glob(f"{root}/c.bin") == [f"{root}/c.bin"]
        assert store.glob("nothing*") == []

    def test_nested_and_double_star_is_one_level(self, store: LocalArtifactStore) -> None:
        put(store, "d/x.txt")
        put(store, "d/e/y.txt")
        put(store, "top.txt")
        root = store.path
        assert sorted(store.glob("*/x.txt")) == [f"{root}/d/x.txt"]
        assert sorted(store.glob("d/*")) == [f"{root}/d/e", f"{root}/d/x.txt"]
        assert sorted(store.glob("**/*.txt")) == [f"{root}/d/x.txt"]
        assert sorted(store.glob("d/?/y.txt")) == [f"{root}/d/e/y.txt"]
        assert sorted(store.glob("[dt]*")) == [f"{root}/d", f"{root}/top.txt"]


class TestListdir:
    def test_names_not_paths(self, store: LocalArtifactStore) -> None:
        put(store, "d/a")
        put(store, "d/.b")
        store.mkdir("d/sub")
        assert sorted(store.listdir("d")) == [".b", "a", "sub"]
        assert store.listdir(".") == ["d"]

    def test_errors(self, store: LocalArtifactStore) -> None:
        with pytest.raises(FileNotFoundError):
            store.listdir("missing")
        put(store, "f")
        with pytest.raises(NotADirectoryError):
            store.listdir("f")


class TestMakedirsMkdir:
    def test_makedirs_nested_and_existing(self, store: LocalArtifactStore) -> None:
        store.makedirs("a/b/c")
        store.makedirs("a/b/c")
        assert store.isdir("a/b/c")

    def test_makedirs_on_a_file(self, store: LocalArtifactStore) -> None:
        put(store, "f")
        with pytest.raises(FileExistsError):
            store.makedirs("f")

    def test_mkdir(self, store: LocalArtifactStore) -> None:
        store.mkdir("d")
        assert store.isdir("d")
        with pytest.raises(FileExistsError):
            store.mkdir("d")
        with pytest.raises(FileNotFoundError):
            store.mkdir("x/y")


class TestRemoveRmtree:
    def test_remove_file(self, store: LocalArtifactStore) -> None:
        put(store, "f")
        store.remove("f")
        assert not store.exists("f")
        with pytest.raises(FileNotFoundError):
            store.remove("f")

    def test_remove_directory_is_refused(self, store: LocalArtifactStore) -> None:
        store.mkdir("d")
        with pytest.raises(OSError) as info:
            store.remove("d")
        assert info.value.errno in (errno.EISDIR, errno.EPERM)
        assert store.isdir("d")

    def test_rmtree(self, store: LocalArtifactStore) -> None:
        put(store, "d/e/f")
        put(store, "d/g")
        store.rmtree("d")
        assert store.listdir(".") == []
        with pytest.raises(FileNotFoundError):
            store.rmtree("d")
        put(store, "f")
        with pytest.raises(NotADirectoryError):
            store.rmtree("f")
        assert store.exists("f")


class TestRename:
    def test_file_and_directory_with_content(self, store: LocalArtifactStore) -> None:
        put(store, "a", b"A")
        store.rename("a", "b")
        assert get(store, "b") == b"A" and not store.exists("a")
        put(store, "d/e/f", b"F")
        store.rename("d", "moved")
        assert get(store, "moved/e/f") == b"F" and not store.exists("d")

    def test_existing_target_needs_overwrite(self, store: LocalArtifactStore) -> None:
        put(store, "a", b"new")
        put(store, "b", b"old")
        with pytest.raises(FileExistsError):
            store.rename("a", "b")
        assert get(store, "b") == b"old" and store.exists("a")
        store.rename("a", "b", overwrite=True)
        assert get(store, "b") == b"new" and not store.exists("a")

    def test_directory_onto_non_empty_directory(self, store: LocalArtifactStore) -> None:
        put(store, "src/x")
        put(store, "dst/y")
        with pytest.raises(OSError) as info:
            store.rename("src", "dst", overwrite=True)
        assert info.value.errno in (errno.ENOTEMPTY, errno.EEXIST)
        assert store.exists("dst/y") and store.exists("src/x")

    def test_missing_source(self, store: LocalArtifactStore) -> None:
        with pytest.raises(FileNotFoundError):
            store.rename("missing", "b")


class TestStatSize:
    def test_file(self, store: LocalArtifactStore) -> None:
        put(store, "f", b"12345")
        assert store.size("f") == 5
        assert store.stat("f").st_size == 5
        put(store, "empty", b"")
        assert store.size("empty") == 0

    def test_missing(self, store: LocalArtifactStore) -> None:
        with pytest.raises(FileNotFoundError):
            store.stat("missing")
        with pytest.raises(FileNotFoundError):
            store.size("missing")

    def test_link_inside_is_followed(self, store: LocalArtifactStore) -> None:
        put(store, "f", b"123")
        os.symlink("f", os.path.join(store.path, "alias"))
        assert store.size("alias") == 3


class TestWalk:
    def test_both_directions(self, store: LocalArtifactStore) -> None:
        put(store, "a/b/f1")
        put(store, "a/f2")
        root = store.path
        down = [(d, sorted(ds), sorted(fs)) for d, ds, fs in store.walk("a")]
        assert down == [(f"{root}/a", ["b"], ["f2"]), (f"{root}/a/b", [], ["f1"])]
        up = [d for d, _, _ in store.walk("a", topdown=False)]
        assert up == [f"{root}/a/b", f"{root}/a"]

    def test_missing_top_yields_nothing_and_calls_onerror(self, store: LocalArtifactStore) -> None:
        errors: list[OSError] = []
        assert list(store.walk("missing")) == []
        assert list(store.walk("missing", onerror=errors.append)) == []
        assert len(errors) == 1 and isinstance(errors[0], FileNotFoundError)

    def test_link_to_directory_is_not_entered(self, store: LocalArtifactStore) -> None:
        put(store, "d/f")
        os.symlink("d", os.path.join(store.path, "alias"))
        walked = [d for d, _, _ in store.walk(".")]
        assert walked == [store.path, f"{store.path}/d"]


def raw_open(full_path: str, mode: str) -> None:
    """``open()`` by path, as the store's failing calls are compared with; a file that opens is closed."""
    with open(full_path, mode):
        pass


#: Each operation twice: the store's call (store, path) and raw ``os``'s on the full path (full, path),
#: where ``full()`` joins a path onto the root.
SAME_CALLS: dict[str, tuple[Any, Any]] = {
    "open rb": (lambda s, p: s.open(p, "rb"), lambda full, p: raw_open(full(p), "rb")),
    "open +rb": (lambda s, p: s.open(p, "+rb"), lambda full, p: raw_open(full(p), "+rb")),
    "open w": (lambda s, p: s.open(p, "w"), lambda full, p: raw_open(full(p), "w")),
    "open wb": (lambda s, p: s.open(p, "wb"), lambda full, p: raw_open(full(p), "wb")),
    "open xb": (lambda s, p: s.open(p, "xb"), lambda full, p: raw_open(full(p), "xb")),
    "listdir": (lambda s, p: s.listdir(p), lambda full, p: os.listdir(full(p))),
    "stat": (lambda s, p: s.stat(p), lambda full, p: os.stat(full(p))),
    "remove": (lambda s, p: s.remove(p), lambda full, p: os.remove(full(p))),
    "mkdir": (lambda s, p: s.mkdir(p), lambda full, p: os.mkdir(full(p))),
    "mkdir below": (lambda s, p: s.mkdir(p + "/y"), lambda full, p: os.mkdir(full(p + "/y"))),
    "makedirs": (lambda s, p: s.makedirs(p), lambda full, p: os.makedirs(full(p))),
    "makedirs below": (lambda s, p: s.makedirs(p + "/x"), lambda full, p: os.makedirs(full(p + "/x"))),
    "rename": (
        lambda s, p: s.rename(p, "moved", overwrite=True),
        lambda full, p: os.replace(full(p), full("moved")),
    ),
    "rename f onto": (
        lambda s, p: s.rename("f", p, overwrite=True),
        lambda full, p: os.replace(full("f"), full(p)),
    ),
    "rename d onto": (
        lambda s, p: s.rename("d", p, overwrite=True),
        lambda full, p: os.replace(full("d"), full(p)),
    ),
    "copyfile f onto": (
        lambda s, p: s.copyfile("f", p, overwrite=True),
        lambda full, p: shutil.copyfile(full("f"), full(p)),
    ),
    "copyfile": (
        lambda s, p: s.copyfile(p, "x", overwrite=True),
        lambda full, p: shutil.copyfile(full(p), full("x")),
    ),
    "rmtree": (lambda s, p: s.rmtree(p), lambda full, p: shutil.rmtree(full(p))),
}


def failing(ops: str, *paths: str | tuple[str, str]) -> list[tuple[str, Any, Any]]:
    """(id, store call, raw call) of each operation in *ops* (comma-separated) on each path.

    A path may come as (label, path); a label ending in "(disk)" is compared on disk only.
    """
    found = []
    for given in paths:
        label, path = given if isinstance(given, tuple) else (repr(given), given)
        for op in ops.split(","):
            store_call, raw_call = SAME_CALLS[op]
            found.append(
                (f"{op} {label}", functools.partial(store_call, p=path), functools.partial(raw_call, p=path))
            )
    return found


#: Failing calls, each with the raw ``os`` call on the full path that fails the same way.
FAILING_CALLS = [
    *failing("open rb,listdir,stat,remove,mkdir below,rename", "missing", "d/missing", "d/e/missing"),
    # pyfakefs refuses the spelling '+rb' (ValueError); the store takes it, as r+b, everywhere
    *failing("open +rb", ("'missing' (disk)", "missing"), ("'d/missing' (disk)", "d/missing")),
    *failing("open rb,open w,listdir,stat,remove,mkdir below,rename", "f/x", "no/x"),
    *failing("open rb,open wb,open xb,mkdir,remove", "d", "d/e"),  # directories
    *failing("open xb,listdir,mkdir,makedirs,makedirs below", "f", "d/g"),  # files
    # pyfakefs says ENOENT below a loop; the store, ELOOP naming what os names on disk
    *failing(
        "makedirs below", ("a loop of links (disk)", "loop1"), ("a loop of links in d (disk)", "d/loop")
    ),
    *failing("rmtree", ("a loop of links", "loop1"), ("a loop of links in d", "d/loop")),
    *failing(
        "open rb,open wb,stat,listdir",
        ("a loop of links", "loop1"),
        ("a loop of links in d", "d/loop"),
        ("a name of 256 bytes (disk)", "n" * 256),  # pyfakefs has no limit; the store has, everywhere
        ("a name of 256 bytes in d (disk)", "d/" + "n" * 256),
    ),
    *failing("rename f onto", "no/x", "f/x", "d/g/x", ("'x/' (disk)", "x/")),  # pyfakefs renames to 'x'
    *failing("rename d onto", ("'d/e/x' (disk)", "d/e/x")),  # into itself: pyfakefs says ENOTDIR
    *failing("copyfile", "missing", "d/missing", "d"),
    *failing("copyfile f onto", "no/x", "d", "f/x"),
    *failing("rmtree", "missing", "d/missing", "f", "d/g", "f/x", "no/x"),
    *failing("open rb,listdir,stat,remove", ("'f/' (disk)", "f/")),  # pyfakefs answers these unlike Linux
]


@pytest.fixture(params=["openat2", "walk", "fake"])
def tree(request: pytest.FixtureRequest, tmp_path: Path) -> LocalArtifactStore:
    """A store on disk by either resolver, or under pyfakefs, holding ``f``, ``d/g``, ``d/e/``,
    and two loops of links, ``loop1`` and ``d/loop``."""
    if request.param == "fake":
        request.getfixturevalue("fs")
        tmp_path = Path("/base")
    store = LocalArtifactStore(tmp_path / "root", use_openat2=False if request.param == "walk" else None)
    put(store, "f")
    put(store, "d/g")
    store.makedirs("d/e")
    os.symlink("loop2", os.path.join(store.path, "loop1"))
    os.symlink("loop1", os.path.join(store.path, "loop2"))
    os.symlink("loop", os.path.join(store.path, "d", "loop"))
    return store


def test_a_rename_through_a_link_written_with_dot_dot_lands_as_on_linux(tree: LocalArtifactStore) -> None:
    # pyfakefs finds no existing name below such a link when it renames; Linux follows it.
    os.symlink("./d/e/../../d", os.path.join(tree.path, "up"))
    tree.makedirs("h")
    put(tree, "f", b"moved")
    tree.rename("h", "up/e", overwrite=True)  # onto the empty directory d/e
    tree.rename("f", "up/g", overwrite=True)  # onto the file d/g
    put(tree, "n")
    tree.rename("n", "up/new")  # to a new name
    assert sorted(tree.listdir("d")) == ["e", "g", "loop", "new"]
    assert not tree.exists("h") and not tree.exists("f") and not tree.exists("n")
    assert tree.isdir("d/e") and tree.open("d/g", "rb").read() == b"moved"


class TestErrorsAsOsGivesThem:
    """A failing call raises what raw ``os`` raises on the full path: class, errno, message, file names."""

    @pytest.mark.parametrize(
        ("store_call", "raw_call"), [c[1:] for c in FAILING_CALLS], ids=[c[0] for c in FAILING_CALLS]
    )
    def test_same_error(
        self, request: pytest.FixtureRequest, tree: LocalArtifactStore, store_call: Any, raw_call: Any
    ) -> None:
        if request.node.callspec.id.endswith("(disk)") and type(os) is not ModuleType:
            pytest.skip("pyfakefs says another class, or another file name, than Linux here")

        def full(path: str) -> str:
            return os.path.join(tree.path, path)

        def error_of(call: Any, argument: Any) -> tuple[object, ...]:
            with pytest.raises(OSError) as caught:
                call(argument)
            error = caught.value
            return type(error), error.errno, error.strerror, error.filename, error.filename2

        assert error_of(store_call, tree) == error_of(raw_call, full)


def error_parts(call: Any) -> tuple[object, ...]:
    """What *call* raises: class, errno, message, file names, and the text it prints."""
    with pytest.raises(OSError) as caught:
        call()
    error = caught.value
    return type(error), error.errno, error.strerror, error.filename, error.filename2, str(error)


def raised(
    kind: type[OSError], code: int, full: str, message: str = "", second: str | None = None
) -> tuple[object, ...]:
    """What :func:`error_parts` finds for ``kind(code, message, full, None, second)``; the message
    is errno's by default."""
    message = message or os.strerror(code)
    shown = f"{full!r}" if second is None else f"{full!r} -> {second!r}"
    return kind, code, message, full, second, f"[Errno {code}] {message}: {shown}"


class TestErrorsOnlyTheStoreRaises:
    """Refusals that raw ``os`` has no word for: each names the full path, as ``os`` would."""

    @pytest.mark.parametrize(
        ("call", "what"),
        [
            (lambda s: s.rename(".", "x", overwrite=True), "renamed"),
            (lambda s: s.rename("./", "x", overwrite=False), "renamed"),
            (lambda s: s.rename("f", ".", overwrite=True), "replaced"),
            (lambda s: s.rename("f", "d/..", overwrite=True), "replaced"),
            (lambda s: s.rmtree("."), "removed"),
            (lambda s: s.rmtree("d/../"), "removed"),
        ],
        ids=["rename root", "rename root/", "replace root", "replace d/..", "rmtree root", "rmtree d/../"],
    )
    def test_the_root_is_kept(self, tree: LocalArtifactStore, call: Any, what: str) -> None:
        message = f"the store root cannot be {what}"
        assert error_parts(lambda: call(tree)) == raised(PermissionError, errno.EACCES, tree.path, message)
        assert sorted(tree.listdir(".")) == ["d", "f", "loop1", "loop2"]

    @pytest.mark.parametrize(
        ("call", "named"),
        [
            (lambda s: s.rename("f", "d/g", overwrite=False), "d/g"),
            (lambda s: s.rename("f", "d/e/", overwrite=False), "d/e"),
            (lambda s: s.rename("d/g", "loop1", overwrite=False), "loop1"),
            (lambda s: s.copyfile("f", "d/g", overwrite=False), "d/g"),
            (lambda s: s.copyfile("f", "d/e", overwrite=False), "d/e"),
            (lambda s: s.rename("f", "d/X/", overwrite=False), "d/X"),  # a strip must take '/' alone
        ],
        ids=[
            "rename onto file",
            "rename onto 'dir/'",
            "rename onto link",
            "copy onto file",
            "copy onto dir",
            "rename onto 'X/'",
        ],
    )
    def test_existing_target_needs_overwrite(self, tree: LocalArtifactStore, call: Any, named: str) -> None:
        tree.mkdir("d/X")
        full = os.path.join(tree.path, named)
        assert error_parts(lambda: call(tree)) == raised(FileExistsError, errno.EEXIST, full)
        assert get(tree, "f") == b"data"

    @pytest.mark.parametrize(
        ("call", "kind", "code", "named"),
        [
            (lambda s: s.stat("n" * 256), OSError, errno.ENAMETOOLONG, "n" * 256),
            (lambda s: s.stat("./" + "n" * 256), OSError, errno.ENAMETOOLONG, "n" * 256),
            (lambda s: s.open("d/" + "n" * 256, "wb"), OSError, errno.ENAMETOOLONG, "d/" + "n" * 256),
            (lambda s: s.makedirs("d/" + "n" * 256), OSError, errno.ENAMETOOLONG, "d/" + "n" * 256),
            (lambda s: s.rename("f", "x/", overwrite=True), NotADirectoryError, errno.ENOTDIR, ("f", "x/")),
            (lambda s: s.rename("f", "x/", overwrite=False), NotADirectoryError, errno.ENOTDIR, ("f", "x/")),
            (lambda s: s.rename("d", "d/e/x", overwrite=True), OSError, errno.EINVAL, ("d", "d/e/x")),
            (lambda s: s.copyfile("f", "x/", overwrite=True), IsADirectoryError, errno.EISDIR, "x/"),
        ],
        ids=[
            "long name",
            "long name spelt './'",
            "long name in d",
            "makedirs long name",
            "file onto 'x/'",
            "file onto 'x/', not overwriting",
            "directory into itself",
            "copy onto 'x/'",
        ],
    )
    def test_what_linux_says_on_every_backend(
        self,
        tree: LocalArtifactStore,
        call: Any,
        kind: type[OSError],
        code: int,
        named: str | tuple[str, str],
    ) -> None:
        """Where pyfakefs answers unlike Linux (or not at all), the store still answers as Linux."""
        before = sorted(tree.listdir(".")), sorted(tree.listdir("d"))
        full, second = (named, None) if isinstance(named, str) else named
        expected = raised(
            kind, code, os.path.join(tree.path, full), "", second and os.path.join(tree.path, second)
        )
        assert error_parts(lambda: call(tree)) == expected
        assert (sorted(tree.listdir(".")), sorted(tree.listdir("d"))) == before

    @pytest.mark.parametrize(
        "call", [lambda s: s.makedirs("f/"), lambda s: s.stat("f/")], ids=["makedirs", "stat"]
    )
    def test_a_file_named_as_a_directory(self, tree: LocalArtifactStore, call: Any) -> None:
        """``'f/'`` is ENOTDIR everywhere (``os.makedirs`` would say EEXIST, pyfakefs's ``stat`` nothing)."""
        full = os.path.join(tree.path, "f/")
        assert error_parts(lambda: call(tree)) == raised(NotADirectoryError, errno.ENOTDIR, full)
        assert get(tree, "f") == b"data"

    def test_a_copy_onto_itself(self, tree: LocalArtifactStore) -> None:
        full = os.path.join(tree.path, "d/g")
        with pytest.raises(shutil.SameFileError) as caught:
            tree.copyfile("d/g", "d/../d/g", overwrite=True)
        assert str(caught.value) == f"{full!r} and {full!r} are the same file"
        assert get(tree, "d/g") == b"data"

    @pytest.mark.parametrize(
        "call", [lambda s: s.stat(""), lambda s: s.open("", "rb"), lambda s: s.rmtree("")]
    )
    def test_an_empty_path(self, tree: LocalArtifactStore, call: Any) -> None:
        expected = (FileNotFoundError, errno.ENOENT, "empty path", "", None)
        assert error_parts(lambda: call(tree))[:5] == expected

    @pytest.mark.parametrize("spelt", ["alias", "alias/"])
    def test_rmtree_of_a_link(self, tree: LocalArtifactStore, spelt: str) -> None:
        """Refused, and what the link points to kept (``shutil.rmtree('alias/')`` would empty it)."""
        os.symlink("d", os.path.join(tree.path, "alias"))
        with pytest.raises(OSError, match="symbolic link") as caught:
            tree.rmtree(spelt)
        if type(os) is ModuleType or spelt.endswith("/"):  # shutil under pyfakefs does not say which
            alias = os.path.join(tree.path, "alias")
            assert str(caught.value) == f"cannot call rmtree on a symbolic link: {alias!r}"
        assert sorted(tree.listdir("alias")) == ["e", "g", "loop"]

    def test_a_file_that_is_not_regular_is_not_copied(self, tmp_path: Path) -> None:
        store = LocalArtifactStore(tmp_path / "root")
        os.mkfifo(os.path.join(store.path, "pipe"))
        with pytest.raises(shutil.SpecialFileError) as caught:
            store.copyfile("pipe", "copy", overwrite=True)
        assert str(caught.value) == f"`{os.path.join(store.path, 'pipe')}` is not a regular file"
        assert not store.exists("copy")


#: Each operation on a path through ``d/out``, a link to a directory outside the root.
THROUGH_THE_LINK_OUT: dict[str, tuple[str, Any]] = {
    "open rb": ("d/out/x", lambda s, p: s.open(p, "rb")),
    "open wb": ("d/out/x", lambda s, p: s.open(p, "wb")),
    "open +rb": ("d/out/x", lambda s, p: s.open(p, "+rb")),  # a spelling open()'s general path takes
    "listdir": ("d/out", lambda s, p: s.listdir(p)),
    "stat": ("d/out", lambda s, p: s.stat(p)),
    "exists": ("d/out/x", lambda s, p: s.exists(p)),
    "isdir": ("d/out", lambda s, p: s.isdir(p)),
    "makedirs": ("d/out/x", lambda s, p: s.makedirs(p)),
    "mkdir": ("d/out/x", lambda s, p: s.mkdir(p)),
    "remove": ("d/out/x", lambda s, p: s.remove(p)),
    "rmtree": ("d/out/x", lambda s, p: s.rmtree(p)),
    "copyfile from": ("d/out/x", lambda s, p: s.copyfile(p, "y", overwrite=True)),
    "copyfile onto": ("d/out/x", lambda s, p: s.copyfile("f", p, overwrite=True)),
    "rename from": ("d/out/x", lambda s, p: s.rename(p, "y", overwrite=True)),
    "rename onto": ("d/out/x", lambda s, p: s.rename("f", p, overwrite=False)),
    "glob": ("d/out/*", lambda s, p: s.glob(p)),
    "walk": ("d/out", lambda s, p: list(s.walk(p))),
}


class TestRefusals:
    """A path that leads out is refused with ``PathOutsideStoreError`` naming the path as given."""

    @pytest.mark.parametrize(
        ("spelling", "form"),
        [
            ("{}", str),
            ("./{}", str),
            ("{}/", str),
            ("{}", os.fsencode),
            ("{}", PurePosixPath),
        ],
        ids=["str", "./str", "str/", "bytes", "pathlib"],
    )
    @pytest.mark.parametrize("link", ["absolute", "relative"])
    @pytest.mark.parametrize(("path", "call"), THROUGH_THE_LINK_OUT.values(), ids=THROUGH_THE_LINK_OUT.keys())
    def test_the_refusal_names_the_path_as_given(
        self, tree: LocalArtifactStore, path: str, call: Any, link: str, spelling: str, form: Any
    ) -> None:
        outside = os.path.join(os.path.dirname(tree.path), "outside")
        os.mkdir(outside)
        with open(os.path.join(outside, "x"), "wb") as handle:
            handle.write(b"outside")
        os.symlink(outside if link == "absolute" else "../../outside", os.path.join(tree.path, "d", "out"))
        given = form(spelling.format(path))
        with pytest.raises(PathOutsideStoreError) as caught:
            call(tree, given)
        assert (caught.value.filename, caught.value.root) == (os.fsdecode(os.fspath(given)), tree.path)
        assert os.listdir(outside) == ["x"] and get(tree, "f") == b"data"


class TestWalkErrors:
    """``walk`` reports what it cannot list to ``onerror``, as ``os.walk`` does, naming the full path."""

    @pytest.mark.parametrize("top", ["missing", "d/missing", "f", "f/", "loop1"])
    def test_a_top_it_cannot_list(self, tree: LocalArtifactStore, top: str) -> None:
        errors: list[OSError] = []
        assert list(tree.walk(top, onerror=errors.append)) == []
        raw: list[OSError] = []
        assert list(os.walk(os.path.join(tree.path, top), onerror=raw.append)) == []
        expected = [(type(e), e.errno, e.filename) for e in raw]
        if top == "f/" and type(os) is not ModuleType:  # pyfakefs names 'f'; Linux, and the store, 'f/'
            expected = [(NotADirectoryError, errno.ENOTDIR, os.path.join(tree.path, "f/"))]
        assert [(type(e), e.errno, e.filename) for e in errors] == expected

    def test_a_directory_gone_while_walking(self, tree: LocalArtifactStore) -> None:
        errors: list[OSError] = []
        walked = []
        for dirpath, dirnames, _ in tree.walk("d", topdown=True, onerror=errors.append):
            walked.append(dirpath)
            if dirpath == os.path.join(tree.path, "d"):
                assert dirnames == ["e"]
                os.rmdir(os.path.join(tree.path, "d", "e"))
        assert walked == [os.path.join(tree.path, "d")]
        assert [type(e) for e in errors] == [FileNotFoundError]


class TestBeyondTheContract:
    """What the contract cannot make: a dangling link, names that are not UTF-8, a root reached
    through a link, a root moved away, a file of more than one copy chunk, a root at ``/``."""

    def test_a_copy_of_more_than_one_chunk(self, tree: LocalArtifactStore) -> None:
        data = bytes(range(256)) * (((8 << 20) + 512) // 256)  # the kernel copies 8 MiB at a time
        put(tree, "big", data)
        tree.copyfile("big", "d/copy", overwrite=True)
        assert get(tree, "d/copy") == data

    def test_a_dangling_link_exists_as_a_name_only(self, tree: LocalArtifactStore) -> None:
        os.symlink("nowhere", os.path.join(tree.path, "dangling"))
        full = os.path.join(tree.path, "dangling")
        assert (tree.exists("dangling"), tree.isdir("dangling")) == (False, False)
        assert tree.glob("dangling") == [full] and tree.glob("dang*") == [full]
        with pytest.raises(FileExistsError):
            tree.rename("f", "dangling", overwrite=False)
        assert os.readlink(full) == "nowhere" and get(tree, "f") == b"data"

    def test_a_link_out_is_itself_inside(self, tree: LocalArtifactStore) -> None:
        """Renaming or removing a link that points out acts on the link, which is inside the root."""
        outside = os.path.join(os.path.dirname(tree.path), "outside")
        os.mkdir(outside)
        os.symlink(outside, os.path.join(tree.path, "d", "out"))
        os.symlink("d", os.path.join(tree.path, "ln"))  # a link on the way, pointing inside
        with pytest.raises(PathOutsideStoreError):
            tree.listdir("ln/out")
        with pytest.raises(FileExistsError):
            tree.rename("d/g", "d/out", overwrite=False)
        tree.rename("ln/out", "ln/e/out", overwrite=False)
        assert os.readlink(os.path.join(tree.path, "d", "e", "out")) == outside
        tree.remove("ln/e/out")
        assert (tree.listdir("d/e"), os.listdir(outside)) == ([], [])

    @pytest.mark.parametrize("where", ["", "d/"])
    def test_links_in_a_row_as_many_as_linux_follows(self, tree: LocalArtifactStore, where: str) -> None:
        """40 links in a row resolve, 41 are ELOOP, as the kernel counts (the walk counts alike)."""
        if type(os) is not ModuleType:
            pytest.skip("pyfakefs counts links its own way")

        def chain(name: str, length: int) -> str:
            for index in range(length):
                target = f"{name}{index + 1}" if index < length - 1 else "../" * where.count("/") + "f"
                os.symlink(target, os.path.join(tree.path, where + f"{name}{index}"))
            return where + f"{name}0"

        assert get(tree, chain("ok", 40)) == b"data"
        too_many = chain("no", 41)
        with pytest.raises(OSError) as caught:
            tree.open(too_many, "rb")
        with pytest.raises(OSError) as raw:
            raw_open(os.path.join(tree.path, too_many), "rb")
        assert (caught.value.errno, caught.value.filename) == (raw.value.errno, raw.value.filename)

    def test_no_descriptor_is_left_open(self, tree: LocalArtifactStore) -> None:
        if type(os) is not ModuleType or not os.path.isdir("/proc/self/fd"):
            pytest.skip("counts the real descriptors in /proc/self/fd, on disk")
        os.symlink("e", os.path.join(tree.path, "d", "to-e"))
        os.symlink(os.path.join(tree.path, "d"), os.path.join(tree.path, "abs"))
        gc.collect()  # a file object left to the collector would close its descriptor mid-count
        before = len(os.listdir("/proc/self/fd"))
        for path in ("d/to-e", "abs/to-e", "abs/e", "d/e/../e"):
            tree.exists(path + "/x")
            tree.isdir(path)
            tree.listdir("abs")
            tree.makedirs(path + "/new")
            with tree.open(path + "/new/f", "wb"):
                pass
            tree.copyfile(path + "/new/f", path + "/new/g", overwrite=True)
            tree.rename(path + "/new/g", path + "/new/h", overwrite=True)
            tree.rmtree(path + "/new")
            list(tree.walk(path))
        gc.collect()
        assert len(os.listdir("/proc/self/fd")) <= before

    def test_the_root_globbed_is_the_root(self, tree: LocalArtifactStore) -> None:
        assert tree.glob(".") == tree.glob("./") == tree.glob("d/..") == [tree.path]

    @pytest.mark.parametrize("mode", ["r+b+", "r++", "rr+"])
    def test_a_mode_open_refuses_is_refused(self, tree: LocalArtifactStore, mode: str) -> None:
        with pytest.raises(ValueError, match="mode"):
            tree.open("f", mode)
        assert get(tree, "f") == b"data"

    def test_a_doubled_separator_is_one(self, tree: LocalArtifactStore) -> None:
        """``'d//e'`` is ``'d/e'``: in what is made, and in the paths given back and named in errors."""
        tree.makedirs("x//y")
        assert tree.listdir("x") == ["y"]
        root = tree.path
        assert [dirpath for dirpath, _, _ in tree.walk("x//y")] == [f"{root}/x/y"]
        assert tree.glob("x//*") == [f"{root}/x/y"] and tree.glob("d//g") == [f"{root}/d/g"]
        with pytest.raises(FileNotFoundError) as caught:
            tree.stat("d//missing")
        assert caught.value.filename == f"{root}/d/missing"

    @pytest.mark.parametrize(("src", "dst"), [("d/", "d"), ("d", "d/"), ("d/", "d/"), ("d", "./d")])
    def test_a_directory_renamed_onto_itself_stays(
        self, tree: LocalArtifactStore, src: str, dst: str
    ) -> None:
        """As on Linux: nothing happens (pyfakefs says ENOTDIR or EINVAL for the spellings with '/')."""
        tree.rename(src, dst, overwrite=True)
        assert sorted(tree.listdir("d")) == ["e", "g", "loop"]

    def test_a_trailing_space_is_part_of_a_name(self, tree: LocalArtifactStore) -> None:
        assert (tree.glob("f "), tree.glob("d "), list(tree.walk("d ")), tree.exists("d ")) == (
            [],
            [],
            [],
            False,
        )
        put(tree, "d /f ")
        assert tree.glob("d /*") == [os.path.join(tree.path, "d /f ")]
        assert [dirpath for dirpath, _, _ in tree.walk("d ")] == [os.path.join(tree.path, "d ")]
        assert sorted(tree.listdir(".")) == ["d", "d ", "f", "loop1", "loop2"]

    def test_rmtree_of_a_directory_named_with_a_separator(self, tree: LocalArtifactStore) -> None:
        tree.rmtree("d/")
        assert sorted(tree.listdir(".")) == ["f", "loop1", "loop2"]

    @pytest.mark.parametrize("use_openat2", [None, False], ids=["openat2", "walk"])
    def test_names_that_are_not_utf8(self, tmp_path: Path, use_openat2: bool | None) -> None:
        store = LocalArtifactStore(tmp_path / "root", use_openat2=use_openat2)
        os.makedirs(os.path.join(os.fsencode(store.path), b"d", b"\xff"))
        with open(os.path.join(os.fsencode(store.path), b"d", b"\xff", b"\xfe"), "wb") as handle:
            handle.write(b"data")
        name = "d/" + os.fsdecode(b"\xff") + "/" + os.fsdecode(b"\xfe")
        assert (store.exists(name), store.isdir(name), store.isdir(os.path.dirname(name))) == (
            True,
            False,
            True,
        )
        assert (store.stat(name).st_size, get(store, name)) == (4, b"data")
        assert store.listdir(os.path.dirname(name)) == [os.fsdecode(b"\xfe")]

    @pytest.mark.parametrize("root", ["rootX", "root "])  # ends only a strip of separators keeps
    @pytest.mark.parametrize("use_openat2", [None, False], ids=["openat2", "walk"])
    def test_absolute_links_inside_a_root_reached_through_a_link(
        self, tmp_path: Path, use_openat2: bool | None, root: str
    ) -> None:
        real = tmp_path / root
        real.mkdir()
        os.symlink(real, tmp_path / "alias")
        store = LocalArtifactStore(tmp_path / "alias", use_openat2=use_openat2)
        assert store.path == str(real)
        put(store, "Xd/e/f")
        os.symlink(str(real), real / "top")
        os.symlink(f"{real}/", real / "top2")
        os.symlink(f"{real}/Xd", real / "deep")
        assert sorted(store.listdir("top")) == sorted(store.listdir("top2")) == ["Xd", "deep", "top", "top2"]
        assert store.listdir("deep") == ["e"] and get(store, "deep/e/f") == b"data"
        assert store.isdir("top/Xd/e") and store.exists("top2/deep/e/f")
        sibling = f"{real} "  # the root's name and a space: outside, however a strip reads it
        os.mkdir(sibling)
        os.symlink(sibling, real / "sibling")
        with pytest.raises(PathOutsideStoreError):
            store.listdir("sibling")

    @pytest.mark.parametrize("use_openat2", [None, False], ids=["openat2", "walk"])
    def test_the_root_is_held_open(self, tmp_path: Path, use_openat2: bool | None) -> None:
        """A store works on the directory it opened, wherever that directory has moved since."""
        store = LocalArtifactStore(tmp_path / "root", use_openat2=use_openat2)
        put(store, "d/old")
        os.rename(tmp_path / "root", tmp_path / "moved")
        with (
            store.open("d/text", "w") as text,
            store.open("top", "w") as top,
            store.open("d/odd", "+wb") as odd,
        ):
            text.write("t")
            top.write("t")
            odd.write(b"o")  # a spelling of a mode that takes open()'s general path
        put(store, "d/bin")
        store.makedirs("x/y")
        store.copyfile("d/old", "x/copy", overwrite=True)
        assert sorted(store.listdir(".")) == ["d", "top", "x"]
        store.rmtree("x/")
        assert sorted(os.listdir(tmp_path / "moved")) == ["d", "top"]
        assert sorted(os.listdir(tmp_path / "moved" / "d")) == ["bin", "odd", "old", "text"]
        assert not os.path.exists(tmp_path / "root")

    def test_a_store_at_the_file_system_root(self, fs: Any) -> None:
        """Under pyfakefs a store may be rooted at ``/``: its paths have one separator, not two."""
        store = LocalArtifactStore("/")
        put(store, "d/e/f")
        assert "/d" in store.glob("*") and store.glob("d/*") == ["/d/e"] and store.glob("/d/e/") == ["/d/e"]
        assert [dirpath for dirpath, _, _ in store.walk("d")] == ["/d", "/d/e"]
        assert [dirpath for dirpath, _, _ in store.walk("/d/")] == ["/d", "/d/e"]
        put(store, " lead")  # a leading space, which a careless strip of the pattern would take
        assert store.glob(" lead") == ["/ lead"] and store.glob(" l*") == ["/ lead"]
        for refused in (lambda: store.rmtree("."), lambda: store.rename("/", "x", overwrite=True)):
            with pytest.raises(PermissionError, match="the store root cannot be"):
                refused()
        assert store.listdir("d") == ["e"]


class TestWhatTheContractLeavesOpen:
    """What the store API does not promise a flavor, but this store does as ``os`` would."""

    def test_new_entries_have_the_permissions_os_gives(self, tree: LocalArtifactStore) -> None:
        store = tree
        store.copyfile("f", "copy", overwrite=True)
        store.makedirs("d1/deep")
        store.copyfile("f", "d1/deep/copy", overwrite=True)
        with store.open("d1/deep/file", "w"):
            pass
        with store.open("text", "x"):
            pass
        with store.open("./d1/deep/../spelt", "wb"):  # a spelling the checked way resolves
            pass
        store.copyfile("f", "./d1/copy", overwrite=True)
        store.mkdir("made")
        umask = os.umask(0)
        os.umask(umask)
        modes = {
            name: stat.S_IMODE(store.stat(name).st_mode)
            for name in ("copy", "d1/deep/file", "text", "d1/spelt", "d1/copy", "made")
        }
        assert modes == {
            "copy": 0o666 & ~umask,
            "d1/spelt": 0o666 & ~umask,
            "d1/copy": 0o666 & ~umask,
            "d1/deep/file": 0o666 & ~umask,
            "text": 0o666 & ~umask,
            "made": 0o777 & ~umask,
        }

    def test_name_and_id_are_kept(self, base: Path) -> None:
        ident = uuid.uuid4()
        store = LocalArtifactStore(base / "root", name="named", id=ident)
        assert (store.name, store.id) == ("named", ident)

    @pytest.mark.localstore(backend="fake")
    def test_the_fake_backends_store_is_the_registered_one(
        self, local_artifact_store: LocalArtifactStore, localstore_client: Any
    ) -> None:
        """The fake backend builds its store on the already-resolved root: same name, id and path."""
        component = localstore_client.get_component("artifact_store", "default")
        described = localstore_client.describe_component(component)["path"]
        found = (local_artifact_store.name, local_artifact_store.id, local_artifact_store.path)
        assert found == (component.name, component.id, described)
        put(local_artifact_store, "d/f")
        assert os.listdir(os.path.join(described, "d")) == ["f"]

    def test_the_root_descriptor_is_closed_with_the_store(self, tmp_path: Path) -> None:
        before = set(os.listdir("/proc/self/fd"))
        store = LocalArtifactStore(tmp_path / "root")
        store.exists("x")
        assert len(set(os.listdir("/proc/self/fd")) - before) == 1  # the root's, open for the store's life
        del store
        gc.collect()
        assert set(os.listdir("/proc/self/fd")) - before == set()
