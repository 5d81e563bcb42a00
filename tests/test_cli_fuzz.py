"""The CLI's error boundary under random argument vectors, run in-process.

Whatever the arguments: no traceback, exit status 0 or 2, a failure is one line
on stderr, and a failed command leaves the registry byte for byte as it was.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_localstore.cli import main

#: The command line's own words, arguments it accepts, and awkward ones.
WORDS = [
    *("stack", "artifact-store", "orchestrator", "step-operator", "model-deployer", "flavor"),
    *("list", "describe", "register", "set", "delete"),
    *("default", "other", "x", "s2", "local", "s3", "kubeflow"),
    *("--flavor", "-f", "--path", "--option", "-a", "-o", "-s", "-d", "--set", "--type", "--version"),
    *("a=b", "path=p", "=", "rel/store", ".", "..", "/", "local_stores", "registry.json"),
    *("", "-", "--", "a\nb", "tab\there", "é", "\x00", "\udcff", "x" * 300, "👉", "'", '"', "%s", "{}"),
]
#: Every real command, so random arguments reach each one's own checks.
COMMANDS = (
    [["stack", action] for action in ("list", "describe", "register", "set", "delete")]
    + [
        [group, action]
        for group in ("artifact-store", "orchestrator", "step-operator", "model-deployer")
        for action in ("list", "describe", "register", "delete")
    ]
    + [["flavor", "list"]]
)
argument = st.sampled_from(WORDS) | st.text(max_size=6)
argv = (
    st.tuples(st.sampled_from(COMMANDS), st.lists(argument, max_size=5)).map(
        lambda parts: parts[0] + parts[1]
    )
    | st.lists(argument, max_size=7)
).filter(lambda words: "contract" not in words)


def registry_bytes(config: Path) -> bytes | None:
    try:
        return (config / "registry.json").read_bytes()
    except FileNotFoundError:
        return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=argv)
def test_any_arguments_exit_0_or_2_in_one_line_leaving_the_registry_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    config = tmp_path / "cfg"
    monkeypatch.setenv("LOCALSTORE_CONFIG_PATH", str(config))
    monkeypatch.chdir(tmp_path)
    if registry_bytes(config) is None:
        assert main(["stack", "list"], stdout=io.StringIO(), stderr=io.StringIO()) == 0
    before = registry_bytes(config)
    out, err = io.StringIO(), io.StringIO()
    status = main(args, stdout=out, stderr=err)
    assert status in (0, 2), (args, status)
    if status == 2:
        message = err.getvalue()
        assert message.endswith("\n") and message.count("\n") == 1, (args, message)
        assert message.startswith("localstore"), (args, message)
        assert registry_bytes(config) == before, args
