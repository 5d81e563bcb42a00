"""Carry the two lists' entries over to a new run, after the store's code changed.

mutmut numbers mutants within a function (``x_f__mutmut_7``), so an edit to a
function renumbers its mutants and leaves ``equivalent.txt`` and
``unpromised.txt`` naming the wrong ones. Run:

    python mutation/carry_over.py OLD_WORKDIR NEW_WORKDIR

with the ``--workdir`` of the run the lists were judged on and of a run on
the changed code. Each entry of a changed module is matched to the new mutant
of the same function that makes the same change (the same lines removed and
added); it is renamed, or dropped when no mutant matches (the code it named is
gone) or several do. The lists are rewritten in place; the new code's own
survivors are then to be judged by hand.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import EQUIVALENT, MODULES, PACKAGE, UNPROMISED

#: A mutant's change: the function it mutates, and its removed and added lines.
Change = tuple[str, tuple[str, ...]]
_MARK = "__mutmut_"


def changes(mutated_module: str) -> dict[str, Change]:
    """Each mutant of a module as mutmut writes it (``x_f__mutmut_orig`` beside ``x_f__mutmut_N``)."""
    lines = mutated_module.splitlines()
    bodies: dict[str, list[str]] = {}
    for node in ast.walk(ast.parse(mutated_module)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _MARK in node.name:
            text = [line.strip() for line in lines[node.lineno - 1 : node.end_lineno]]
            text[0] = text[0].replace(node.name, "", 1)  # the def line, a default's change kept
            bodies[node.name] = text
    found: dict[str, Change] = {}
    for name, body in bodies.items():
        function, _, number = name.rpartition(_MARK)
        original = bodies.get(function + _MARK + "orig")
        if number == "orig" or original is None:
            continue
        diff = difflib.unified_diff(original, body, n=0, lineterm="")
        found[name] = (
            function,
            tuple(line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")),
        )
    return found


def module_changes(workdir: Path) -> dict[str, Change]:
    """Every mutant of the store's modules in a run's table-rows project, by its full name."""
    found: dict[str, Change] = {}
    for module in MODULES:
        mutated = workdir / "table-rows" / "mutants" / PACKAGE / module
        prefix = f"{PACKAGE}.{module.removesuffix('.py')}."
        for name, change in changes(mutated.read_text(encoding="utf-8")).items():
            found[prefix + name] = change
    return found


def carry(
    old: dict[str, Change], new: dict[str, Change], listed: list[str]
) -> tuple[dict[str, str], list[str]]:
    """({old name: new name} for the entries found again, [old names dropped])."""
    by_change: dict[Change, list[str]] = defaultdict(list)
    for name, change in new.items():
        by_change[change].append(name)
    renamed: dict[str, str] = {}
    dropped: list[str] = []
    for name in listed:
        matches = by_change.get(old[name], []) if name in old else []
        if len(matches) == 1:
            renamed[name] = matches[0]
        else:
            dropped.append(name)
    return renamed, dropped


def rewrite(path: Path, renamed: dict[str, str], dropped: list[str]) -> None:
    """The list at *path* with entries renamed and dropped; comments stay on top, entries sorted."""
    head, entries = [], {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            head.append(line)
            continue
        name, _, reason = line.partition(" ")
        if name in dropped:
            continue
        name = renamed.get(name, name)
        entries[name] = f"{name}  {reason.strip()}"
    path.write_text("\n".join([*head, *(entries[name] for name in sorted(entries))]) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path, help="the --workdir of the run the lists were judged on")
    parser.add_argument("new", type=Path, help="the --workdir of a run on the changed code")
    args = parser.parse_args(argv)
    for workdir in (args.old, args.new):
        if not (workdir / "table-rows" / "mutants" / PACKAGE).is_dir():
            parser.error(
                f"{workdir}: expected the --workdir of a mutation/run.py run (no table-rows/mutants)"
            )
    old, new = module_changes(args.old), module_changes(args.new)
    for path in (EQUIVALENT, UNPROMISED):
        names = [line.partition(" ")[0] for line in path.read_text(encoding="utf-8").splitlines()]
        listed = [
            name for name in names if name and not name.startswith("#") and old.get(name) != new.get(name)
        ]
        renamed, dropped = carry(old, new, listed)
        rewrite(path, renamed, dropped)
        moved = sum(1 for before, after in renamed.items() if before != after)
        print(f"{path.name}: {moved} renamed, {len(dropped)} dropped")
        for name in dropped:
            print(f"  dropped {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
