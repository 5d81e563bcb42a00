"""Shards' JSON reports made into one: ``localstore contract --merge A.json B.json ...``.

A run split with ``--shard K/N`` writes one JSON report per shard. Merged, they
give the report of the whole run: rows and calls added up, and each cause once,
with its count summed and the program of the violation the whole run would
have found first (each violation says where it was first seen). For the same
seed, that is the unsharded report, to the byte, for the table rows; and for
the state machine too on a store that conforms (on one that does not, each
shard drops the examples that run into the causes it knows, not those another
shard found, so counts may differ).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from ..capabilities import Capabilities
from ._checker import Problem
from ._machine import Violation
from ._report import Checked
from ._runner import Entry, Report
from ._shards import parse_shard


class MergeError(ValueError):
    """Reports that cannot be merged, said in one line."""


def read_report(path: str) -> dict[str, Any]:
    """The JSON report in *path*; MergeError if it is missing or not a contract report."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as error:
        raise MergeError(f"{path!r}: cannot be read: {error.strerror or error}") from None
    except ValueError as error:
        raise MergeError(f"{path!r}: not JSON ({error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("targets"), list):
        raise MergeError(f"{path!r}: not a report of 'localstore contract --json'")
    return document


def merge(
    documents: dict[str, dict[str, Any]],
) -> tuple[int, dict[str, Any] | None, list[Checked]]:
    """The seed, the settings and the merged report of each target, from the reports by file name.

    Every report must have the same seed and settings (examples, steps), and each target must
    come in shards 1/N to N/N, each once, all judged against the same capabilities.
    """
    seeds = sorted({document.get("seed") for document in documents.values()}, key=str)
    if len(seeds) != 1 or not isinstance(seeds[0], int):
        raise MergeError(
            f"the reports were run with different seeds ({', '.join(map(str, seeds))}):"
            " give every shard the same --seed"
        )
    settings = {json.dumps(document.get("settings"), sort_keys=True) for document in documents.values()}
    if len(settings) != 1:
        raise MergeError(
            f"the reports were run with different settings ({'; '.join(sorted(settings))}):"
            " give every shard the same --examples and --steps"
        )
    by_target: dict[str, list[dict[str, Any]]] = {}
    for document in documents.values():
        for target in document["targets"]:
            by_target.setdefault(str(target.get("target")), []).append(target)
    merged = []
    for label, shards in by_target.items():
        try:
            merged.append(_merged(label, shards, seeds[0]))
        except (KeyError, TypeError, ValueError) as error:
            if isinstance(error, MergeError):
                raise
            raise MergeError(
                f"target {label!r}: a report is not one 'localstore contract --json' wrote ({error!r})"
            ) from None
    return seeds[0], json.loads(settings.pop()), merged


def _merged(label: str, shards: list[dict[str, Any]], seed: int) -> Checked:
    parts = sorted(_shard(label, shard.get("shard")) for shard in shards)
    count = parts[0][1]
    if [part for part, _ in parts] != list(range(1, count + 1)) or any(of != count for _, of in parts):
        found = ", ".join(f"{part}/{of}" for part, of in parts)
        raise MergeError(
            f"target {label!r}: shards {found}: expected 1/{count} to {count}/{count}, each once"
        )
    capabilities = {json.dumps(shard.get("capabilities"), sort_keys=True) for shard in shards}
    if len(capabilities) != 1:
        raise MergeError(f"target {label!r}: its shards were judged against different capabilities")
    report = Report(seed=seed)
    for shard in shards:
        rows = shard["rows"]
        report.rows_passed.update(rows["passed"])
        report.rows_failed.update(rows["failed"])
        report.rows_not_run.update(rows["not_run"])
        report.calls.update(shard["calls"])
        report.calls.update({"examples": shard["examples"], "steps": shard["steps"]})
        report.seconds = max(report.seconds, float(shard["seconds"]))
        report.interrupted = report.interrupted or bool(shard["interrupted"])
        report.out_of_time = report.out_of_time or bool(shard["out_of_time"])
        report.cause_limit = report.cause_limit or bool(shard.get("cause_limit"))
        report.stopped = report.stopped or (shard["stopped"] or "")
        report.outside_watched = report.outside_watched or shard["confinement"].endswith("watched")
    violations = sorted(
        (violation for shard in shards for violation in shard["violations"]),
        key=lambda violation: tuple(violation["first_seen"]),
    )
    for seen in violations:
        cause = (seen["operation"], seen["kind"], seen["rule"])
        entry = report.entries.get(cause)
        if entry is None:
            problem = Problem(seen["kind"], seen["rule"], seen["detail"])
            violation = Violation.reported(seen["operation"], problem, seen["program"])
            entry = report.entries[cause] = Entry(violation, 0, Counter(), tuple(seen["first_seen"]))
        entry.count += seen["count"]
        entry.sources.update(seen["sources"])
    return Checked(label, Capabilities(**shards[0]["capabilities"]), report)


def _shard(label: str, text: object) -> tuple[int, int]:
    try:
        return parse_shard(str(text))
    except ValueError:
        raise MergeError(f"target {label!r}: shard {text!r} is not K/N") from None
