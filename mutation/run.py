"""Mutation testing: how much of the local store and its confinement the contract can see.

``tox -e mutation`` (or ``python mutation/run.py`` where mutmut is installed)
runs mutmut over the store's modules three times, each in a scratch copy of the
project:

- *table rows*: the contract's rows alone (``mutation/test_contract_alone.py -k row``);
- *state machine*: its stateful test alone (``-k stateful``, seed 0, the quick limits);
- *unit suite*: the store's own unit tests (``tests/test_local_store.py`` and
  ``tests/test_confinement.py``), on the mutants the contract leaves alive.

The contract is the rows and the machine together: a mutant is killed by it if
either kills it. Two lists, each entry a name and a one-line reason, set mutants
apart: ``mutation/equivalent.txt``, those that behave exactly like the original
(left out of every score), and ``mutation/unpromised.txt``, those that change
only what the store API leaves open, such as an error's message or file name
(left out of the contract's scores, counted in the last line's). A mutant that
no contract test reaches is "not reached"; the contract's scores are of the
reached ones, the last line's of all.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "pytest_localstore"
#: The store and its confinement: every module a call on LocalArtifactStore runs through.
MODULES = ("local_store.py", "_confine.py", "_beneath.py", "_disk_ops.py", "_lexical_ops.py", "_glob.py")
EQUIVALENT = Path(__file__).with_name("equivalent.txt")
UNPROMISED = Path(__file__).with_name("unpromised.txt")
SEED = 0

CONTRACT_ALONE = "mutation/test_contract_alone.py"
#: What counts as killed: a failing test, a hang, a crash.
KILLED = {"killed", "timeout", "segfault"}


@dataclass(frozen=True)
class Part:
    name: str
    label: str
    #: The file or folder of tests copied into the scratch project.
    tests: str
    #: The pytest arguments that choose the part's tests.
    selection: tuple[str, ...]
    #: Copy the repository's own pytest settings (the unit suite needs them) or start bare.
    project_settings: bool = False
    #: More pytest arguments for every run of the part.
    extra_args: tuple[str, ...] = ()


ROWS = Part("rows", "table rows", CONTRACT_ALONE, (CONTRACT_ALONE, "-k", "row"))
MACHINE = Part("machine", "state machine", CONTRACT_ALONE, (CONTRACT_ALONE, "-k", "stateful"))
#: The store's own unit tests (the contract's tests in ``tests/`` would only repeat the contract).
UNIT = Part(
    "unit",
    "unit suite",
    "tests",
    ("tests/test_local_store.py", "tests/test_confinement.py"),
    project_settings=True,
    extra_args=("-o", "localstore_flavors=local"),  # no optional extra needed
)


PARTS = {part.name: part for part in (ROWS, MACHINE, UNIT)}


def _part_names(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in PARTS]
    if unknown:
        raise argparse.ArgumentTypeError(f"{unknown[0]!r}: expected parts from {', '.join(PARTS)}")
    return names


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2, help="mutants run at once")
    parser.add_argument("--workdir", type=Path, help="keep the scratch projects here (default: a temp dir)")
    parser.add_argument("--no-unit", action="store_true", help="score the contract only")
    parser.add_argument(
        "--machine-after-rows",
        action="store_true",
        help="run the state machine only on the mutants the table rows leave alive: the contract's"
        " scores in a fraction of the time, without the state machine's own",
    )
    parser.add_argument(
        "--modules",
        type=_module_names,
        default=MODULES,
        metavar="MODULES",
        help=f"the store's modules to mutate, comma-separated (default: all of {', '.join(MODULES)})",
    )
    parser.add_argument(
        "--run",
        type=_part_names,
        default=_part_names(",".join(PARTS)),
        metavar="PARTS",
        help=f"the parts to run, comma-separated ({', '.join(PARTS)}; default: all); the others"
        " are read from what --workdir kept of an earlier run; '' runs nothing",
    )
    args = parser.parse_args(argv)
    if set(args.run) != set(PARTS) and not args.workdir:
        parser.error("--run of some parts needs the --workdir of an earlier run for the others")

    modules = args.modules
    equivalent = of_modules(read_listed(EQUIVALENT), modules)
    unpromised = of_modules(read_listed(UNPROMISED), modules)
    set_apart = equivalent | unpromised
    with tempfile.TemporaryDirectory(prefix="localstore-mutation-") as scratch:
        workdir = args.workdir or Path(scratch)

        def part(which: Part, names: Sequence[str] = ()) -> dict[str, str]:
            if which.name not in args.run:
                return statuses(_project(workdir, which), modules)
            return run_part(which, workdir, args.max_children, names, modules)

        rows = part(ROWS)
        if args.machine_after_rows:
            after_rows = alive(rows, {})
            machine = part(MACHINE, after_rows) if after_rows else {}
        else:
            machine = part(MACHINE)
        contract = {name: _either(rows[name], machine.get(name, "no tests")) for name in rows}
        unit: dict[str, str] = {}
        if not args.no_unit:
            left = alive(contract, equivalent)
            if left:
                unit = part(UNIT, left)
    combined = {name: _either(status, unit.get(name, "no tests")) for name, status in contract.items()}

    print(f"mutmut {version('mutmut')}, {datetime.date.today()}, seed {SEED}, modules: {', '.join(modules)}")
    print(
        f"{len(rows)} mutants: {len(equivalent)} equivalent ({EQUIVALENT.name}),"
        f" {len(unpromised)} change only what the API leaves open ({UNPROMISED.name})"
    )
    print(f"{'tests':<22}{'killed':>8}{'survived':>10}{'not reached':>13}{'score':>9}")
    for label, found in (("table rows", rows), ("state machine", machine), ("contract", contract)):
        if label == "state machine" and args.machine_after_rows:
            print(f"{label:<22}{'(run only on what the rows leave alive)':>40}")
            continue
        print(score_line(label, tally(found, set_apart), of_reached=True))
    if not args.no_unit:
        print(score_line("contract + unit suite", tally(combined, equivalent), of_reached=False))
    final = combined if not args.no_unit else contract
    return report_problems(final, contract, equivalent, unpromised)


def run_part(
    part: Part,
    workdir: Path,
    max_children: int,
    names: Iterable[str] = (),
    modules: Sequence[str] = MODULES,
) -> dict[str, str]:
    """Run mutmut for one part in its own copy of the project; each mutant's status by name."""
    project = _project(workdir, part)
    prepare(project, part, modules)
    log = project / "mutmut.log"
    print(f"{part.label}: mutmut run (log: {log})", flush=True)
    with log.open("w") as out:
        done = subprocess.run(
            [sys.executable, "-m", "mutmut", "run", "--max-children", str(max_children), *names],
            cwd=project,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if done.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-20:]
        raise SystemExit(f"mutmut failed for {part.label} (exit {done.returncode}):\n" + "\n".join(tail))
    return statuses(project, modules)


def _project(workdir: Path, part: Part) -> Path:
    return workdir / part.label.replace(" ", "-")


def prepare(project: Path, part: Part, modules: Sequence[str] = MODULES) -> None:
    """A scratch copy of the package, the tests the part needs and the settings for both tools."""
    if project.exists():
        shutil.rmtree(project)
    project.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / PACKAGE, project / PACKAGE, ignore=ignore)
    shutil.copy2(ROOT / "conftest.py", project)
    tests = Path(part.tests)
    if (ROOT / tests).is_dir():
        shutil.copytree(ROOT / tests, project / tests, ignore=ignore)
    else:  # one file: mutmut copies folders, so its folder holds only this file
        (project / tests).parent.mkdir(parents=True)
        shutil.copy2(ROOT / tests, project / tests)
        tests = tests.parent
    settings = (ROOT / "pyproject.toml").read_text() if part.project_settings else _BARE_PYTEST
    (project / "pyproject.toml").write_text(settings + _mutmut_settings(part, tests.as_posix(), modules))


_PYTEST_ARGS = ("--hypothesis-seed", str(SEED), "-p", "no:cacheprovider")
_BARE_PYTEST = """\
[tool.pytest.ini_options]
addopts = ["--strict-markers"]
"""


def _mutmut_settings(part: Part, copied: str, modules: Sequence[str] = MODULES) -> str:
    def toml_list(items: Iterable[str]) -> str:
        return json.dumps(list(items))

    return f"""
[tool.mutmut]
source_paths = ["{PACKAGE}/"]
only_mutate = {toml_list(f"{PACKAGE}/{module}" for module in modules)}
also_copy = {toml_list(["conftest.py", copied])}
pytest_add_cli_args = {toml_list(_PYTEST_ARGS + part.extra_args)}
pytest_add_cli_args_test_selection = {toml_list(part.selection)}
"""


def statuses(project: Path, modules: Sequence[str] = MODULES) -> dict[str, str]:
    """Each mutant's status, from the ``.meta`` files mutmut leaves beside the mutated modules."""
    from mutmut.stats import status_by_exit_code

    found: dict[str, str] = {}
    for module in modules:
        meta = json.loads((project / "mutants" / PACKAGE / f"{module}.meta").read_text())
        for name, code in meta["exit_code_by_key"].items():
            found[name] = status_by_exit_code[code]
    return found


def _module_names(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in MODULES]
    if unknown or not names:
        shown = unknown[0] if unknown else text
        raise argparse.ArgumentTypeError(f"{shown!r}: expected modules from {', '.join(MODULES)}")
    return names


def of_modules(listed: dict[str, str], modules: Sequence[str]) -> dict[str, str]:
    """The entries of a list that name mutants of *modules*."""
    prefixes = tuple(f"{PACKAGE}.{module.removesuffix('.py')}." for module in modules)
    return {name: reason for name, reason in listed.items() if name.startswith(prefixes)}


def alive(found: dict[str, str], equivalent: dict[str, str]) -> list[str]:
    """The mutants not killed and not judged equivalent, by name."""
    return sorted(name for name, status in found.items() if status not in KILLED and name not in equivalent)


def _either(first: str, second: str) -> str:
    """The status of a mutant run by two sets of tests: killed if either killed it."""
    if first in KILLED:
        return first
    if second in KILLED or first == "no tests":
        return second
    return first


@dataclass(frozen=True)
class Tally:
    killed: int
    survived: int
    not_reached: int


def tally(found: dict[str, str], equivalent: dict[str, str]) -> Tally:
    judged = [status for name, status in found.items() if name not in equivalent]
    killed = sum(status in KILLED for status in judged)
    not_reached = judged.count("no tests")
    return Tally(killed, len(judged) - killed - not_reached, not_reached)


def score_line(label: str, counts: Tally, *, of_reached: bool) -> str:
    base = counts.killed + counts.survived + (0 if of_reached else counts.not_reached)
    score = f"{100 * counts.killed / base:.1f}%" if base else "-"
    return f"{label:<22}{counts.killed:>8}{counts.survived:>10}{counts.not_reached:>13}{score:>9}"


def read_listed(path: Path) -> dict[str, str]:
    """``name  reason`` per line; ``#`` starts a comment. Each entry must give a reason."""
    found: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        name, _, reason = text.partition(" ")
        if not reason.strip():
            raise SystemExit(f"{path.name}:{number}: {name!r} has no reason; expected 'NAME  REASON'")
        found[name] = reason.strip()
    return found


def report_problems(
    final: dict[str, str], contract: dict[str, str], equivalent: dict[str, str], unpromised: dict[str, str]
) -> int:
    """List the contract's survivors; fail on a stale entry of either list, or a killed one."""
    survivors = alive(contract, equivalent | unpromised)
    if survivors:
        print(f"\nalive after the contract ({len(survivors)}; +unit: killed by the unit suite):")
        for name in survivors:
            print(f"  {name}: {contract[name]}{' +unit' if final[name] in KILLED else ''}")
    unchecked = sorted(name for name, status in final.items() if status == "not checked")
    if unchecked:
        print(f"{len(unchecked)} mutants were never checked (an interrupted run?): the scores are incomplete")
    problems = 0
    for listed, path, killer in ((equivalent, EQUIVALENT, final), (unpromised, UNPROMISED, contract)):
        for name in sorted(listed):
            if name not in final:
                print(f"{path.name}: {name} is no longer generated; remove it")
            elif killer[name] in KILLED:
                by = "the contract" if killer is contract else "the tests"
                print(f"{path.name}: {name} was killed by {by}; remove it")
            else:
                continue
            problems += 1
    return 1 if problems or unchecked else 0


if __name__ == "__main__":
    sys.exit(main())
