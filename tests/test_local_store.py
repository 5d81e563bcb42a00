"""Each of the fourteen operations, normal and error cases, on disk and in pyfakefs."""

from __future__ import annotations

import errno
import gc
import os
import shutil
import stat
import uuid
from pathlib import Path
from types import ModuleType
from typing import IO, Any

import pytest

from pytest_localstore import ArtifactStore, LocalArtifactStore


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


#: Failing calls, each with the raw ``os`` call on the full path that fails the same way:
#: (id, store call taking the store, raw call taking full(), which joins a path onto the root).
FAILING_CALLS: list[tuple[str, Any, Any]] = [
    (f"{op} {path!r}", store_call, raw_call)
    for path in ("missing", "d/missing", "d/e/missing", "f/x", "no/x")
    for op, store_call, raw_call in (
        ("open rb", lambda s, p=path: s.open(p, "rb"), lambda full, p=path: raw_open(full(p), "rb")),
        ("open w", lambda s, p=path: s.open(p, "w"), lambda full, p=path: raw_open(full(p), "w")),
        ("listdir", lambda s, p=path: s.listdir(p), lambda full, p=path: os.listdir(full(p))),
        ("stat", lambda s, p=path: s.stat(p), lambda full, p=path: os.stat(full(p))),
        ("remove", lambda s, p=path: s.remove(p), lambda full, p=path: os.remove(full(p))),
        (
            "mkdir below",
            lambda s, p=path: s.mkdir(p + "/y"),
            lambda full, p=path: os.mkdir(full(p + "/y")),
        ),
        (
            "rename",
            lambda s, p=path: s.rename(p, "moved", overwrite=True),
            lambda full, p=path: os.replace(full(p), full("moved")),
        ),
    )
    if not (op.startswith("open w") and path in ("missing", "d/missing", "d/e/missing"))
]
FAILING_CALLS += [
    (f"{op} {path!r}", store_call, raw_call)
    for path in ("d", "d/e")  # directories
    for op, store_call, raw_call in (
        ("open rb", lambda s, p=path: s.open(p, "rb"), lambda full, p=path: raw_open(full(p), "rb")),
        ("open wb", lambda s, p=path: s.open(p, "wb"), lambda full, p=path: raw_open(full(p), "wb")),
        ("open xb", lambda s, p=path: s.open(p, "xb"), lambda full, p=path: raw_open(full(p), "xb")),
        ("mkdir", lambda s, p=path: s.mkdir(p), lambda full, p=path: os.mkdir(full(p))),
        ("remove", lambda s, p=path: s.remove(p), lambda full, p=path: os.remove(full(p))),
    )
] + [
    (f"{op} {path!r}", store_call, raw_call)
    for path in ("f", "d/g")  # files
    for op, store_call, raw_call in (
        ("open xb", lambda s, p=path: s.open(p, "xb"), lambda full, p=path: raw_open(full(p), "xb")),
        ("listdir", lambda s, p=path: s.listdir(p), lambda full, p=path: os.listdir(full(p))),
        ("mkdir", lambda s, p=path: s.mkdir(p), lambda full, p=path: os.mkdir(full(p))),
    )
]


FAILING_CALLS += [
    (
        f"rename onto {target!r}",
        lambda s, t=target: s.rename("f", t, overwrite=True),
        lambda full, t=target: os.replace(full("f"), full(t)),
    )
    for target in ("no/x", "f/x", "d/g/x")
]

FAILING_CALLS += (
    [
        (
            f"copyfile {src!r} onto {dst!r}",
            lambda s, a=src, b=dst: s.copyfile(a, b, overwrite=True),
            lambda full, a=src, b=dst: shutil.copyfile(full(a), full(b)),
        )
        for src, dst in (
            ("missing", "x"),
            ("d/missing", "x"),
            ("f", "no/x"),
            ("f", "d"),
            ("f", "f/x"),
            ("d", "x"),
        )
    ]
    + [
        (f"rmtree {path!r}", lambda s, p=path: s.rmtree(p), lambda full, p=path: shutil.rmtree(full(p)))
        for path in ("missing", "d/missing", "f", "d/g", "f/x", "no/x")
    ]
    + [
        (f"{op} 'f/' (disk)", store_call, raw_call)  # pyfakefs answers these unlike Linux
        for op, store_call, raw_call in (
            ("open rb", lambda s: s.open("f/", "rb"), lambda full: raw_open(full("f/"), "rb")),
            ("listdir", lambda s: s.listdir("f/"), lambda full: os.listdir(full("f/"))),
            ("stat", lambda s: s.stat("f/"), lambda full: os.stat(full("f/"))),
            ("remove", lambda s: s.remove("f/"), lambda full: os.remove(full("f/"))),
        )
    ]
)


class TestErrorsAsOsGivesThem:
    """A failing call raises what raw ``os`` raises on the full path: class, errno, message, file name."""

    @pytest.fixture(params=["openat2", "walk", "fake"])
    def tree(self, request: pytest.FixtureRequest, tmp_path: Path) -> LocalArtifactStore:
        """The store on disk by either resolver, or under pyfakefs."""
        if request.param == "fake":
            request.getfixturevalue("fs")
            tmp_path = Path("/base")
        store = LocalArtifactStore(tmp_path / "root", use_openat2=False if request.param == "walk" else None)
        put(store, "f")
        put(store, "d/g")
        store.makedirs("d/e")
        return store

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
            return type(error), error.errno, error.strerror, error.filename  # not filename2: os's alone

        assert error_of(store_call, tree) == error_of(raw_call, full)


class TestWhatTheContractLeavesOpen:
    """What the store API does not promise a flavor, but this store does as ``os`` would."""

    def test_new_entries_have_the_permissions_os_gives(self, store: LocalArtifactStore) -> None:
        put(store, "f")
        store.copyfile("f", "copy", overwrite=True)
        store.makedirs("d1/deep")
        store.copyfile("f", "d1/deep/copy", overwrite=True)
        with store.open("d1/deep/file", "w"):
            pass
        with store.open("text", "x"):
            pass
        store.mkdir("made")
        umask = os.umask(0)
        os.umask(umask)
        modes = {
            name: stat.S_IMODE(store.stat(name).st_mode) for name in ("copy", "d1/deep/file", "text", "made")
        }
        assert modes == {
            "copy": 0o666 & ~umask,
            "d1/deep/file": 0o666 & ~umask,
            "text": 0o666 & ~umask,
            "made": 0o777 & ~umask,
        }

    def test_name_and_id_are_kept(self, base: Path) -> None:
        ident = uuid.uuid4()
        store = LocalArtifactStore(base / "root", name="named", id=ident)
        assert (store.name, store.id) == ("named", ident)

    def test_the_root_descriptor_is_closed_with_the_store(self, tmp_path: Path) -> None:
        before = set(os.listdir("/proc/self/fd"))
        store = LocalArtifactStore(tmp_path / "root")
        store.exists("x")
        assert len(set(os.listdir("/proc/self/fd")) - before) == 1  # the root's, open for the store's life
        del store
        gc.collect()
        assert set(os.listdir("/proc/self/fd")) - before == set()
