"""The mutation-testing driver (``mutation/run.py``): its arithmetic and its two checked-in lists."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_driver() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutation_run", ROOT / "mutation" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


driver = _load_driver()


@pytest.mark.parametrize(
    ("first", "second", "either"),
    [
        ("killed", "survived", "killed"),
        ("survived", "timeout", "timeout"),
        ("no tests", "survived", "survived"),
        ("survived", "no tests", "survived"),
        ("no tests", "no tests", "no tests"),
    ],
)
def test_a_mutant_is_killed_by_two_sets_of_tests_if_either_kills_it(
    first: str, second: str, either: str
) -> None:
    assert driver._either(first, second) == either


def test_scores_leave_out_the_listed_mutants_and_count_the_unreached_only_when_asked() -> None:
    found = {"a": "killed", "b": "survived", "c": "no tests", "d": "survived", "e": "timeout"}
    counts = driver.tally(found, {"d": "equivalent"})
    assert counts == driver.Tally(killed=2, survived=1, not_reached=1)
    assert driver.score_line("x", counts, of_reached=True).split()[-1] == "66.7%"
    assert driver.score_line("x", counts, of_reached=False).split()[-1] == "50.0%"


def test_a_listed_mutant_needs_a_reason(tmp_path: Path) -> None:
    listed = tmp_path / "list.txt"
    listed.write_text("# a comment\n\npkg.mod.x_f__mutmut_1  the same result\n", encoding="utf-8")
    assert driver.read_listed(listed) == {"pkg.mod.x_f__mutmut_1": "the same result"}
    listed.write_text("pkg.mod.x_f__mutmut_2\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"list.txt:1: 'pkg.mod.x_f__mutmut_2' has no reason"):
        driver.read_listed(listed)


def test_an_unknown_part_is_named() -> None:
    with pytest.raises(Exception, match=r"'rowz': expected parts from rows, machine, unit"):
        driver._part_names("rows,rowz")


@pytest.mark.parametrize("listed", [driver.EQUIVALENT, driver.UNPROMISED])
def test_every_listed_mutant_names_a_mutated_module_once(listed: Path) -> None:
    entries = driver.read_listed(listed)
    modules = {f"{driver.PACKAGE}.{module.removesuffix('.py')}" for module in driver.MODULES}
    for name in entries:
        module, _, function = name.rpartition(".")
        assert module in modules, name
        assert "__mutmut_" in function, name
    lines = [
        line.split()[0] for line in listed.read_text(encoding="utf-8").splitlines() if line[:1].isalpha()
    ]
    assert len(lines) == len(set(lines)), "a mutant listed twice"


def test_no_mutant_is_both_equivalent_and_unpromised() -> None:
    assert not driver.read_listed(driver.EQUIVALENT).keys() & driver.read_listed(driver.UNPROMISED).keys()


def _load_carry_over() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutation_carry_over", ROOT / "mutation" / "carry_over.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


carry_over = _load_carry_over()


def _mutated(body_lines: list[list[str]], default: str = "0") -> str:
    """A module as mutmut writes one: the original function, then one per mutant."""
    names = ["orig", *(str(number) for number in range(1, len(body_lines)))]
    return "".join(
        f"def x_f__mutmut_{name}(a, b={default if name != '2' else '1'}):\n"
        + "".join(f"    {line}\n" for line in body)
        for name, body in zip(names, body_lines, strict=True)
    )


def test_entries_follow_their_change_when_mutants_are_renumbered() -> None:
    old = carry_over.changes(
        _mutated([["x = a + b", "return x"], ["x = a - b", "return x"], ["x = a + b", "return x"]])
    )
    # The function gained a line: a new mutant comes first, and the old ones move up by one.
    new = carry_over.changes(
        _mutated(
            [
                ["y = 1", "x = a + b", "return x"],
                ["y = 2", "x = a + b", "return x"],
                ["y = 1", "x = a + b", "return x"],  # mutant 2 changes the default, as old mutant 2 did
                ["y = 1", "x = a - b", "return x"],
            ]
        )
    )
    renamed, dropped = carry_over.carry(old, new, ["x_f__mutmut_1", "x_f__mutmut_2"])
    assert renamed == {"x_f__mutmut_1": "x_f__mutmut_3", "x_f__mutmut_2": "x_f__mutmut_2"}
    assert dropped == []


def test_an_entry_whose_code_is_gone_or_ambiguous_is_dropped(tmp_path: Path) -> None:
    old = carry_over.changes(_mutated([["return a"], ["return None"]]))
    new = carry_over.changes(_mutated([["return b"], ["return None"], ["return None"]]))
    assert carry_over.carry(old, new, ["x_f__mutmut_1"]) == ({}, ["x_f__mutmut_1"])
    listed = tmp_path / "equivalent.txt"
    listed.write_text("# why\nm.x_f__mutmut_9  gone\nm.x_f__mutmut_1  kept, renamed\n")
    carry_over.rewrite(listed, {"m.x_f__mutmut_1": "m.x_f__mutmut_3"}, ["m.x_f__mutmut_9"])
    assert listed.read_text() == "# why\nm.x_f__mutmut_3  kept, renamed\n"


def test_a_directory_that_is_no_run_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_status:
        carry_over.main([str(tmp_path / "nope"), str(tmp_path)])
    assert exit_status.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.endswith(
        f"{tmp_path / 'nope'}: expected the --workdir of a mutation/run.py run (no table-rows/mutants)"
    )


def test_modules_can_be_chosen_and_the_lists_follow_them() -> None:
    assert driver._module_names("_confine.py, _beneath.py") == ("_confine.py", "_beneath.py")
    with pytest.raises(Exception, match=r"'nope\.py': expected modules from local_store\.py"):
        driver._module_names("_confine.py,nope.py")
    listed = {
        "pytest_localstore._confine.x_f__mutmut_1": "a reason",
        "pytest_localstore._confine_more.x_f__mutmut_1": "another module that shares a prefix",
        "pytest_localstore._glob.x_g__mutmut_2": "another reason",
    }
    assert driver.of_modules(listed, ("_confine.py",)) == {
        "pytest_localstore._confine.x_f__mutmut_1": "a reason"
    }
