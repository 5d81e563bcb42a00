"""``localstore contract``: run the contract on stores from the command line."""

from __future__ import annotations

import contextlib
import importlib
import itertools
import json
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

from .._extras import missing_package, unmet
from ..artifact_store import ArtifactStore
from ..capabilities import FULL, Capabilities
from ._checker import KINDS
from ._document import render_markdown
from ._operations import METHODS, OPERATIONS
from ._runner import Entry, Report, new_seed, run_contract

#: The default wall-clock budget of a whole ``localstore contract`` run, in seconds.
DEFAULT_MAX_TIME = 50.0


class TargetError(Exception):
    """A TARGET that cannot be used; the message is one line."""


#: Makes the run's environment (a server, say) and yields what makes fresh stores in it.
Stores = Callable[[], AbstractContextManager[Callable[[], ArtifactStore]]]


@dataclass
class Target:
    """One store flavor to check: how to make fresh stores, and where they live."""

    label: str
    #: The code that makes a fresh store in a reported program.
    opening: str
    capabilities: Capabilities
    environment: Stores


#: The built-in flavors a TARGET may name; ``all`` is every one whose packages are installed.
FLAVOR_TARGETS = ("local", "memory", "s3", "gcs", "azure")
_EXPECTED = (
    f"expected one of {', '.join(FLAVOR_TARGETS)}, all, zenml:local, zenml:s3, zenml:MODULE:FACTORY"
    " or MODULE:FACTORY"
)


def targets_for(spec: str) -> list[Target]:
    """A built-in flavor (``local``: disk and pyfakefs; ``memory``; ``s3``), ``all``,
    ``zenml:local``, ``zenml:s3``, ``zenml:MODULE:FACTORY`` or ``MODULE:FACTORY``;
    TargetError if unusable."""
    if spec.startswith("zenml:"):
        return [_zenml_target(spec)]
    if spec == "local":
        return [
            Target("local (disk)", _LOCAL_ON_DISK, FULL, _local_on_disk),
            Target("local (pyfakefs)", _LOCAL_IN_PYFAKEFS, FULL, _local_in_pyfakefs),
        ]
    if spec in ("memory", "s3", "gcs", "azure"):
        return [_fsspec_target(spec)]
    if spec == "all":
        return [
            target for name in FLAVOR_TARGETS if missing_package(name) is None for target in targets_for(name)
        ]
    return [_factory_target(spec, spec, ArtifactStore, "an ArtifactStore")]


def _factory_target(spec: str, named: str, kind: type, expected: str, wrap: str | None = None) -> Target:
    """The target of the factory *named* (``MODULE:FACTORY``): its stores are *kind*, handed on
    through the class *wrap* (imported from ``pytest_localstore``) if given."""
    factory = _factory(named, spec)
    probe = _probe(factory, spec)
    if not isinstance(probe, kind):
        raise TargetError(f"target {spec!r}: the factory returned {probe!r}: expected {expected}")
    module_name, _, attribute = named.partition(":")
    capabilities = getattr(factory, "capabilities", FULL)
    if not isinstance(capabilities, Capabilities):
        raise TargetError(f"target {spec!r}: {attribute}.capabilities is not a Capabilities")
    make: Callable[[], ArtifactStore] = factory
    if wrap is not None:
        wrapper = getattr(importlib.import_module("pytest_localstore"), wrap)
        make = lambda: wrapper(factory())  # noqa: E731

    @contextlib.contextmanager
    def environment() -> Iterator[Callable[[], ArtifactStore]]:
        yield make

    call = f"{module_name}.{attribute}()"
    imports = f"import {module_name}\n" + (f"from pytest_localstore import {wrap}\n" if wrap else "")
    opening = f"{imports}\nstore = {f'{wrap}({call})' if wrap else call}  # a fresh, empty store"
    return Target(spec, opening, capabilities, environment)


def _factory(spec: str, target: str) -> Callable[[], Any]:
    """The callable that *spec* (``MODULE:FACTORY``) names; TargetError naming *target*."""
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise TargetError(f"target {target!r}: {_EXPECTED}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except Exception as error:
        raise TargetError(
            f"target {target!r}: cannot import {module_name!r}: {type(error).__name__}: {error}"
        ) from None
    factory = getattr(module, attribute, None)
    if not callable(factory):
        raise TargetError(f"target {target!r}: {module_name} has no callable {attribute!r}")
    return factory  # type: ignore[no-any-return]


def _probe(factory: Callable[[], Any], target: str) -> Any:
    """One store from *factory*, to check it before the run; TargetError if it raises."""
    try:
        return factory()
    except Exception as error:
        raise TargetError(f"target {target!r}: the factory raised {type(error).__name__}: {error}") from None


def _require_extra(extra: str, spec: str) -> None:
    """TargetError naming the extra if a package it provides is missing."""
    message = unmet(extra, f"target {spec!r}:")
    if message is not None:
        raise TargetError(message)


def _zenml_target(spec: str) -> Target:
    """``zenml:local``, ``zenml:s3`` or ``zenml:MODULE:FACTORY``: ZenML's store through the adapter."""
    from ..errors import LocalStoreError
    from ..zenml_store import require_zenml

    rest = spec.partition(":")[2]
    try:
        require_zenml()  # missing or unsupported: one line
    except LocalStoreError as error:
        raise TargetError(f"target {spec!r}: {error}") from None
    if rest == "local":
        opening = (
            "import tempfile\n\n"
            "from pytest_localstore import ZenMLArtifactStore\n"
            "from pytest_localstore.zenml_store import zenml_local_store\n\n"
            "store = ZenMLArtifactStore(zenml_local_store(tempfile.mkdtemp()))  # a fresh, empty store"
        )
        return Target(spec, opening, ZENML_LOCAL, _zenml_local_stores)
    if rest == "s3":
        _require_extra("s3", spec)
        opening = (
            "from pytest_localstore import ZenMLArtifactStore\n"
            "from pytest_localstore.s3 import S3Server\n"
            "from pytest_localstore.zenml_store import zenml_s3_store\n\n"
            "server = S3Server.start()  # moto's server on 127.0.0.1\n"
            "bucket = server.make_bucket()\n"
            "store = ZenMLArtifactStore(\n"
            "    zenml_s3_store(\n"
            "        f's3://{bucket}', endpoint_url=server.endpoint_url, credentials=server.credentials\n"
            "    )\n"
            ")  # a fresh, empty store"
        )
        return Target(spec, opening, ZENML_S3, _zenml_s3_stores)
    from zenml.artifact_stores import BaseArtifactStore

    return _factory_target(spec, rest, BaseArtifactStore, "a ZenML artifact store", wrap="ZenMLArtifactStore")


#: What ZenML's local store is judged against: this package's promises, but its root may go.
ZENML_LOCAL = Capabilities(protects_root=False)
#: ZenML's S3 store: an object store whose glob is s3fs's (``**`` recursive, ``*`` matches ``.h``).
ZENML_S3 = Capabilities.object_store(glob_recursive=True, glob_hidden=True)


@contextlib.contextmanager
def _zenml_local_stores() -> Iterator[Callable[[], ArtifactStore]]:
    from ..zenml_sandbox import zenml_pointed_at
    from ..zenml_store import ZenMLArtifactStore, zenml_local_store

    numbers = itertools.count()
    with tempfile.TemporaryDirectory(prefix="localstore-contract-") as base, zenml_pointed_at(base):
        yield lambda: ZenMLArtifactStore(zenml_local_store(os.path.join(base, str(next(numbers)))))


@contextlib.contextmanager
def _zenml_s3_stores() -> Iterator[Callable[[], ArtifactStore]]:
    from ..s3 import S3Server
    from ..zenml_sandbox import zenml_pointed_at
    from ..zenml_store import ZenMLArtifactStore, zenml_s3_store

    numbers = itertools.count()
    with (
        tempfile.TemporaryDirectory(prefix="localstore-contract-") as base,
        zenml_pointed_at(base),
        S3Server.for_tests() as server,
    ):
        bucket = server.make_bucket("localstore-contract")
        made: list[Any] = []

        def make() -> ArtifactStore:
            url = f"s3://{bucket}/{next(numbers)}"
            store = zenml_s3_store(url, endpoint_url=server.endpoint_url, credentials=server.credentials)
            if made:
                # Each ZenML S3 store opens its own client session (~150 ms) on first
                # use; the stores of one run share the first one's, with the same settings.
                store._filesystem = made[0].filesystem
            made.append(store)
            return ZenMLArtifactStore(store)

        try:
            yield make
        finally:
            server.remove_bucket(bucket)


_LOCAL_ON_DISK = """import tempfile

from pytest_localstore import LocalArtifactStore

store = LocalArtifactStore(tempfile.mkdtemp())  # a fresh, empty store"""
_LOCAL_IN_PYFAKEFS = """from pyfakefs.fake_filesystem_unittest import Patcher

from pytest_localstore import LocalArtifactStore

Patcher().setUp()  # the fake filesystem, for the rest of the program
store = LocalArtifactStore("/store")  # a fresh, empty store"""


def _fsspec_target(flavor: str) -> Target:
    """The ``memory``, ``s3``, ``gcs`` or ``azure`` flavor as a target; the last three on a server
    started for the run (moto's, gcp-storage-emulator, Azurite), unless one is given."""
    _require_extra(flavor, flavor)
    from .. import fsspec_store

    opening, store_class, stores = _FSSPEC_TARGETS[flavor]
    capabilities = getattr(fsspec_store, store_class).capabilities
    return Target(flavor, opening, capabilities, stores)


def _server_opening(store_class: str, module: str, server: str, what: str, make: str, url: str) -> str:
    """The opening of a reported program for a store on a server started for it."""
    return (
        f"from pytest_localstore import {store_class}\n"
        f"from pytest_localstore.{module} import {server}\n\n"
        f"server = {server}.start()  # {what} on 127.0.0.1\n"
        f"place = server.{make}()\n"
        f"store = {store_class}(f'{url}://{{place}}', fs=server.filesystem())  # a fresh, empty store"
    )


def _gcs_stores() -> AbstractContextManager[Callable[[], ArtifactStore]]:
    from ..fsspec_store import GcsArtifactStore
    from ..gcs import GcsServer

    server = GcsServer.for_tests()
    return _stores_on(server, server.make_bucket, server.remove_bucket, GcsArtifactStore, "gs")


def _azure_stores() -> AbstractContextManager[Callable[[], ArtifactStore]]:
    from ..azure import AzureServer
    from ..fsspec_store import AzureArtifactStore

    server = AzureServer.for_tests(say=lambda message: print(message, file=sys.stderr, flush=True))
    return _stores_on(server, server.make_container, server.remove_container, AzureArtifactStore, "az")


class _Server(Protocol):
    """A server for tests (``S3Server``, ``GcsServer``, ``AzureServer``): stopped on leaving."""

    def __enter__(self) -> Any: ...
    def __exit__(self, kind: Any, error: Any, trace: Any, /) -> None: ...
    def filesystem(self) -> Any: ...


@contextlib.contextmanager
def _stores_on(
    server: _Server,
    make_place: Callable[[str], str],
    remove_place: Callable[[str], None],
    store_class: Callable[..., ArtifactStore],
    scheme: str,
) -> Iterator[Callable[[], ArtifactStore]]:
    """Fresh stores below one new bucket or container on *server*, which is stopped at the end."""
    with server:
        place = make_place("localstore-contract")
        fs = server.filesystem()
        numbers = itertools.count()
        try:
            yield lambda: store_class(f"{scheme}://{place}/{next(numbers)}", fs=fs)
        finally:
            remove_place(place)


@contextlib.contextmanager
def _memory_stores() -> Iterator[Callable[[], ArtifactStore]]:
    from ..fsspec_store import MemoryArtifactStore

    base = f"localstore-contract-{os.getpid()}-{time.monotonic_ns()}"
    numbers = itertools.count()
    made: list[MemoryArtifactStore] = []

    def make() -> ArtifactStore:
        made.append(MemoryArtifactStore(f"memory://{base}/{next(numbers)}"))
        return made[-1]

    try:
        yield make
    finally:
        if made:
            made[0].fs.rm(f"/{base}", recursive=True)


def _s3_stores() -> AbstractContextManager[Callable[[], ArtifactStore]]:
    from ..fsspec_store import S3ArtifactStore
    from ..s3 import S3Server

    server = S3Server.for_tests()
    return _stores_on(server, server.make_bucket, server.remove_bucket, S3ArtifactStore, "s3")


#: Each fsspec flavor a TARGET may name: the opening of its programs, its store class, its stores.
_FSSPEC_TARGETS: dict[str, tuple[str, str, Stores]] = {
    "memory": (
        "from pytest_localstore import MemoryArtifactStore\n\n"
        "store = MemoryArtifactStore('memory://contract')  # a fresh, empty store",
        "MemoryArtifactStore",
        _memory_stores,
    ),
    "s3": (
        _server_opening("S3ArtifactStore", "s3", "S3Server", "moto's server", "make_bucket", "s3"),
        "S3ArtifactStore",
        _s3_stores,
    ),
    "gcs": (
        _server_opening("GcsArtifactStore", "gcs", "GcsServer", "gcp-storage-emulator", "make_bucket", "gs"),
        "GcsArtifactStore",
        _gcs_stores,
    ),
    "azure": (
        _server_opening("AzureArtifactStore", "azure", "AzureServer", "Azurite", "make_container", "az"),
        "AzureArtifactStore",
        _azure_stores,
    ),
}


@contextlib.contextmanager
def _local_on_disk() -> Iterator[Callable[[], ArtifactStore]]:
    from ..local_store import LocalArtifactStore

    numbers = itertools.count()
    with tempfile.TemporaryDirectory(prefix="localstore-contract-") as base:
        yield lambda: LocalArtifactStore(os.path.join(base, str(next(numbers))))


@contextlib.contextmanager
def _local_in_pyfakefs() -> Iterator[Callable[[], ArtifactStore]]:
    from pyfakefs.fake_filesystem_unittest import Patcher

    from .. import local_store
    from . import _checker, _machine, _runner, _sandbox  # noqa: F401  (loaded before patching)

    numbers = itertools.count()
    with Patcher():
        # Right below '/': pyfakefs resolves every path from the top, a component at a time.
        yield lambda: local_store.LocalArtifactStore(f"/store-{next(numbers)}")


def run(
    targets: list[str],
    *,
    examples: int,
    steps: int,
    seed: int | None,
    out: TextIO,
    err: TextIO,
    max_time: float = DEFAULT_MAX_TIME,
    json_path: str | None = None,
    database: str | None = None,
) -> int:
    """Check every target and print one report each. Exit status: 0 conforming, 1 violations
    (or a store that harmed its surroundings, or a factory that failed, during the run), 2 bad
    targets, 130 stopped by Ctrl-C and 143 by SIGTERM (after the report of what was found)."""
    try:
        resolved = [target for spec in targets for target in targets_for(spec)]
    except TargetError as error:
        err.write(f"localstore: error: {error}\n")
        return 2
    from .._table import render_table

    ascii_only = not _encodes(out, "┏")
    seed = new_seed() if seed is None else seed
    err.write(f"seed {seed} (repeat this run with --seed {seed})\n")
    started = time.monotonic()
    results: list[tuple[Target, Report]] = []
    with _hypothesis_files_kept_out_of_the_current_directory(), _signals_as_a_request() as signalled:
        for index, target in enumerate(resolved):
            budget = (max_time - (time.monotonic() - started)) / (len(resolved) - index)
            err.write(
                f"{target.label}: checking ({', '.join(target.capabilities.relaxed()) or 'as promised'})\n"
            )
            with target.environment() as factory:
                report = run_contract(
                    factory,
                    target.capabilities,
                    examples=examples,
                    steps=steps,
                    seed=seed,
                    opening=target.opening,
                    max_time=max(budget, 1.0),
                    database=database,
                    progress=lambda message: print(f"  {message}", file=err, flush=True),
                    stop_requested=lambda: bool(signalled),
                )
            results.append((target, report))
            by = "SIGTERM" if signalled[:1] == [signal.SIGTERM] else "Ctrl-C"
            out.write(render_report(target, report, render_table, ascii_only, by))
            out.flush()
            err.write(f"{target.label}: {report.seconds:.1f} s\n")
            if report.interrupted:
                break
    for message in dict.fromkeys(m for _, report in results for m in report.warnings):
        err.write(f"localstore: hypothesis: {' '.join(message.split())}\n")
    status = _status(results, signalled)
    if json_path is not None:
        _write_json(json_path, results, seed, status)
    return status


def _status(results: list[tuple[Target, Report]], signalled: list[int]) -> int:
    if any(report.interrupted for _, report in results):
        return 128 + (signalled[0] if signalled else signal.SIGINT)
    return 1 if any(not report.ok for _, report in results) else 0


def render_report(
    target: Target, report: Report, render_table: Any, ascii_only: bool, interrupted_by: str = "Ctrl-C"
) -> str:
    """One target's report: a table per operation, totals, then one entry per cause, most serious first."""
    calls: dict[str, int] = {}
    for name, count in report.calls.items():
        if name in OPERATIONS:
            calls[OPERATIONS[name].method] = calls.get(OPERATIONS[name].method, 0) + count
    causes = Counter(entry.violation.method for entry in report.entries.values())
    rows = []
    for op in METHODS:
        passed, failed = report.rows_passed[op], report.rows_failed[op]
        rows.append([op, f"{passed}/{passed + failed}", str(calls.get(op, 0)), str(causes.get(op, 0))])
    totals = report.totals()
    if report.ok:
        verdict = "conforms"
    elif report.entries:
        found = ", ".join(f"{kind} {count}" for kind, count in totals.items() if count)
        verdict = f"{len(report.entries)} cause(s) of violation: {found}"
    else:
        verdict = "not judged to the end"
    lines = [f"{target.label}: {verdict}"]
    if report.stopped:
        lines.append(f"({report.stopped}; the report of what was found until then)")
    if report.interrupted:
        lines.append(f"(stopped by {interrupted_by}: the report of what was found so far)")
    if report.out_of_time:
        lines.append("(the time budget ran out: the state machine stopped early; see --max-time)")
    relaxed = target.capabilities.relaxed()
    lines.append(f"capabilities: {', '.join(relaxed) if relaxed else 'as the local store (none relaxed)'}")
    if not target.capabilities.confined:
        lines.append("not confined: no path that leaves the root was tried")
    elif not report.outside_watched:
        lines.append(
            "outside not watched (the root is not on this disk): only the refusals were checked,"
            " and no path went through a link"
        )
    lines.append(
        render_table(["OPERATION", "TABLE ROWS", "RANDOM CALLS", "CAUSES"], rows, ascii_only=ascii_only)
    )
    rows_total = sum(report.rows_passed.values()) + sum(report.rows_failed.values())
    lines.append(
        f"total: {sum(report.rows_passed.values())}/{rows_total} table rows, {report.calls['examples']}"
        f" examples, {report.calls['steps']} random calls, seed {report.seed}"
    )
    per_kind: Counter[str] = Counter()
    for entry in report.ordered():
        per_kind[entry.kind] += 1
        lines += ["", _heading(entry, per_kind[entry.kind]), entry.violation.program]
    return "\n".join(lines) + "\n\n"


def _heading(entry: Entry, number: int) -> str:
    violation = entry.violation
    seen = ", ".join(f"{count} {source}" for source, count in sorted(entry.sources.items()))
    return (
        f"{violation.problem.kind} {number}: {violation.method}, {violation.problem.rule}"
        f" (seen {entry.count} time{'s' if entry.count != 1 else ''}: {seen}); the shortest program:"
    )


def _write_json(path: str, results: list[tuple[Target, Report]], seed: int, status: int) -> None:
    document = {
        "seed": seed,
        "exit_status": status,
        "targets": [
            {
                "target": target.label,
                "capabilities": target.capabilities.as_dict(),
                "conforms": report.ok,
                "confinement": (
                    "not confined"
                    if not target.capabilities.confined
                    else "refusals and the outside watched"
                    if report.outside_watched
                    else "refusals only"
                ),
                "interrupted": report.interrupted,
                "stopped": report.stopped or None,
                "out_of_time": report.out_of_time,
                "seconds": round(report.seconds, 3),
                "rows": {"passed": dict(report.rows_passed), "failed": dict(report.rows_failed)},
                "calls": {name: count for name, count in report.calls.items() if name in OPERATIONS},
                "examples": report.calls["examples"],
                "steps": report.calls["steps"],
                "totals": report.totals(),
                "violations": [
                    {
                        "kind": entry.kind,
                        "operation": entry.violation.method,
                        "rule": entry.violation.problem.rule,
                        "detail": entry.violation.problem.detail,
                        "count": entry.count,
                        "sources": dict(entry.sources),
                        "program": entry.violation.program,
                    }
                    for entry in report.ordered()
                ],
            }
            for target, report in results
        ],
    }
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2, ensure_ascii=False)
        handle.write("\n")


@contextlib.contextmanager
def _signals_as_a_request() -> Iterator[list[int]]:
    """Ctrl-C and SIGTERM (as ``timeout``, CI runners and pytest-timeout send it) put their
    number in the list the run checks before every row and example; a second one interrupts.

    Either way the run ends through its ``finally`` blocks: a partial report, and nothing of
    the contract's left beside the roots. A KeyboardInterrupt raised by the default handler
    can land in a garbage collector callback (Hypothesis has one), where Python prints and
    ignores it: the run would go on as if Ctrl-C had not been pressed.
    """
    signalled: list[int] = []

    def handler(signum: int, frame: object) -> None:
        if signalled:
            raise KeyboardInterrupt
        signalled.append(signum)

    previous: dict[signal.Signals, Any] = {}
    try:
        for number in (signal.SIGINT, signal.SIGTERM):
            if signal.getsignal(number) is signal.SIG_IGN:  # nohup or a background job: keep ignoring it
                continue
            previous[number] = signal.signal(number, handler)
    except ValueError:  # not the main thread: leave the signals as they are
        pass
    try:
        yield signalled
    finally:
        for restored, handler_before in previous.items():
            signal.signal(restored, handler_before)


@contextlib.contextmanager
def _hypothesis_files_kept_out_of_the_current_directory() -> Iterator[None]:
    """Point Hypothesis's own storage (its character-table cache) at a temporary directory.

    ``hypothesis.configuration.set_hypothesis_home_dir`` is not documented as
    public, and Hypothesis reads no setting for it; without it a run leaves
    ``.hypothesis/`` in the current directory. tests/test_contract.py fails if
    that stops working.
    """
    from hypothesis import configuration

    with tempfile.TemporaryDirectory(prefix="localstore-hypothesis-") as home:
        configuration.set_hypothesis_home_dir(home)
        try:
            yield
        finally:
            configuration.set_hypothesis_home_dir(None)


def _encodes(stream: TextIO, text: str) -> bool:
    try:
        text.encode(stream.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def markdown() -> str:
    """The contract document (``CONTRACT.md``)."""
    return render_markdown()


__all__ = ["KINDS", "Target", "TargetError", "markdown", "run", "targets_for"]
