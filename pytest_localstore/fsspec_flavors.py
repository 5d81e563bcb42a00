"""The ``memory`` and ``s3`` artifact-store flavors, both built on :class:`FsspecArtifactStore`.

``memory`` lives in this process (``memory://...``; local: it may share a stack
with local components). ``s3`` is remote (``s3://bucket/prefix``); its
settings are the component's config (``endpoint_url``, ``region``, ``key``,
``secret``), else the standard AWS variables. ``describe`` never shows the
secret. s3fs is imported when an ``s3`` store is built; without it, the error
names the extra.
"""

from __future__ import annotations

from .errors import InvalidPathError, LocalStoreError
from .flavors import Flavor
from .models import ARTIFACT_STORE
from .testbed import FRESH, REMOTE_JOBS, Testbed, server_opening, stores_on

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from typing import Any

    from .artifact_store import ArtifactStore
    from .models import ComponentModel
    from .testbed import MakeStore

S3_OPTIONS = ("path", "endpoint_url", "region", "key", "secret")
#: What ``describe`` shows instead of a secret.
HIDDEN = "********"


def _memory_prepare(config: Mapping[str, Any], config_path: str) -> dict[str, Any]:
    path = config.get("path")
    if path is None:
        return {}
    if not isinstance(path, str) or not path.startswith("memory://") or "\x00" in path:
        raise InvalidPathError(f"invalid path {path!r}: expected a URL such as 'memory://store'")
    return {"path": path.rstrip("/")}


def _memory_describe(component: ComponentModel, config_path: str) -> dict[str, Any]:
    return {"path": component.config.get("path") or f"memory://localstore/{component.id_text}"}


def _memory_build(component: ComponentModel, config_path: str) -> Any:
    from .fsspec_store import MemoryArtifactStore

    path = _memory_describe(component, config_path)["path"]
    return MemoryArtifactStore(path, name=component.name, id=component.id)


def _s3_prepare(config: Mapping[str, Any], config_path: str) -> dict[str, Any]:
    path = config.get("path")
    if path is None:
        raise InvalidPathError("the s3 flavor needs a path: s3://BUCKET or s3://BUCKET/PREFIX")
    if not isinstance(path, str) or not path.startswith("s3://") or path == "s3://" or "\x00" in path:
        raise InvalidPathError(f"invalid path {path!r}: expected s3://BUCKET or s3://BUCKET/PREFIX")
    for option in S3_OPTIONS[1:]:
        value = config.get(option)
        if value is not None and (not isinstance(value, str) or not value):
            raise LocalStoreError(f"invalid {option} {value!r}: expected a non-empty string")
    prepared = {name: config[name] for name in S3_OPTIONS if config.get(name) is not None}
    return prepared | {"path": path.rstrip("/")}


def _s3_describe(component: ComponentModel, config_path: str) -> dict[str, Any]:
    shown = {name: component.config.get(name) for name in S3_OPTIONS}
    if shown["secret"] is not None:
        shown["secret"] = HIDDEN
    return shown


def _s3_build(component: ComponentModel, config_path: str) -> Any:
    return build_s3_store(
        str(component.config["path"]),
        name=component.name,
        id=component.id,
        **{name: component.config.get(name) for name in S3_OPTIONS[1:]},
    )


def build_s3_store(
    path: str, *, name: str | None = None, id: Any = None, fs: Any = None, **settings: Any
) -> Any:
    """An ``s3`` store at *path* (``s3://bucket/prefix``); a one-line LocalStoreError if unusable.

    *settings*: ``endpoint_url``, ``region``, ``key``, ``secret`` (or *fs*, an
    s3fs filesystem already made). The bucket must exist; nothing is created or
    written before that is known.
    """
    from .fsspec_store import S3ArtifactStore
    from .s3 import s3_filesystem

    endpoint = settings.get("endpoint_url")
    if fs is None:
        fs = s3_filesystem(endpoint, **{k: v for k, v in settings.items() if k != "endpoint_url"})
    bucket = path[len("s3://") :].split("/", 1)[0]
    where = f"at {endpoint}" if endpoint else "on AWS"
    try:
        fs.call_s3("head_bucket", Bucket=bucket)  # fs.exists would take an unreachable endpoint for "no"
    except FileNotFoundError:
        raise LocalStoreError(f"bucket {bucket!r} does not exist {where}: create it first") from None
    except PermissionError as error:
        raise LocalStoreError(f"S3 {where} refused the credentials for bucket {bucket!r}: {error}") from None
    except Exception as error:
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise LocalStoreError(f"cannot reach S3 {where}: {detail}") from None
    return S3ArtifactStore(path, fs=fs, name=name, id=id)


def _memory_stores() -> Iterator[MakeStore]:
    """Fresh stores below one new directory of fsspec's memory filesystem, removed at the end."""
    import itertools
    import os
    import time

    from .fsspec_store import MemoryArtifactStore

    base = f"localstore-contract-{os.getpid()}-{time.monotonic_ns()}"
    numbers = itertools.count()
    made: list[MemoryArtifactStore] = []

    def make() -> ArtifactStore:
        made.append(MemoryArtifactStore(f"memory://{base}/{next(numbers)}"))
        return made[-1]

    # fsspec's memory filesystem is one dict for the process, not safe in threads: one job.
    make.threadsafe = False  # type: ignore[attr-defined]

    try:
        yield make
    finally:
        if made:
            made[0].fs.rm(f"/{base}", recursive=True)


def _s3_stores() -> Iterator[MakeStore]:
    """Fresh stores in one new bucket on moto's server started for the run (or the one given)."""
    from .fsspec_store import S3ArtifactStore
    from .s3 import S3Server

    server = S3Server.for_tests()
    yield from stores_on(server, server.make_bucket, server.remove_bucket, S3ArtifactStore, "s3")


#: The fsspec-based flavors every registry starts with (after the local ones).
FSSPEC_FLAVORS = (
    Flavor(
        "memory",
        ARTIFACT_STORE,
        local=True,
        description="in this process's memory (fsspec), gone when it exits",
        options=("path",),
        prepare=_memory_prepare,
        build=_memory_build,
        describe=_memory_describe,
        testbeds=[
            Testbed(
                "memory",
                "from pytest_localstore import MemoryArtifactStore\n\n"
                f"store = MemoryArtifactStore('memory://contract'){FRESH}",
                _memory_stores,
            )
        ],
        fixture="memory_artifact_store",
        extra="memory",
    ),
    Flavor(
        "s3",
        ARTIFACT_STORE,
        local=False,
        description="an S3 bucket (s3fs; the s3 extra)",
        options=S3_OPTIONS,
        prepare=_s3_prepare,
        build=_s3_build,
        describe=_s3_describe,
        testbeds=[
            Testbed(
                "s3",
                server_opening("S3ArtifactStore", "s3", "S3Server", "moto's server", "make_bucket", "s3"),
                _s3_stores,
                jobs=REMOTE_JOBS,
            )
        ],
        fixture="s3_artifact_store",
        extra="s3",
    ),
)
