"""``localstore contract``: run the contract on stores from the command line."""

from __future__ import annotations

import contextlib
import importlib
import itertools
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TextIO

from ..artifact_store import ArtifactStore
from ._capabilities import FULL, Capabilities
from ._document import render_markdown
from ._operations import METHODS, OPERATIONS
from ._runner import Report, run_contract


class TargetError(Exception):
    """A TARGET that cannot be used; the message is one line."""


@dataclass
class Target:
    """One store flavor to check: how to make fresh stores, and where they live."""

    label: str
    store_source: str
    capabilities: Capabilities
    environment: Callable[[], AbstractContextManager[Callable[[], ArtifactStore]]]


def targets_for(spec: str) -> list[Target]:
    """``local`` (disk and pyfakefs) or ``module:factory``; TargetError if unusable."""
    if spec == "local":
        return [
            Target("local (disk)", "LocalArtifactStore(tempfile.mkdtemp())", FULL, _local_on_disk),
            Target(
                "local (pyfakefs)", "LocalArtifactStore('/store')  # under pyfakefs", FULL, _local_in_pyfakefs
            ),
        ]
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise TargetError(f"target {spec!r}: expected 'local' or MODULE:FACTORY")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except Exception as error:
        raise TargetError(
            f"target {spec!r}: cannot import {module_name!r}: {type(error).__name__}: {error}"
        ) from None
    factory = getattr(module, attribute, None)
    if not callable(factory):
        raise TargetError(f"target {spec!r}: {module_name} has no callable {attribute!r}")
    try:
        probe = factory()
    except Exception as error:
        raise TargetError(f"target {spec!r}: the factory raised {type(error).__name__}: {error}") from None
    if not isinstance(probe, ArtifactStore):
        raise TargetError(f"target {spec!r}: the factory returned {probe!r}: expected an ArtifactStore")
    capabilities = getattr(factory, "capabilities", FULL)
    if not isinstance(capabilities, Capabilities):
        raise TargetError(f"target {spec!r}: {attribute}.capabilities is not a Capabilities")

    @contextlib.contextmanager
    def environment() -> Iterator[Callable[[], ArtifactStore]]:
        yield factory

    return [Target(spec, f"{module_name}.{attribute}()", capabilities, environment)]


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
    from . import _checker, _machine, _runner  # noqa: F401  (loaded before patching)

    numbers = itertools.count()
    with Patcher():
        yield lambda: local_store.LocalArtifactStore(f"/localstore-contract/{next(numbers)}")


def run(targets: list[str], *, examples: int, steps: int, seed: int | None, out: TextIO, err: TextIO) -> int:
    """Check every target; print tables and failing programs. 0 conforming, 1 violations, 2 bad targets."""
    try:
        resolved = [target for spec in targets for target in targets_for(spec)]
    except TargetError as error:
        err.write(f"localstore: error: {error}\n")
        return 2
    failed = False
    for target in resolved:
        err.write(
            f"{target.label}: checking ({', '.join(target.capabilities.relaxed()) or 'all capabilities'})\n"
        )
        with target.environment() as factory:
            report = run_contract(
                factory,
                target.capabilities,
                examples=examples,
                steps=steps,
                seed=seed,
                store_source=target.store_source,
                progress=lambda message: print(f"  {message}", file=err),
            )
        failed |= not report.ok
        _print_report(target, report, examples, out)
    return 1 if failed else 0


def _print_report(target: Target, report: Report, examples: int, out: TextIO) -> None:
    from .._table import render_table

    calls: dict[str, int] = {}
    for name, count in report.calls.items():
        if name in OPERATIONS:
            calls[OPERATIONS[name].method] = calls.get(OPERATIONS[name].method, 0) + count
    violations: dict[str, int] = {}
    for op, _ in report.violations:
        key = _method(op)
        violations[key] = violations.get(key, 0) + 1
    rows = []
    for op in METHODS:
        passed, failed = report.rows_passed[op], report.rows_failed[op]
        rows.append([op, f"{passed}/{passed + failed}", str(calls.get(op, 0)), str(violations.get(op, 0))])
    verdict = "conforms" if report.ok else f"{len(report.violations)} violation(s)"
    ascii_only = not _encodes(out, "┏")
    out.write(f"\n{target.label}: {verdict}\n")
    out.write(
        render_table(["OPERATION", "TABLE ROWS", "RANDOM CALLS", "VIOLATIONS"], rows, ascii_only=ascii_only)
        + "\n"
    )
    total_rows = sum(report.rows_passed.values()) + sum(report.rows_failed.values())
    out.write(
        f"total: {sum(report.rows_passed.values())}/{total_rows} table rows, "
        f"{report.calls['examples']} examples, {report.calls['steps']} random calls, {report.seconds:.1f} s\n"
    )
    for index, (op, program) in enumerate(report.violations, 1):
        out.write(f"\nviolation {index} ({_method(op)}), the shortest program that shows it:\n")
        out.write(program + "\n")


def _method(op: str) -> str:
    """The store method of a violation's operation (``setup`` stays as it is)."""
    return OPERATIONS[op].method if op in OPERATIONS else op


def _encodes(stream: TextIO, text: str) -> bool:
    try:
        text.encode(stream.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def markdown() -> str:
    """The contract document (``CONTRACT.md``)."""
    return render_markdown()


__all__ = ["Target", "TargetError", "markdown", "run", "targets_for"]
