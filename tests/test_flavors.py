"""The memory and s3 flavors as users meet them: the registry and CLI, the fixtures, bad input."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from pytest_localstore import Client, LocalStoreError
from pytest_localstore.fsspec_flavors import build_s3_store
from pytest_localstore.s3 import S3Server, free_port

SCRIPT = Path(sys.executable).with_name("localstore")


def cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LOCALSTORE_CONFIG_PATH": str(config)}
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=60)


def test_register_and_describe_an_s3_store_without_showing_the_secret(
    tmp_path: Path, s3_server: S3Server
) -> None:
    bucket = s3_server.make_bucket()
    result = cli(
        tmp_path,
        "artifact-store", "register", "remote", "--flavor", "s3", "--path", f"s3://{bucket}/runs",
        "--option", f"endpoint_url={s3_server.endpoint_url}", "--option", "key=testing",
        "--option", "secret=very-secret",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    described = cli(tmp_path, "artifact-store", "describe", "remote")
    assert described.returncode == 0, described.stderr
    assert "very-secret" not in described.stdout and "********" in described.stdout
    assert f"s3://{bucket}/runs" in described.stdout
    stacked = cli(tmp_path, "stack", "register", "on-s3", "-a", "remote", "-o", "default")
    assert stacked.returncode == 0, stacked.stderr  # a remote store may go with any orchestrator
    store = Client(str(tmp_path)).artifact_store("remote")
    with store.open("f.txt", "w") as handle:
        handle.write("written through the registry")
    assert s3_server.filesystem().cat(f"{bucket}/runs/f.txt") == b"written through the registry"


def test_register_a_memory_store_and_use_it_in_a_stack(tmp_path: Path) -> None:
    assert cli(tmp_path, "artifact-store", "register", "mem", "--flavor", "memory").returncode == 0
    result = cli(tmp_path, "stack", "register", "in-memory", "-a", "mem", "-o", "default")
    assert result.returncode == 0, result.stderr
    assert "memory://localstore/" in cli(tmp_path, "artifact-store", "describe", "mem").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--flavor", "s3"], "the s3 flavor needs a path: s3://BUCKET or s3://BUCKET/PREFIX"),
        (["--flavor", "s3", "--path", "gs://b"], "invalid path 'gs://b': expected s3://BUCKET"),
        (["--flavor", "memory", "--path", "/tmp/x"], "expected a URL such as 'memory://store'"),
        (
            ["--flavor", "local", "--path", "s3://bucket/x"],
            "a URL, not a directory path for a local store; use --flavor s3 (the s3",
        ),
        (
            ["--flavor", "local", "--path", "gcs://bucket/x"],
            "a URL, not a directory path for a local store; no installed flavor takes gcs://",
        ),
    ],
)
def test_bad_flavor_paths_are_one_line_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = cli(tmp_path, "artifact-store", "register", "x", *args)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_an_unreachable_endpoint_is_one_error_within_ten_seconds() -> None:
    start = time.monotonic()
    with pytest.raises(LocalStoreError, match=r"cannot reach S3 at http://127\.0\.0\.1:\d+"):
        build_s3_store("s3://bucket", endpoint_url=f"http://127.0.0.1:{free_port()}", key="k", secret="s")
    assert time.monotonic() - start < 10


def test_a_missing_bucket_is_named_and_nothing_is_created(s3_server: S3Server) -> None:
    with pytest.raises(LocalStoreError, match="bucket 'no-such-bucket' does not exist"):
        build_s3_store("s3://no-such-bucket/x", endpoint_url=s3_server.endpoint_url, **s3_server.credentials)
    assert "no-such-bucket" not in s3_server.filesystem().ls("")


def test_the_contract_command_passes_on_both_flavors(tmp_path: Path) -> None:
    result = subprocess.run(
        # Every row must run: the time budget bounds the rows too.
        [str(SCRIPT), "contract", "memory", "s3", "--examples=3", "--steps=5", "--seed=1", "--max-time=600"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "memory: conforms" in result.stdout and "s3: conforms" in result.stdout
    totals = re.findall(r"total: (\d+)/(\d+) table rows", result.stdout)
    assert len(totals) == 2 and all(passed == of for passed, of in totals), totals
    assert list(tmp_path.iterdir()) == []  # nothing left in the current directory


def test_the_sample_plugin_suite_runs_once_per_flavor(tmp_path: Path) -> None:
    sample = Path(__file__).parent / "sample_plugin" / "test_sample_plugin.py"
    (tmp_path / "test_sample_plugin.py").write_text(sample.read_text())
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-v",
            "--localstore-flavors=local,memory,s3",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    for flavor in ("local", "memory", "s3"):
        assert f"test_metrics_round_trip[{flavor}] PASSED" in result.stdout
    assert "6 passed" in result.stdout


def test_a_given_endpoint_is_used_instead_of_starting_a_server(tmp_path: Path, s3_server: S3Server) -> None:
    (tmp_path / "test_endpoint.py").write_text(
        "import os\n"
        "def test_it(s3_server, s3_artifact_store):\n"
        "    assert s3_server.endpoint_url == os.environ['EXPECTED']\n"
        "    with s3_artifact_store.open('f', 'wb') as f:\n"
        "        f.write(b'x')\n"
    )
    env = {**os.environ, "LOCALSTORE_S3_ENDPOINT": s3_server.endpoint_url, "EXPECTED": s3_server.endpoint_url}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("local,hdfs", "unknown artifact store flavor 'hdfs': expected one of azure, gcs, local, memory, s3"),
        (",", "expected one or more of azure, gcs, local, memory, s3"),
    ],
)
def test_bad_flavor_lists_are_usage_errors(tmp_path: Path, value: str, message: str) -> None:
    (tmp_path / "test_x.py").write_text("def test_x(artifact_store):\n    pass\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--localstore-flavors={value}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 4
    assert message in result.stderr


def test_a_flavor_replaced_keeps_every_other_field() -> None:
    from pytest_localstore.local_flavor import LOCAL_FLAVORS

    local = LOCAL_FLAVORS[0]

    def build(component: Any, config_path: str) -> Any:
        return None

    copy = local.replace(build=build)
    assert copy.build is build and local.build is not build
    assert copy == local  # compared without their functions
    assert (copy.prepare, copy.describe, copy.options) == (local.prepare, local.describe, local.options)
