"""What the contract finds in ZenML's own artifact stores, as the README's Markdown table.

Run: ``python examples/zenml_findings.py`` (needs the zenml, s3, gcs and azure
extras, and Node.js for Azurite). It runs ``localstore contract zenml:local
zenml:s3`` with a fixed seed (S3 on moto's server on 127.0.0.1), then ZenML's
GCS and Azure stores through the Python API (:func:`~pytest_localstore.run_contract`,
with the command's defaults and seed) on gcp-storage-emulator and Azurite started
here on 127.0.0.1, each store a new prefix in one bucket or container. It prints
one line per cause of violation: the target, the kind, the operation, the rule,
and the calls of its shortest program after the store is made (each program is
runnable as printed after its opening, :data:`OPENINGS`).

Slow on Azure: Azurite answers a name with a NUL byte with 500, which the Azure
SDK under ZenML's store retries for about 80 s, once per such row and replay
(the rows alone took over 20 minutes on two shared cores); GCS's take 5 to 8.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pytest_localstore.contract._command import targets_for
from pytest_localstore.contract._escapes import sibling_preamble

TARGETS = ("zenml:local", "zenml:s3")
#: Run through the Python API: no ``zenml:gcs`` or ``zenml:azure`` target yet.
API_TARGETS = ("zenml:gcs", "zenml:azure")
SEED = "1"
#: The loggers silenced while the contract runs: gcsfs's and adlfs's (a traceback per refused
#: request), the Azure SDK's, fsspec's read-ahead, and ZenML's note that GCS appends overwrite.
QUIET = ("gcsfs", "adlfs", "azure", "fsspec", "zenml.integrations")
#: What makes each store in a program the table shows.
OPENINGS = {
    "zenml:gcs": (
        "from pytest_localstore import ZenMLArtifactStore\n"
        "from pytest_localstore.gcs import GcsServer\n"
        "from pytest_localstore.zenml_store import zenml_gcs_store\n\n"
        "server = GcsServer.start()  # gcp-storage-emulator on 127.0.0.1\n"
        "bucket = server.make_bucket()\n"
        "store = ZenMLArtifactStore(\n"
        "    zenml_gcs_store(f'gs://{bucket}/store', endpoint_url=server.endpoint_url)\n"
        ")  # a fresh, empty store"
    ),
    "zenml:azure": (
        "from pytest_localstore import ZenMLArtifactStore\n"
        "from pytest_localstore.azure import AzureServer\n"
        "from pytest_localstore.zenml_store import zenml_azure_store\n\n"
        "server = AzureServer.start()  # Azurite on 127.0.0.1\n"
        "container = server.make_container()\n"
        "store = ZenMLArtifactStore(\n"
        "    zenml_azure_store(f'az://{container}/store', connection_string=server.connection_string)\n"
        ")  # a fresh, empty store"
    ),
}


def calls_of(program: str, opening: str) -> str:
    """The program's statements after the store is made, without the closing comment, on one line.

    The lines that make the watched sibling ``<root>_evil`` are shown as one word.
    """
    body = program[len(opening) :] if program.startswith(opening) else program
    body = body.replace(sibling_preamble(), "# watch <root>_evil")
    watching = [line[2:] for line in body.splitlines() if line.startswith("# watch")]
    lines = [line.strip() for line in body.splitlines() if line.strip() and not line.startswith("#")]
    shown = "; ".join(lines).replace("|", "\\|")
    return f"({watching[0]}) `{shown}`" if watching else f"`{shown}`"


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """The :data:`QUIET` loggers, and gcsfs's warning that it cannot append, off for the block."""
    levels = {name: logging.getLogger(name).level for name in QUIET}
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@contextlib.contextmanager
def zenml_cloud_stores(target: str) -> Iterator[Callable[[], Any]]:
    """Fresh ZenML GCS or Azure stores, each a new prefix in one bucket or container of a server
    started here; ZenML pointed at a config directory of its own."""
    from pytest_localstore import ZenMLArtifactStore
    from pytest_localstore.zenml_sandbox import zenml_pointed_at
    from pytest_localstore.zenml_store import zenml_azure_store, zenml_gcs_store

    numbers = itertools.count()
    with contextlib.ExitStack() as stack:
        stack.enter_context(zenml_pointed_at(stack.enter_context(tempfile.TemporaryDirectory())))
        if target == "zenml:gcs":
            from pytest_localstore.gcs import GcsServer

            gcs = stack.enter_context(GcsServer.start())
            bucket = gcs.make_bucket("zenml-findings")
            yield lambda: ZenMLArtifactStore(
                zenml_gcs_store(f"gs://{bucket}/{next(numbers)}", endpoint_url=gcs.endpoint_url)
            )
        else:
            from pytest_localstore.azure import AzureServer

            azure = stack.enter_context(AzureServer.start())
            container = azure.make_container("zenml-findings")
            yield lambda: ZenMLArtifactStore(
                zenml_azure_store(
                    f"az://{container}/{next(numbers)}", connection_string=azure.connection_string
                )
            )


def api_findings(target: str) -> dict[str, Any]:
    """*target* run through :func:`run_contract` as the command would run it, as the JSON report has it."""
    from pytest_localstore import run_contract
    from pytest_localstore.contract import Capabilities
    from pytest_localstore.contract._settings import QUICK_EXAMPLES

    # Judged as ZenML's S3 store is: an object store whose glob is fsspec's (``**`` recursive,
    # ``*`` matches ``.h``).
    capabilities = Capabilities.object_store(glob_recursive=True, glob_hidden=True)
    with zenml_cloud_stores(target) as make, quiet():
        report = run_contract(
            make,
            capabilities,
            examples=QUICK_EXAMPLES,
            seed=int(SEED),
            max_time=50.0,
            opening=OPENINGS[target],
        )
    violations = [
        {
            "kind": entry.kind,
            "operation": entry.violation.method,
            "rule": entry.violation.problem.rule,
            "count": entry.count,
            "program": entry.violation.program,
        }
        for entry in report.ordered()
    ]
    return {"target": target, "violations": violations}


def main() -> int:
    import zenml

    with tempfile.TemporaryDirectory() as tmp:
        report_file = os.path.join(tmp, "report.json")
        command = ["contract", *TARGETS, "--seed", SEED, "--json", report_file]
        subprocess.run(
            [sys.executable, "-m", "pytest_localstore", *command],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "LOCALSTORE_CONFIG_PATH": os.path.join(tmp, "config")},
            check=False,
        )
        with open(report_file, encoding="utf-8") as file:
            report = json.load(file)
    report["targets"].extend(api_findings(target) for target in API_TARGETS)
    run = f"localstore contract {' '.join(TARGETS)} --seed {SEED}"
    api = f"`run_contract` with the command's defaults and seed on {' and '.join(API_TARGETS)}"
    print(f"Measured with ZenML {zenml.__version__}: `{run}`; {api}.\n")
    print("| target | kind | operation | rule | seen | shortest program, after the store is made |")
    print("|---|---|---|---|---:|---|")
    for target in report["targets"]:
        name = target["target"]
        opening = OPENINGS[name] if name in OPENINGS else targets_for(name)[0].opening
        for violation in target["violations"]:
            print(
                f"| {target['target']} | {violation['kind']} | {violation['operation']} | {violation['rule']}"
                f" | {violation['count']} | {calls_of(violation['program'], opening)} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
