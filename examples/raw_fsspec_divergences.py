"""What the contract finds in fsspec used directly, and whether FsspecArtifactStore handles it.

Run: ``python examples/raw_fsspec_divergences.py`` (needs the s3 extra). For
fsspec's ``LocalFileSystem``, ``MemoryFileSystem`` and s3fs (on moto's server),
a thin adapter hands each of the fourteen operations straight to the library,
as a first attempt would. The contract's table rows run on it, declaring only
what each backend truly cannot do; every cause it reports is one line of the
table below. The last column replays that cause's program on
``FsspecArtifactStore`` over the same filesystem: "conforms" means the store
normalises the difference. Printed as a Markdown table for the README.
"""

from __future__ import annotations

import itertools
import os
import sys
import tempfile
import uuid
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from examples.raw_fsspec import RawFsspec
from pytest_localstore import ArtifactStore
from pytest_localstore.contract import Capabilities, check_row
from pytest_localstore.contract._rows import ROWS
from pytest_localstore.contract._runner import replay
from pytest_localstore.fsspec_store import FsspecArtifactStore
from pytest_localstore.s3 import S3Server


def backends(
    server: S3Server, tmp: str
) -> list[tuple[str, Callable[[], Any], Callable[[], str], Capabilities]]:
    """(name, filesystem, fresh root, what the backend truly cannot do)."""
    import fsspec

    numbers = itertools.count()
    bucket = server.make_bucket("divergences")
    s3 = server.filesystem()
    return [
        (
            "LocalFileSystem",
            lambda: fsspec.filesystem("file"),
            lambda: f"{tmp}/{next(numbers)}",
            Capabilities(),
        ),
        (
            "MemoryFileSystem",
            lambda: fsspec.filesystem("memory"),
            lambda: f"/divergences-{uuid.uuid4().hex}",
            Capabilities(max_name_bytes=None),
        ),
        (
            "s3fs",
            lambda: s3,
            lambda: f"{bucket}/{uuid.uuid4().hex}",
            Capabilities(empty_directories=False, max_name_bytes=None),
        ),
    ]


def ours_on(fs: Callable[[], Any], root: Callable[[], str]) -> Callable[[], ArtifactStore]:
    """Fresh FsspecArtifactStores over the same filesystem as the raw adapter."""
    return lambda: FsspecArtifactStore(root(), fs=fs())


def main() -> int:
    print("| library | operation | kind | the contract's rule | on FsspecArtifactStore |")
    print("|---|---|---|---|---|")
    with S3Server.start() as server, tempfile.TemporaryDirectory() as tmp:
        for name, fs, root, capabilities in backends(server, tmp):
            seen: set[tuple[str, str, str]] = set()
            for row in ROWS:
                if not row.applies_to(capabilities):
                    continue
                violation = check_row(row, RawFsspec(fs(), root()), capabilities)
                if violation is None or violation.cause in seen:
                    continue
                seen.add(violation.cause)
                ours = replay(list(violation.calls), ours_on(fs, root), capabilities)
                verdict = "conforms" if ours is None else f"still {ours[1].kind}: {ours[1].rule}"
                rule = violation.problem.rule.replace("|", "/")
                what = f"{violation.method} | {violation.problem.kind} | {rule} (row '{row.situation}')"
                print(f"| {name} | {what} | {verdict} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
