"""The gcs and azure flavors on real servers (gcp-storage-emulator, Azurite): stores, fixtures, bad input."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

from pytest_localstore import ArtifactStore, Client, LocalStoreError
from pytest_localstore.azure import (
    AzureServer,
    azure_filesystem,
    client_without_retries,
    dev_connection_string,
)
from pytest_localstore.cloud_flavors import build_azure_store, build_gcs_store
from pytest_localstore.gcs import GcsServer
from pytest_localstore.s3 import free_port

SCRIPT = Path(sys.executable).with_name("localstore")
FLAVORS = ["gcs", "azure"]


@pytest.fixture(params=FLAVORS)
def cloud_store(request: pytest.FixtureRequest) -> ArtifactStore:
    """A gcs, then an azure store, each in a bucket or container of its own."""
    store: ArtifactStore = request.getfixturevalue(f"{request.param}_artifact_store")
    return store


def cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LOCALSTORE_CONFIG_PATH": str(config)}
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=60)


def run_pytest(
    project: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "LOCALSTORE_"))}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=project,
        env={**environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


# -- the stores ------------------------------------------------------------------------------


def test_each_store_names_its_url_and_reads_back_what_it_wrote(cloud_store: ArtifactStore) -> None:
    scheme = {"gcs": "gs", "azure": "az"}[cloud_store.flavor]
    assert cloud_store.path.startswith(f"{scheme}://localstore-")
    with cloud_store.open("a/b.txt", "w") as f:
        f.write("text ✓")
    assert cloud_store.size("a/b.txt") == len("text ✓".encode())
    assert cloud_store.isdir("a") and cloud_store.listdir("a") == ["b.txt"]
    assert cloud_store.stat("a/b.txt").st_mtime > 0
    assert cloud_store.glob("a/*.txt") == [f"{cloud_store.path}/a/b.txt"]


def test_append_keeps_what_was_there_and_says_nothing(cloud_store: ArtifactStore) -> None:
    with cloud_store.open("d/log", "wb") as f:
        f.write(b"first;")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # gcsfs's own 'a' warns, then overwrites
        with cloud_store.open("d/log", "ab") as f:
            f.write(b"second;")
        with cloud_store.open("d/log", "a") as text:
            text.write("third")
        with cloud_store.open("d/new", "ab") as f:  # a new file: created
            f.write(b"x")
        with cloud_store.open("d/new", "ab") as f:
            f.write(b"y")
    assert cloud_store.open("d/log", "rb").read() == b"first;second;third"
    assert cloud_store.open("d/new", "rb").read() == b"xy"


def test_modes_a_store_cannot_keep_are_refused(cloud_store: ArtifactStore) -> None:
    with cloud_store.open("f", "wb") as f:
        f.write(b"kept")
    for mode in ("r+b", "w+b", "a+b"):
        with pytest.raises(ValueError, match="invalid mode"):
            cloud_store.open("f", mode)
    with pytest.raises(FileExistsError):
        cloud_store.open("f", "xb")
    assert cloud_store.open("f", "rb").read() == b"kept"


def test_renames_move_files_and_trees_in_well_under_a_second(cloud_store: ArtifactStore) -> None:
    with cloud_store.open("src/a/one", "wb") as f:
        f.write(b"1")
    start = time.monotonic()
    cloud_store.rename("src/a/one", "src/a/two")  # gcsfs's mv waits half a minute on the emulator
    cloud_store.rename("src", "dst")
    assert time.monotonic() - start < 5
    assert [entry[1:] for entry in cloud_store.walk("dst")] == [(["a"], []), ([], ["two"])]
    assert cloud_store.open("dst/a/two", "rb").read() == b"1"
    assert not cloud_store.exists("src")


NAMES = ["t\tb", "line\nbreak", "back\\slash", " ", "x\x01y", "ends in a space /f"]


def test_gcs_keeps_every_name_as_given(gcs_artifact_store: ArtifactStore) -> None:
    for name in NAMES:
        with gcs_artifact_store.open(name, "wb") as f:
            f.write(name.encode())
    assert sorted(gcs_artifact_store.listdir(".")) == sorted({name.split("/")[0] for name in NAMES})
    assert [gcs_artifact_store.open(name, "rb").read() for name in NAMES] == [n.encode() for n in NAMES]


@pytest.mark.parametrize("name", NAMES)
def test_azure_never_creates_names_it_would_change_or_lose(
    azure_artifact_store: ArtifactStore, name: str
) -> None:
    store = azure_artifact_store
    with store.open("tb", "wb") as f:  # what adlfs would read for 't\tb'
        f.write(b"another file")
    creating = (
        lambda: store.open(f"d/{name}", "wb"),
        lambda: store.makedirs(name),
        lambda: store.rename("tb", name),
    )
    for create in creating:
        with pytest.raises(OSError, match="azure cannot hold this name") as info:
            create()
        assert info.value.errno == errno.EINVAL
    assert not store.exists(name) and not store.exists(f"d/{name}")  # never the file of another name
    with pytest.raises(FileNotFoundError):
        store.open(name, "rb")
    assert store.listdir(".") == ["tb"]  # nothing written, and the container still lists


# -- bad input: one line each --------------------------------------------------------------


def test_an_unreachable_endpoint_is_one_error_within_ten_seconds() -> None:
    port = free_port()
    for build, where in (
        (lambda: build_gcs_store("gs://bucket", endpoint_url=f"http://127.0.0.1:{port}"), "GCS"),
        (
            lambda: build_azure_store(
                "az://container", connection_string=dev_connection_string(f"http://127.0.0.1:{port}")
            ),
            "Azure Blob",
        ),
    ):
        start = time.monotonic()
        with pytest.raises(
            LocalStoreError, match=rf"^cannot reach {where} at http://127\.0\.0\.1:{port}"
        ) as info:
            build()
        assert time.monotonic() - start < 10
        assert "\n" not in str(info.value)


def test_a_given_server_that_does_not_answer_fails_each_fixture_in_one_line(tmp_path: Path) -> None:
    port = free_port()
    (tmp_path / "test_given.py").write_text(
        "def test_gcs(gcs_artifact_store):\n    pass\ndef test_azure(azure_artifact_store):\n    pass\n"
    )
    env = {
        "LOCALSTORE_GCS_ENDPOINT": f"http://127.0.0.1:{port}",
        "LOCALSTORE_AZURE_CONNECTION_STRING": dev_connection_string(f"http://127.0.0.1:{port}"),
    }
    start = time.monotonic()
    result = run_pytest(tmp_path, "-q", env=env)
    assert time.monotonic() - start < 30  # the clients alone would retry for minutes
    assert result.returncode == 1 and "2 errors" in result.stdout
    assert (
        f"pytest-localstore: cannot reach GCS at http://127.0.0.1:{port}: Connection refused" in result.stdout
    )
    assert f"pytest-localstore: cannot reach Azure Blob at http://127.0.0.1:{port}/" in result.stdout
    assert "Traceback" not in result.stdout


def test_a_missing_bucket_is_named_and_nothing_is_created(gcs_server: GcsServer) -> None:
    with pytest.raises(
        LocalStoreError, match=r"bucket 'no-such-bucket' does not exist at http://127\.0\.0\.1"
    ):
        build_gcs_store("gs://no-such-bucket/x", endpoint_url=gcs_server.endpoint_url)
    assert not gcs_server.filesystem().exists("no-such-bucket")


def test_a_missing_container_is_named_and_nothing_is_created(azure_server: AzureServer) -> None:
    with pytest.raises(LocalStoreError, match=r"container 'no-such-container' does not exist at http://127"):
        build_azure_store("az://no-such-container/x", connection_string=azure_server.connection_string)
    assert not azure_server.filesystem().exists("no-such-container")


@pytest.mark.parametrize(
    "text",
    ["garbage", "AccountName=devstoreaccount1;AccountKey", ";;", "AccountKey=c2VjcmV0LWtleQ==;Foo=bar"],
)
def test_a_malformed_connection_string_is_one_line_that_never_shows_the_key(text: str) -> None:
    with pytest.raises(LocalStoreError, match="Azure connection string") as info:
        build_azure_store("az://container", connection_string=text)
    assert "\n" not in str(info.value) and "c2VjcmV0" not in str(info.value)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--flavor", "gcs"], "the gcs flavor needs a path: gs://BUCKET or gs://BUCKET/PREFIX"),
        (["--flavor", "gcs", "--path", "s3://b"], "invalid path 's3://b': expected gs://BUCKET"),
        (["--flavor", "gcs", "--path", "gs://No_Such"], "'No_Such' is not a valid bucket name"),
        (["--flavor", "azure", "--path", "az://ab"], "'ab' is not a valid container name"),
        (
            ["--flavor", "azure", "--path", "az://box", "--option", "connection_string=AccountKey=c2VjcmV0"],
            "malformed Azure connection string (no BlobEndpoint or AccountName)",
        ),
        (["--flavor", "local", "--path", "gs://b/x"], "use --flavor gcs (the gcs extra: pip install"),
        (["--flavor", "local", "--path", "az://b/x"], "use --flavor azure (the azure extra: pip install"),
    ],
)
def test_bad_cloud_flavor_input_is_one_line_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = cli(tmp_path, "artifact-store", "register", "x", *args)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "c2VjcmV0" not in result.stderr


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_missing_extra_is_a_usage_error_naming_it(tmp_path: Path, flavor: str) -> None:
    module = {"gcs": "gcsfs", "azure": "adlfs"}[flavor]
    (tmp_path / "conftest.py").write_text(f"import sys\nsys.modules[{module!r}] = None\n")
    (tmp_path / "test_x.py").write_text(f"def test_x({flavor}_artifact_store):\n    pass\n")
    used = run_pytest(tmp_path)
    assert used.returncode == 1
    assert f"needs {module}, which is not installed: install the {flavor} extra" in used.stdout
    assert "Traceback" not in used.stdout
    (tmp_path / "test_x.py").write_text("def test_x(artifact_store):\n    pass\n")
    asked = run_pytest(tmp_path, f"--localstore-flavors=local,{flavor}")
    assert asked.returncode == 4
    assert f"flavor {flavor!r} needs {module}, which is not installed" in asked.stderr


# -- the registry and CLI ----------------------------------------------------------------------


def test_register_describe_and_use_each_flavor_without_showing_secrets(
    tmp_path: Path, gcs_server: GcsServer, azure_server: AzureServer
) -> None:
    bucket, container = gcs_server.make_bucket(), azure_server.make_container()
    registered = [
        cli(tmp_path, "artifact-store", "register", "g", "--flavor", "gcs", "--path", f"gs://{bucket}/runs",
            "--option", f"endpoint_url={gcs_server.endpoint_url}", "--option", "token=anon"),
        cli(tmp_path, "artifact-store", "register", "a", "--flavor", "azure", "--path", f"az://{container}/runs",
            "--option", f"connection_string={azure_server.connection_string}"),
        cli(tmp_path, "artifact-store", "register", "keyed", "--flavor", "gcs", "--path", "gs://elsewhere",
            "--option", "token=/secret/key.json"),
    ]  # fmt: skip
    assert [r.returncode for r in registered] == [0, 0, 0], [r.stderr for r in registered]
    described = "".join(
        cli(tmp_path, "artifact-store", "describe", name).stdout for name in ("g", "a", "keyed")
    )
    assert "/secret/key.json" not in described and "Eby8vdM02" not in described
    assert f"gs://{bucket}/runs" in described and f"az://{container}/runs" in described
    client = Client(str(tmp_path))
    for name in ("g", "a"):
        with client.artifact_store(name).open("f.txt", "w") as handle:
            handle.write("written through the registry")
    assert gcs_server.filesystem().cat(f"{bucket}/runs/f.txt") == b"written through the registry"
    assert azure_server.filesystem().cat(f"{container}/runs/f.txt") == b"written through the registry"
    gcs_server.remove_bucket(bucket)
    azure_server.remove_container(container)


# -- the fixtures ------------------------------------------------------------------------------


def test_fixtures_use_a_given_server_and_remove_their_bucket_and_container(
    tmp_path: Path, gcs_server: GcsServer, azure_server: AzureServer
) -> None:
    (tmp_path / "test_given.py").write_text(
        "import os\n"
        "def test_gcs(gcs_server, gcs_artifact_store):\n"
        "    assert gcs_server.endpoint_url == os.environ['LOCALSTORE_GCS_ENDPOINT']\n"
        "    gcs_artifact_store.open('kept/f', 'wb').close()\n"
        "    open('buckets', 'a').write(gcs_artifact_store.path + '\\n')\n"
        "def test_azure(azure_server, azure_artifact_store):\n"
        "    assert not azure_server.started_here  # the given service: no Azurite started\n"
        "    azure_artifact_store.open('kept/f', 'wb').close()\n"
        "    open('buckets', 'a').write(azure_artifact_store.path + '\\n')\n"
    )
    env = {
        "LOCALSTORE_GCS_ENDPOINT": gcs_server.endpoint_url,
        "LOCALSTORE_AZURE_CONNECTION_STRING": azure_server.connection_string,
    }
    result = run_pytest(tmp_path, "-q", env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout
    paths = (tmp_path / "buckets").read_text().split()
    assert [path.split("://")[0] for path in paths] == ["gs", "az"]
    assert not gcs_server.filesystem().exists(paths[0][len("gs://") :])
    assert not azure_server.filesystem().exists(paths[1][len("az://") :])


def test_the_sample_plugin_suite_runs_on_gcs_and_azure(tmp_path: Path) -> None:
    sample = Path(__file__).parent / "sample_plugin" / "test_sample_plugin.py"
    (tmp_path / "test_sample_plugin.py").write_text(sample.read_text())
    result = run_pytest(tmp_path, "-v", "--localstore-flavors=gcs,azure")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    for flavor in FLAVORS:
        assert f"test_metrics_round_trip[{flavor}] PASSED" in result.stdout
    assert "4 passed" in result.stdout


# -- no server outlives the run ----------------------------------------------------------------

HOLD = """
import os, time
def test_hold(azure_server, azure_artifact_store):
    with open(os.environ["REPORT"], "w") as report:
        report.write(f"{azure_server._running.pid} {os.getpid()}")
    time.sleep(120)
"""


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_gone(group: int, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _group_alive(group):
            return True
        time.sleep(0.1)
    return False


def test_the_gcs_emulator_runs_in_a_process_of_its_own_and_lets_many_connections_wait() -> None:
    import socket

    from pytest_localstore._server_process import ServerProcess

    with GcsServer.start() as server:
        assert isinstance(server._running, ServerProcess)
        group = server._running.pid
        assert group != os.getpgrp() and _group_alive(group)
        port = int(server.endpoint_url.rpartition(":")[2])
        # It answers one connection at a time: the others wait in its queue (with the default
        # queue of 5 the 7th is never taken, and a run's 8 jobs waited out retries).
        waiting = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(12)]
        for connection in waiting:
            connection.close()
        bucket = server.make_bucket()
        assert server.filesystem().ls(bucket) == []
    assert _wait_gone(group), "the emulator outlived its stop()"


def test_a_server_its_starter_never_stopped_leaves_no_working_directory(tmp_path: Path) -> None:
    # As a pasted report program does: it starts a server and ends without stopping it.
    program = "from pytest_localstore.gcs import GcsServer; print(GcsServer.start()._running.workdir)"
    started = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    workdir = Path(started.stdout.strip())
    assert workdir.name.startswith("localstore-server-")
    deadline = time.monotonic() + 15
    while workdir.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not workdir.exists(), "the guardian stopped the server but left its working directory"


@pytest.mark.parametrize("how", ["ctrl-c", "worker-killed"])
def test_no_azurite_outlives_an_interrupted_or_crashed_run(tmp_path: Path, how: str) -> None:
    (tmp_path / "test_hold.py").write_text(HOLD)
    report = tmp_path / "report"
    args = ["-n", "1", "--max-worker-restart=0"] if how == "worker-killed" else []
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "LOCALSTORE_"))}
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=tmp_path,
        env={**environ, "REPORT": str(report)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not (report.exists() and report.read_text()) and time.monotonic() < deadline:
            time.sleep(0.1)
        group, tester = map(int, report.read_text().split())
        assert _group_alive(group)  # Azurite and its guardian, in a process group of their own
        if how == "ctrl-c":
            run.send_signal(signal.SIGINT)
        else:
            os.kill(tester, signal.SIGKILL)  # the xdist worker dies; no teardown runs
        assert _wait_gone(group), f"Azurite's process group {group} outlived the run"
    finally:
        run.kill()
        run.wait()


# -- the contract targets --------------------------------------------------------------------


@pytest.mark.parametrize("flavor", FLAVORS)
def test_each_flavor_is_a_contract_target_whose_stores_keep_a_row(flavor: str) -> None:
    from pytest_localstore.contract import ROWS, check_row
    from pytest_localstore.targets import targets_for

    [target] = targets_for(flavor)
    assert target.label == flavor
    assert f"from pytest_localstore import {type_name(flavor)}" in target.opening
    row = next(row for row in ROWS if row.id == "rename: a directory with content")
    with target.setup() as make_store:
        capabilities = target.judged_by(make_store)
        assert not capabilities.empty_directories
        first, second = make_store(), make_store()
        assert first.path != second.path  # a fresh store each time
        assert check_row(row, first, capabilities) is None
    assert flavor in [target.label for target in targets_for("all")]


def type_name(flavor: str) -> str:
    return {"gcs": "GcsArtifactStore", "azure": "AzureArtifactStore"}[flavor]


@pytest.mark.parametrize(
    ("flavor", "variable"),
    [("gcs", "LOCALSTORE_GCS_ENDPOINT"), ("azure", "LOCALSTORE_AZURE_CONNECTION_STRING")],
)
def test_a_contract_target_on_an_unreachable_server_is_one_line_exit_2(
    tmp_path: Path, flavor: str, variable: str
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    given = url if flavor == "gcs" else dev_connection_string(url)
    started = time.monotonic()
    result = subprocess.run(
        [str(SCRIPT), "contract", flavor, "--seed", "1"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, variable: given, "LOCALSTORE_CONFIG_PATH": str(tmp_path / "cfg")},
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert time.monotonic() - started < 10
    error = [line for line in result.stderr.splitlines() if line.startswith("localstore: error")]
    assert len(error) == 1 and "127.0.0.1" in error[0], result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("flavor", FLAVORS)
def test_the_contract_on_each_cloud_flavor(flavor: str) -> None:
    """A sample of the rows and a few random sequences; every row and 40 sequences under
    ``--hypothesis-profile=localstore-thorough`` (minutes on a remote store)."""
    from pytest_localstore.contract import ROWS, check_row
    from pytest_localstore.contract._runner import explore
    from pytest_localstore.contract._settings import QUICK_EXAMPLES, thorough_profile_loaded
    from pytest_localstore.targets import targets_for

    thorough = thorough_profile_loaded()
    [testbed] = targets_for(flavor)
    with testbed.setup() as make_store:
        capabilities = testbed.judged_by(make_store)
        rows = [row for row in ROWS if row.applies_to(capabilities)]
        sample = rows if thorough else rows[:: max(1, len(rows) // 40)]
        found = {
            (violation.problem.kind, violation.method)
            for row in sample
            if (violation := check_row(row, make_store(), capabilities)) is not None
        }
        report = explore(
            make_store, capabilities, examples=QUICK_EXAMPLES if thorough else 3, steps=20, seed=1
        )
    found |= {(entry.kind, entry.violation.method) for entry in report.entries.values()}
    assert len(sample) >= 40 and report.calls["examples"] >= 1
    assert not found


def test_a_client_of_azurite_started_here_reads_nothing_from_the_environment(
    azure_server: AzureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert azure_server.started_here
    home = Path(os.environ["HOME"])  # the test's own (conftest.py)
    (home / ".netrc").write_text("machine 127.0.0.1 login someone password secret\n")
    (home / ".netrc").chmod(0o600)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing there: a client using it fails
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    fs = azure_filesystem(azure_server.connection_string, started_here=True)
    container = azure_server.make_container()
    try:
        fs.pipe_file(f"{container}/k", b"v")
        assert fs.cat_file(f"{container}/k") == b"v"
        # The client ZenML's Azure stores get in a contract run (one that tries each request once).
        fs.service_client = client_without_retries(azure_server.connection_string, started_here=True)
        assert fs.cat_file(f"{container}/k") == b"v"
    finally:
        azure_server.remove_container(container)


def test_the_client_without_retries_makes_each_containers_client_once(azure_server: AzureServer) -> None:
    fs = azure_filesystem(azure_server.connection_string, started_here=True)
    fs.service_client = client = client_without_retries(azure_server.connection_string, started_here=True)
    first, second = azure_server.make_container(), azure_server.make_container()
    try:
        assert client.get_container_client(first) is client.get_container_client(container=first)
        assert client.get_container_client(first) is not client.get_container_client(second)
        made = client.get_container_client(second)
        fs.pipe_file(f"{first}/d/k", b"one")  # adlfs's own calls, through the clients kept
        fs.pipe_file(f"{second}/k", b"two")
        assert fs.cat_file(f"{first}/d/k") == b"one" and fs.cat_file(f"{second}/k") == b"two"
        assert fs.ls(f"{first}/d", detail=False) == [f"{first}/d/k"]
        assert client.get_container_client(second) is made
    finally:
        azure_server.remove_container(first)
        azure_server.remove_container(second)
