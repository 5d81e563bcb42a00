"""The ``localstore`` console script, run as a user runs it: in a subprocess."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).parent / "localstore"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return tmp_path / "cfg"


@pytest.fixture
def run(config: Path) -> Run:
    """Run the installed ``localstore`` script with a private config directory."""

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        environ = {**os.environ, "LOCALSTORE_CONFIG_PATH": str(config), "PYTHONIOENCODING": "utf-8"}
        environ.update(env or {})
        return subprocess.run(
            [str(SCRIPT), *args], capture_output=True, text=True, encoding="utf-8", env=environ, timeout=60
        )

    return run


def rows(output: str) -> list[list[str]]:
    """The cells of each table row in *output*."""
    return [
        [cell.strip() for cell in line.strip("┃").split("│")]
        for line in output.splitlines()
        if line.startswith("┃")
    ]


def test_script_is_installed() -> None:
    assert SCRIPT.exists(), "pip install -e . should install the localstore script"


def test_seed_stack_list(run: Run) -> None:
    result = run("stack", "list")
    assert result.returncode == 0, result.stderr
    assert rows(result.stdout) == [
        ["ACTIVE", "STACK NAME", "ARTIFACT_STORE", "ORCHESTRATOR"],
        ["👉", "default", "default", "default"],
    ]
    assert result.stdout.startswith("┏━")


def test_seed_artifact_store_describe(run: Run, config: Path) -> None:
    result = run("artifact-store", "describe")
    assert result.returncode == 0, result.stderr
    assert "Running with active stack: 'default'" in result.stdout
    assert "No component name given; using 'default' from active stack." in result.stdout
    assert "ARTIFACT_STORE Component Configuration (ACTIVE)" in result.stdout
    table = dict(rows(result.stdout)[1:])
    assert table["TYPE"] == "artifact_store"
    assert table["FLAVOR"] == "local"
    assert table["NAME"] == "default"
    assert re.fullmatch(UUID, table["UUID"])
    assert table["PATH"] == str(config / "local_stores" / table["UUID"])
    assert list(table) == ["TYPE", "FLAVOR", "NAME", "UUID", "PATH"]


def test_seed_register_store_and_stack(run: Run) -> None:
    result = run("artifact-store", "register", "custom_local", "--flavor", "local")
    assert result.returncode == 0, result.stderr
    assert "custom_local" in result.stdout
    result = run("stack", "register", "custom_stack", "-o", "default", "-a", "custom_local", "--set")
    assert result.returncode == 0, result.stderr
    assert "Active stack set to: 'custom_stack'" in result.stdout
    assert rows(run("stack", "list").stdout)[1:] == [
        ["", "default", "default", "default"],
        ["👉", "custom_stack", "custom_local", "default"],
    ]
    described = run("artifact-store", "describe")
    assert "using 'custom_local' from active stack" in described.stdout


def test_the_other_commands(run: Run, tmp_path: Path) -> None:
    custom = tmp_path / "custom"
    result = run("artifact-store", "register", "mine", "--flavor", "local", "--path", str(custom))
    assert result.returncode == 0
    assert "warning: local store path" in result.stderr and str(custom) in result.stderr
    assert dict(rows(run("artifact-store", "describe", "mine").stdout)[1:])["PATH"] == str(custom)
    assert run("orchestrator", "register", "o2", "--flavor", "local").returncode == 0
    assert [r[1] for r in rows(run("orchestrator", "list").stdout)[1:]] == ["default", "o2"]
    assert run("stack", "register", "s2", "-a", "mine", "-o", "o2").returncode == 0
    assert rows(run("stack", "describe", "s2").stdout)[1:] == [
        ["ARTIFACT_STORE", "mine"],
        ["ORCHESTRATOR", "o2"],
    ]
    assert run("stack", "set", "s2").returncode == 0
    assert "(ACTIVE)" in run("stack", "describe").stdout
    assert run("stack", "set", "default").returncode == 0
    assert run("stack", "delete", "s2").returncode == 0
    assert run("artifact-store", "delete", "mine").returncode == 0
    assert run("orchestrator", "delete", "o2").returncode == 0
    assert [r[1] for r in rows(run("artifact-store", "list").stdout)[1:]] == ["default"]
    flavors = rows(run("flavor", "list").stdout)
    assert ["artifact_store", "local", "local", "a folder on the local filesystem"] in flavors


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["stack", "describe", "nope"], "no stack named 'nope'"),
        (["stack", "set", "nope"], "no stack named 'nope'"),
        (["stack", "delete", "default"], "the default stack cannot be deleted"),
        (["artifact-store", "delete", "default"], "the default artifact store cannot be deleted"),
        (["orchestrator", "delete", "default"], "the default orchestrator cannot be deleted"),
        (["stack", "list", "a\nb"], "unrecognized arguments: a\\nb"),
        (["step-operator", "register", "s", "--flavor", "x"], "no step operator flavors are installed"),
        (
            ["artifact-store", "register", "x", "--flavor", "local", "--path", "{tmp}/file/sub"],
            "is not a directory",
        ),
        (["artifact-store", "register", "x", "--flavor", "local", "--path", "{config}"], "holds the config"),
        (["artifact-store", "register", "x", "--flavor", "local", "--path", "{tmp}"], "holds the config"),
        (
            ["artifact-store", "register", "x", "--flavor", "local", "--path", "{config}/local_stores/x"],
            "where the default stores live",
        ),
        (["stack", "register", "default", "-a", "default", "-o", "default"], "already registered"),
        (["stack", "register", "x", "-a", "default"], "required: -o/--orchestrator"),
        (
            ["stack", "register", "bad name", "-a", "default", "-o", "default"],
            "invalid stack name 'bad name'",
        ),
        (["artifact-store", "register", "default", "--flavor", "local"], "already registered"),
        (["artifact-store", "register", "x", "--flavor", "hdfs"], "unknown artifact store flavor 'hdfs'"),
        (["artifact-store", "register", "x", "--flavor", "local", "--path", ""], "invalid path ''"),
        (["artifact-store", "register", "x", "--flavor", "local", "--option", "color"], "expected KEY=VALUE"),
        (["artifact-store", "register", "x", "--flavor", "local", "--option", "a=b"], "unknown option 'a'"),
        (["artifact-store", "describe", "nope"], "no artifact store named 'nope'"),
        (["orchestrator", "register", "a/b", "--flavor", "local"], "invalid orchestrator name 'a/b'"),
        (["step-operator", "describe"], "the active stack 'default' has no step operator"),
        (["flavor", "list", "--type", "secret"], "invalid choice: 'secret'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "required: COMMAND"),
    ],
)
def test_bad_input_is_one_line_exit_2_registry_unchanged(
    run: Run, config: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    assert run("stack", "list").returncode == 0
    (tmp_path / "file").write_bytes(b"")
    before = (config / "registry.json").read_bytes()
    result = run(*(arg.format(config=config, tmp=tmp_path) for arg in args))
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert (config / "registry.json").read_bytes() == before


def test_corrupt_registry_is_reported(run: Run, config: Path) -> None:
    config.mkdir()
    (config / "registry.json").write_text("{oops")
    result = run("stack", "list")
    assert result.returncode == 2
    assert result.stderr.startswith("localstore: error: registry ")
    assert "is corrupt" in result.stderr and result.stderr.count("\n") == 1
    assert (config / "registry.json").read_text() == "{oops"


def test_unwritable_config_dir(run: Run, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    result = run("stack", "list", env={"LOCALSTORE_CONFIG_PATH": str(tmp_path / "file" / "cfg")})
    assert result.returncode == 2
    assert result.stderr.startswith("localstore: error: ") and "Traceback" not in result.stderr


def test_ascii_terminal_gets_ascii_tables(run: Run) -> None:
    result = run("stack", "list", env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0
    assert result.stdout.isascii() and result.stdout.startswith("+====")
    assert "|   *    | default    |" in result.stdout


def test_help_and_module_entry(config: Path) -> None:
    env = {**os.environ, "LOCALSTORE_CONFIG_PATH": str(config)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest_localstore", "--help"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0
    for command in ("stack", "artifact-store", "orchestrator", "step-operator", "model-deployer", "flavor"):
        assert command in result.stdout
    result = subprocess.run(
        [sys.executable, "-m", "pytest_localstore", "stack", "list"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0 and "default" in result.stdout


def test_a_command_imports_only_what_it_needs(run: Run, config: Path) -> None:
    # What start-up cost came from: test frameworks, and modules the command does not need.
    assert run("stack", "list").returncode == 0  # the registry exists, as on every run but the first
    code = textwrap.dedent(
        """
        import sys
        before = set(sys.modules)
        from pytest_localstore.cli import main
        assert main(["stack", "list"]) == 0
        assert main(["artifact-store", "describe"]) == 0
        print(sorted(m.split(".")[0] for m in set(sys.modules) - before))
        """
    )
    env = {**os.environ, "LOCALSTORE_CONFIG_PATH": str(config)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    loaded = set(eval(result.stdout.strip().splitlines()[-1]))
    unneeded = {"hypothesis", "pyfakefs", "pytest", "_pytest", "typing", "dataclasses", "inspect", "uuid"}
    unneeded |= {"platform", "shutil", "contextlib", "importlib", "abc", "fnmatch"}
    assert not loaded & unneeded, sorted(loaded & unneeded)


@pytest.fixture
def plugin_flavors(tmp_path: Path) -> dict[str, str]:
    """A distribution on PYTHONPATH that declares flavors through the entry-point group."""
    site = tmp_path / "site"
    (site / "fake_flavors-1.0.dist-info").mkdir(parents=True)
    (site / "fake_flavors-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: fake-flavors\nVersion: 1.0\n"
    )
    (site / "fake_flavors-1.0.dist-info" / "entry_points.txt").write_text(
        "[localstore.flavors]\nremote = fake_flavors:REMOTE\nbroken = fake_flavors:MISSING\n"
    )
    (site / "fake_flavors.py").write_text(
        "from pytest_localstore import Flavor\n"
        "REMOTE = [Flavor('kubeflow', 'orchestrator', local=False, description='remote pods'),\n"
        "          Flavor('sagemaker', 'step_operator', local=False)]\n"
        "MISSING = None\n"
    )
    return {"PYTHONPATH": str(site)}


def test_a_broken_flavor_entry_point_is_named_and_skipped(run: Run, plugin_flavors: dict[str, str]) -> None:
    listed = run("flavor", "list", env=plugin_flavors)
    assert listed.returncode == 0, listed.stderr
    assert listed.stderr.count("\n") == 1
    assert listed.stderr.startswith("localstore: warning: flavor entry point 'broken' (fake_flavors:MISSING)")
    assert "expected a Flavor" in listed.stderr
    assert ["orchestrator", "kubeflow", "remote", "remote pods"] in rows(listed.stdout)  # the others load
    assert run("orchestrator", "register", "kf", "--flavor", "kubeflow", env=plugin_flavors).returncode == 0


def test_flavors_from_entry_points(run: Run, tmp_path: Path, plugin_flavors: dict[str, str]) -> None:
    entry_points = tmp_path / "site" / "fake_flavors-1.0.dist-info" / "entry_points.txt"
    entry_points.write_text("[localstore.flavors]\nremote = fake_flavors:REMOTE\n")
    listed = rows(run("flavor", "list", env=plugin_flavors).stdout)
    assert ["orchestrator", "kubeflow", "remote", "remote pods"] in listed
    assert run("orchestrator", "register", "kf", "--flavor", "kubeflow", env=plugin_flavors).returncode == 0
    assert run("step-operator", "register", "sm", "--flavor", "sagemaker", env=plugin_flavors).returncode == 0
    refused = run("stack", "register", "s", "-a", "default", "-o", "kf", env=plugin_flavors)
    assert refused.returncode == 2
    assert (
        "artifact store 'default' is local" in refused.stderr
        and "'kf' (flavor 'kubeflow') is remote" in refused.stderr
    )
    refused = run("stack", "register", "s", "-a", "default", "-o", "default", "-s", "sm", env=plugin_flavors)
    assert refused.returncode == 2 and "cannot hold step operator 'sm'" in refused.stderr
    missing = run("orchestrator", "describe", "kf")
    assert missing.returncode == 2 and "unknown orchestrator flavor 'kubeflow'" in missing.stderr


def test_a_path_the_output_cannot_encode_is_printed_escaped(run: Run, tmp_path: Path) -> None:
    cafe = tmp_path / "café"
    assert run("artifact-store", "register", "c", "--flavor", "local", "--path", str(cafe)).returncode == 0
    result = run("artifact-store", "describe", "c", env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr
    escaped = str(cafe).replace("é", "\\xe9")
    assert f"| PATH               | {escaped} |" in result.stdout
    widths = {len(line) for line in result.stdout.splitlines() if line.startswith(("|", "+"))}
    assert len(widths) == 1  # the escaped cell still lines up


def test_a_path_with_undecodable_bytes_is_printed_escaped(config: Path, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "LOCALSTORE_CONFIG_PATH": str(config),
        "LC_ALL": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
    }
    odd = os.fsencode(tmp_path) + b"/\xff"
    registered = subprocess.run(
        [os.fsencode(SCRIPT), b"artifact-store", b"register", b"u", b"--flavor", b"local", b"--path", odd],
        capture_output=True,
        env=env,
    )
    assert registered.returncode == 0, registered.stderr
    for args in (["artifact-store", "describe", "u"], ["artifact-store", "list"]):
        result = subprocess.run([str(SCRIPT), *args], capture_output=True, env=env)
        assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr
    described = subprocess.run([str(SCRIPT), "artifact-store", "describe", "u"], capture_output=True, env=env)
    assert b"/\\udcff" in described.stdout


def commands_that_read_the_registry() -> list[list[str]]:
    """Every command form that reads the registry, with arguments that would otherwise succeed."""
    found = [["stack", "list"], ["stack", "describe"], ["stack", "describe", "default"]]
    found += [["stack", "register", "s", "-a", "default", "-o", "default"], ["stack", "set", "default"]]
    found += [["stack", "delete", "other"]]
    for kind in ("artifact-store", "orchestrator", "step-operator", "model-deployer"):
        found += [[kind, "list"], [kind, "describe"], [kind, "describe", "default"], [kind, "delete", "x"]]
    # The other types have no 'local' flavor: their register stops before reading.
    found += [[kind, "register", "x", "--flavor", "local"] for kind in ("artifact-store", "orchestrator")]
    return found


@pytest.mark.parametrize("args", commands_that_read_the_registry(), ids=" ".join)
def test_a_registry_nested_too_deeply_is_reported_by_every_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    from pytest_localstore.cli import main

    monkeypatch.setenv("LOCALSTORE_CONFIG_PATH", str(tmp_path))
    content = b"[" * 100_000 + b"]" * 100_000
    (tmp_path / "registry.json").write_bytes(content)
    out, err = io.StringIO(), io.StringIO()
    assert main(args, stdout=out, stderr=err) == 2
    assert err.getvalue().startswith("localstore: error: registry ") and "nested too deeply" in err.getvalue()
    assert err.getvalue().count("\n") == 1 and out.getvalue() == ""
    assert (tmp_path / "registry.json").read_bytes() == content
