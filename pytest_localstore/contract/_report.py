"""A contract run's reports as a person reads them (text) and as a program does (JSON)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..capabilities import Capabilities
from ._operations import METHODS, OPERATIONS
from ._rows import ROWS
from ._runner import MAX_CAUSES, Entry, Report


@dataclass
class Checked:
    """One target's run: its name, what its stores were judged against, what was found."""

    label: str
    capabilities: Capabilities
    report: Report


def render_text(checked: Checked, ascii_only: bool, interrupted_by: str = "Ctrl-C") -> str:
    """One target's report: a table per operation, totals, then one entry per cause, most serious first."""
    from .._table import render_table

    report, capabilities = checked.report, checked.capabilities
    calls: dict[str, int] = {}
    for name, count in report.calls.items():
        if name in OPERATIONS:
            calls[OPERATIONS[name].method] = calls.get(OPERATIONS[name].method, 0) + count
    causes = Counter(entry.violation.method for entry in report.entries.values())
    rows = []
    not_run = bool(report.rows_not_run)
    for op in METHODS:
        passed, failed, left = report.rows_passed[op], report.rows_failed[op], report.rows_not_run[op]
        row = [op, f"{passed}/{passed + failed + left}", str(calls.get(op, 0)), str(causes.get(op, 0))]
        rows.append([*row[:2], str(left), *row[2:]] if not_run else row)
    lines = [f"{checked.label}: {_verdict(report)}"]
    if report.shard != (1, 1):
        part, parts = report.shard
        lines.append(f"(shard {part}/{parts}: one table row and one random sequence in {parts}; see --merge)")
    if report.stopped:
        lines.append(f"({report.stopped}; the report of what was found until then)")
    if report.interrupted:
        lines.append(f"(stopped by {interrupted_by}: the report of what was found so far)")
    if report.rows_not_run:
        left = sum(report.rows_not_run.values())
        left_out = f"{left} table row(s) not run, nor the state machine"
        if report.out_of_time:
            lines.append(f"(the time budget ran out: {left_out}; see --max-time)")
        else:
            lines.append(f"({left_out})")
    elif report.out_of_time:
        lines.append("(the time budget ran out: the state machine stopped early; see --max-time)")
    if report.cause_limit:
        examples = report.calls["examples"]
        lines.append(
            f"(a run stops looking at {MAX_CAUSES} causes: the state machine stopped after"
            f" {examples} example{'' if examples == 1 else 's'})"
        )
    relaxed = capabilities.relaxed()
    lines.append(f"capabilities: {', '.join(relaxed) if relaxed else 'as the local store (none relaxed)'}")
    refused = rows_refused(capabilities)
    if refused:
        per_operation = ", ".join(f"{op} {count}" for op, count in sorted(refused.items()))
        lines.append(
            f"refused_names: {refused.total()} table row(s) skipped, which start with a name it"
            f" matches ({per_operation})"
        )
    if not capabilities.confined:
        lines.append("not confined: no path that leaves the root was tried")
    elif not report.outside_watched:
        lines.append(
            "outside not watched (the root is not on this disk): only the refusals were checked,"
            " and no path went through a link"
        )
    headings = ["OPERATION", "TABLE ROWS", *(["NOT RUN"] if not_run else []), "RANDOM CALLS", "CAUSES"]
    lines.append(render_table(headings, rows, ascii_only=ascii_only))
    rows_total = sum(report.rows_passed.values()) + sum(report.rows_failed.values())
    rows_total += sum(report.rows_not_run.values())
    lines.append(
        f"total: {sum(report.rows_passed.values())}/{rows_total} table rows, {report.calls['examples']}"
        f" examples, {report.calls['steps']} random calls, seed {report.seed}"
    )
    per_kind: Counter[str] = Counter()
    for entry in report.ordered():
        per_kind[entry.kind] += 1
        lines += ["", _heading(entry, per_kind[entry.kind]), entry.violation.program]
    return "\n".join(lines) + "\n\n"


def _verdict(report: Report) -> str:
    if report.ok:
        return "conforms"
    if report.entries:
        found = ", ".join(f"{kind} {count}" for kind, count in report.totals().items() if count)
        return f"{len(report.entries)} cause(s) of violation: {found}"
    return "not judged to the end"


#: A source of violations, said of one.
_ONE = {"table rows": "table row", "random sequences": "random sequence"}


def _heading(entry: Entry, number: int) -> str:
    violation = entry.violation
    seen = ", ".join(
        f"{count} {source if count != 1 else _ONE.get(source, source)}"
        for source, count in sorted(entry.sources.items())
    )
    return (
        f"{violation.problem.kind} {number}: {violation.method}, {violation.problem.rule}"
        f" (seen {entry.count} time{'s' if entry.count != 1 else ''}: {seen}); the shortest program:"
    )


def rows_refused(capabilities: Capabilities) -> Counter[str]:
    """The table rows a store skips because it refuses a name they start with (and for no other
    reason), per operation."""
    return Counter(
        row.operation for row in ROWS if row.needs_kept(capabilities) and row.refused_start(capabilities)
    )


def json_document(
    results: list[Checked], seed: int, status: int, settings: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The whole run as ``--json`` writes it: one object per target (and the run's *settings*,
    its examples and steps, which shards must share)."""
    document: dict[str, Any] = {"seed": seed, "exit_status": status}
    if settings is not None:
        document["settings"] = settings
    document["targets"] = [_json_target(checked) for checked in results]
    return document


def _json_target(checked: Checked) -> dict[str, Any]:
    report, capabilities = checked.report, checked.capabilities
    return {
        "target": checked.label,
        "shard": f"{report.shard[0]}/{report.shard[1]}",
        "capabilities": capabilities.as_dict(),
        "conforms": report.ok,
        "confinement": (
            "not confined"
            if not capabilities.confined
            else "refusals and the outside watched"
            if report.outside_watched
            else "refusals only"
        ),
        "interrupted": report.interrupted,
        "stopped": report.stopped or None,
        "out_of_time": report.out_of_time,
        "cause_limit": report.cause_limit,
        "seconds": round(report.seconds, 3),
        "rows": {
            "passed": dict(report.rows_passed),
            "failed": dict(report.rows_failed),
            "not_run": dict(report.rows_not_run),
            "skipped_for_refused_names": dict(rows_refused(capabilities)),
        },
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
                "first_seen": list(entry.first),
            }
            for entry in report.ordered()
        ],
    }
