"""Per-test cost of the flavor fixtures' work, against a baseline in the same run.

Run: ``python benchmarks/bench_flavors.py`` (needs the s3, gcs and azure extras,
and Node.js 20+ for Azurite).

- ``s3_artifact_store``: a new bucket, the store built on it (the bucket's
  existence checked), then the bucket removed, against the same bucket create
  and delete with a bare s3fs client on the same moto server (target <= 1.5x).
- ``gcs_artifact_store`` and ``azure_artifact_store``: the same, on
  gcp-storage-emulator and on Azurite, against a bare gcsfs bucket or adlfs
  container create and delete on the same server (target <= 1.5x).
- The servers' start-up (``gcs_server``, ``azure_server``: once per process),
  printed: the first start in a process includes importing the client.
- ``memory_artifact_store``: a store made and emptied, against what
  ``local_artifact_store`` does per test (its config directory, default stack
  and store; target <= 1x).
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from fsspec.asyn import sync

from benchmarks._timing import print_table
from pytest_localstore import ConfigDirFactory
from pytest_localstore.azure import AzureServer
from pytest_localstore.cloud_flavors import build_azure_store, build_gcs_store
from pytest_localstore.fsspec_flavors import build_s3_store
from pytest_localstore.fsspec_store import MemoryArtifactStore
from pytest_localstore.gcs import GcsServer
from pytest_localstore.s3 import S3Server


def median_ms(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def compare(
    name: str, ours: Callable[[], object], baseline: str, base: Callable[[], object], runs: int, target: float
) -> list[str]:
    """One table row: *ours* against *base*, in three alternating rounds, the best median of each."""
    ours_ms, base_ms = [], []
    for _ in range(3):
        base_ms.append(median_ms(base, runs))
        ours_ms.append(median_ms(ours, runs))
    ratio = min(ours_ms) / min(base_ms)
    return [name, f"{min(ours_ms):.3f}", baseline, f"{min(base_ms):.3f}", f"{ratio:.2f}x", f"<= {target}x"]


def gcs_row(runs: int) -> list[str]:
    with GcsServer.start() as server:
        fs = server.filesystem()

        def bare_bucket() -> None:
            name = f"bare-{uuid.uuid4().hex[:16]}"
            fs.mkdir(name)
            fs.rm(name, recursive=True)

        def fixture_bucket() -> None:
            bucket = server.make_bucket()
            build_gcs_store(f"gs://{bucket}", endpoint_url=server.endpoint_url, fs=fs, check=False)
            server.remove_bucket(bucket)

        return compare(
            "gcs_artifact_store", fixture_bucket, "bare gcsfs bucket create + delete", bare_bucket, runs, 1.5
        )


def azure_row(runs: int) -> list[str]:
    with AzureServer.start() as server:
        fs = server.filesystem()

        def bare_container() -> None:  # one request each: the cheapest create and delete
            name = f"bare-{uuid.uuid4().hex[:16]}"
            sync(fs.loop, fs.service_client.create_container, name)
            sync(fs.loop, fs.service_client.delete_container, name)

        def fixture_container() -> None:
            container = server.make_container()
            build_azure_store(
                f"az://{container}", connection_string=server.connection_string, fs=fs, check=False
            )
            server.remove_container(container)

        return compare(
            "azure_artifact_store",
            fixture_container,
            "bare adlfs container create + delete",
            bare_container,
            runs,
            1.5,
        )


def start_up_rows() -> list[list[str]]:
    """Seconds from nothing to a server that answers: first start in this process, then another."""
    rows = []
    for name, start in (("gcs_server", GcsServer.start), ("azure_server", AzureServer.start)):
        times = []
        for _ in range(2):
            began = time.perf_counter()
            server = start()
            times.append(time.perf_counter() - began)
            server.stop()
        rows.append([name, f"{times[0]:.2f}", f"{times[1]:.2f}"])
    return rows


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    start_up = start_up_rows()
    rows = []
    with S3Server.start() as server:
        fs = server.filesystem()

        def bare_bucket() -> None:
            name = f"bare-{uuid.uuid4().hex[:16]}"
            fs.mkdir(name)
            fs.rm(name, recursive=True)

        def fixture_bucket() -> None:
            bucket = server.make_bucket()
            build_s3_store(f"s3://{bucket}", endpoint_url=server.endpoint_url, fs=server.filesystem())
            server.remove_bucket(bucket)

        rows.append(
            compare(
                "s3_artifact_store",
                fixture_bucket,
                "bare s3fs bucket create + delete",
                bare_bucket,
                runs,
                1.5,
            )
        )

    rows.append(gcs_row(runs))
    rows.append(azure_row(runs))

    base = tempfile.mkdtemp(prefix="bench-flavors-")
    factory = ConfigDirFactory(base)

    def local_per_test() -> None:
        factory.mktemp("bench").write_default_stack()

    def memory_per_test() -> None:
        store = MemoryArtifactStore(f"memory://bench-{uuid.uuid4().hex}")
        store.fs.rm(store.fs._strip_protocol(store.path), recursive=True)

    rows.append(
        compare(
            "memory_artifact_store",
            memory_per_test,
            "local_artifact_store's set-up",
            local_per_test,
            runs * 5,
            1.0,
        )
    )
    shutil.rmtree(base, ignore_errors=True)
    print_table(
        f"Flavor fixtures, per test (median of {runs} runs, best of 3), Python {sys.version.split()[0]}",
        ["fixture", "ms", "baseline", "ms", "ratio", "target"],
        rows,
    )
    print_table(
        "Server start-up, seconds (first start in the process imports the client library)",
        ["fixture", "first", "again"],
        start_up,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
