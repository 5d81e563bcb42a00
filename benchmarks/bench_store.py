"""Cost of each LocalArtifactStore operation against raw os/shutil, same run.

Run: ``python benchmarks/bench_store.py``. Every row does the same work both
ways on the same files; the ratio is store time / raw time (target <= 1.25).
Confinement runs on every store call (each name is reached beneath the open
root), so this is its price. The second table measures the cost by depth, for
both ways of resolving (``openat2`` and the component walk), against raw ``os``
by path, which confines nothing. ``--walk`` runs the first table on the walk.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import sys
import tempfile
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks._timing import paired, print_table
from pytest_localstore import LocalArtifactStore

TARGET = 1.25
PAYLOAD = os.urandom(4096)


def cases(store: LocalArtifactStore) -> list[tuple[str, Callable[[], object], Callable[[], object]]]:
    """(name, raw os/shutil version, store version), each doing the same work."""
    root = store.path
    j = os.path.join

    def raw_write() -> None:
        with open(j(root, "w.bin"), "wb") as f:
            f.write(PAYLOAD)

    def store_write() -> None:
        with store.open("w.bin", "wb") as f:
            f.write(PAYLOAD)

    def raw_read() -> bytes:
        with open(j(root, "r.bin"), "rb") as f:
            return f.read()

    def store_read() -> bytes:
        with store.open("r.bin", "rb") as f:
            return f.read()

    def raw_text() -> None:
        with open(j(root, "t.txt"), "w", encoding="utf-8") as f:
            f.write("text ✓\n" * 100)

    def store_text() -> None:
        with store.open("t.txt", "w") as f:
            f.write("text ✓\n" * 100)

    def raw_remove() -> None:
        open(j(root, "gone"), "wb").close()
        os.remove(j(root, "gone"))

    def store_remove() -> None:
        store.open("gone", "wb").close()
        store.remove("gone")

    def raw_replace() -> None:
        os.replace(j(root, "r.bin"), j(root, "r2.bin"))
        os.replace(j(root, "r2.bin"), j(root, "r.bin"))

    def store_replace() -> None:
        store.rename("r.bin", "r2.bin", overwrite=True)
        store.rename("r2.bin", "r.bin", overwrite=True)

    def raw_rename() -> None:  # the same work: refuse an existing target first
        for src, dst in (("r.bin", "r2.bin"), ("r2.bin", "r.bin")):
            if os.path.lexists(j(root, dst)):
                raise FileExistsError(dst)
            os.rename(j(root, src), j(root, dst))

    def store_rename() -> None:
        store.rename("r.bin", "r2.bin")
        store.rename("r2.bin", "r.bin")

    def raw_copy_new() -> None:
        if os.path.lexists(j(root, "n.bin")):
            raise FileExistsError("n.bin")
        shutil.copyfile(j(root, "r.bin"), j(root, "n.bin"))
        os.remove(j(root, "n.bin"))

    def store_copy_new() -> None:
        store.copyfile("r.bin", "n.bin")
        store.remove("n.bin")

    def raw_mkdir_rmtree() -> None:
        os.mkdir(j(root, "m"))
        shutil.rmtree(j(root, "m"))

    def store_mkdir_rmtree() -> None:
        store.mkdir("m")
        store.rmtree("m")

    deep = "d1/d2/d3/f.bin"
    return [
        ("open wb 4 KiB", raw_write, store_write),
        ("open rb 4 KiB", raw_read, store_read),
        ("open w text", raw_text, store_text),
        (
            "copyfile overwrite",
            lambda: shutil.copyfile(j(root, "r.bin"), j(root, "c.bin")),
            lambda: store.copyfile("r.bin", "c.bin", overwrite=True),
        ),
        ("copyfile new + remove", raw_copy_new, store_copy_new),
        ("exists", lambda: os.path.exists(j(root, "r.bin")), lambda: store.exists("r.bin")),
        ("exists (3 dirs deep)", lambda: os.path.exists(j(root, deep)), lambda: store.exists(deep)),
        ("isdir", lambda: os.path.isdir(j(root, "tree")), lambda: store.isdir("tree")),
        ("stat", lambda: os.stat(j(root, "r.bin")), lambda: store.stat("r.bin")),
        ("size", lambda: os.path.getsize(j(root, "r.bin")), lambda: store.size("r.bin")),
        ("listdir (100 entries)", lambda: os.listdir(j(root, "many")), lambda: store.listdir("many")),
        ("glob (100 entries)", lambda: glob.glob(j(root, "many", "*.txt")), lambda: store.glob("many/*.txt")),
        (
            "makedirs (existing)",
            lambda: os.makedirs(j(root, "tree", "a"), exist_ok=True),
            lambda: store.makedirs("tree/a"),
        ),
        ("mkdir + rmtree", raw_mkdir_rmtree, store_mkdir_rmtree),
        ("open + remove", raw_remove, store_remove),
        ("rename x2 overwrite", raw_replace, store_replace),
        ("rename x2 (refuse existing)", raw_rename, store_rename),
        ("walk (10x10 tree)", lambda: list(os.walk(j(root, "tree"))), lambda: list(store.walk("tree"))),
    ]


#: (operation, target at any depth); a name right below the root has a 1.25 target for all.
DEPTH_TARGETS = {
    "exists": 2.5,
    "isdir": 2.5,
    "stat": 2.5,
    "open rb": TARGET,
    "open wb": TARGET,
    "listdir, 2-3 entries": TARGET,
    "listdir, 100 entries": TARGET,
}
DEPTHS = (1, 3, 8)


def depth_cases(
    store: LocalArtifactStore, depth: int
) -> list[tuple[str, Callable[[], object], Callable[[], object]]]:
    """(operation, raw version, store version) on a file *depth* levels below the root."""
    below = "/".join([*(f"l{level}" for level in range(depth - 1)), "f.bin"])
    parent = below.rpartition("/")[0] or "."
    full = os.path.join(store.path, below)
    full_parent = os.path.dirname(full)

    def raw_read() -> bytes:
        with open(full, "rb") as f:
            return f.read()

    def store_read() -> bytes:
        with store.open(below, "rb") as f:
            return f.read()

    def raw_write() -> None:
        with open(full, "wb") as f:
            f.write(b"x")

    def store_write() -> None:
        with store.open(below, "wb") as f:
            f.write(b"x")

    many = f"{parent}/many" if parent != "." else "many"
    full_many = os.path.join(full_parent, "many")
    return [
        ("exists", lambda: os.path.exists(full), lambda: store.exists(below)),
        ("isdir", lambda: os.path.isdir(full_parent), lambda: store.isdir(parent)),
        ("stat", lambda: os.stat(full), lambda: store.stat(below)),
        ("open rb", raw_read, store_read),
        ("open wb", raw_write, store_write),
        ("listdir, 2-3 entries", lambda: os.listdir(full_parent), lambda: store.listdir(parent)),
        ("listdir, 100 entries", lambda: os.listdir(full_many), lambda: store.listdir(many)),
    ]


def depth_table(root: str, number: int, rounds: int) -> list[float]:
    """Rows by depth for both resolvers; returns the ratios over their targets (<= 1 is met)."""
    os.makedirs(os.path.join(root, *(f"l{level}" for level in range(max(DEPTHS) - 1))))
    for depth in DEPTHS:
        below = [*(f"l{level}" for level in range(depth - 1)), "f.bin"]
        with open(os.path.join(root, *below), "wb") as f:
            f.write(PAYLOAD)
        many = os.path.join(root, *below[:-1], "many")
        os.makedirs(many)
        for index in range(100):
            open(os.path.join(many, f"{index}.txt"), "wb").close()
    stores = {"openat2": LocalArtifactStore(root), "walk": LocalArtifactStore(root, use_openat2=False)}
    rows, over = [], []
    for depth in DEPTHS:
        for index, (name, raw, _) in enumerate(depth_cases(stores["walk"], depth)):
            target = TARGET if depth == 1 else DEPTH_TARGETS[name]
            calls = number // 20 if "100" in name else number
            row = [f"{name} (depth {depth})"]
            for store in stores.values():
                ours = depth_cases(store, depth)[index][2]
                base, cand = paired(raw, ours, number=calls, rounds=rounds)
                row += [f"{base * 1e6:7.2f}", f"{cand * 1e6:7.2f}", f"{cand / base:5.2f}x"]
                over.append(cand / base / target)
            rows.append([*row, f"<= {target}"])
    if not stores["openat2"]._ops.uses_openat2:  # type: ignore[union-attr]
        print("note: this kernel has no openat2; both columns use the walk\n")
    print_table(
        f"Cost by depth against raw os by path, Python {sys.version.split()[0]}",
        ["operation", "raw us", "openat2 us", "ratio", "raw us", "walk us", "ratio", "target"],
        rows,
    )
    listing_floor(os.path.join(root, "l0", "l1"), number, rounds)  # the listing at depth 3
    return over


def listing_floor(directory: str, number: int, rounds: int) -> None:
    """What listing through a descriptor costs raw ``os`` itself, with no store around it.

    A store that lists race-free must list a directory it holds open; CPython's
    ``os.listdir(fd)`` duplicates the descriptor and rewinds it, which a
    listing by path does not do. This ratio is the floor of any such store.
    """

    def by_descriptor() -> list[str]:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            return os.listdir(fd)
        finally:
            os.close(fd)

    base, cand = paired(lambda: os.listdir(directory), by_descriptor, number=number, rounds=rounds)
    entries = len(os.listdir(directory))
    print(
        f"floor: raw os.listdir of {entries} entries through a descriptor it opens, against by path: "
        f"{cand * 1e6:.2f} us against {base * 1e6:.2f} us, {cand / base:.2f}x\n"
    )


def prepare(store: LocalArtifactStore) -> None:
    """The files the cases read."""
    root = store.path
    with open(os.path.join(root, "r.bin"), "wb") as f:
        f.write(PAYLOAD)
    os.makedirs(os.path.join(root, "d1", "d2", "d3"))
    open(os.path.join(root, "d1", "d2", "d3", "f.bin"), "wb").close()
    os.makedirs(os.path.join(root, "many"))
    for i in range(100):
        open(os.path.join(root, "many", f"{i}.txt"), "wb").close()
    for d in range(10):
        os.makedirs(os.path.join(root, "tree", str(d)), exist_ok=True)
        for f in range(10):
            open(os.path.join(root, "tree", str(d), f"{f}.txt"), "wb").close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=2000, help="calls per timing round")
    parser.add_argument("--rounds", type=int, default=7, help="alternating rounds per case")
    parser.add_argument("--walk", action="store_true", help="resolve names by the walk, not openat2")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = LocalArtifactStore(os.path.join(tmp, "store"), use_openat2=False if args.walk else None)
        prepare(store)
        rows, ratios = [], []
        for name, raw, ours in cases(store):
            number = max(1, args.number // (50 if "walk" in name or "100" in name else 1))
            base, cand = paired(raw, ours, number=number, rounds=args.rounds)
            ratio = cand / base
            ratios.append(ratio)
            verdict = "ok" if ratio <= TARGET else "over"
            rows.append([name, f"{base * 1e6:8.2f}", f"{cand * 1e6:8.2f}", f"{ratio:5.2f}x", verdict])
    print_table(
        f"LocalArtifactStore vs raw os/shutil (target <= {TARGET}x), Python {sys.version.split()[0]}",
        ["operation", "raw us", "store us", "ratio", ""],
        rows,
    )
    print(f"median ratio {sorted(ratios)[len(ratios) // 2]:.2f}x, worst {max(ratios):.2f}x\n")
    with tempfile.TemporaryDirectory() as tmp:
        over = depth_table(os.path.join(tmp, "deep"), args.number, args.rounds)
    met = sum(1 for ratio in over if ratio <= 1)
    print(f"by depth: {met} of {len(over)} within target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
