"""What the contract finds in ZenML's own artifact stores, as a Markdown table for the docs.

Run: ``python examples/zenml_findings.py`` (needs the zenml, s3, gcs and azure
extras, and Node.js for Azurite). It runs ``localstore contract zenml:local
zenml:s3 zenml:gcs zenml:azure`` with a fixed seed (the remote stores on
moto's server, gcp-storage-emulator and Azurite, each started on 127.0.0.1 for
the run) and prints one line per cause of violation: the target, the kind, the
operation, the rule, and the calls of its shortest program after the store is
made (each program is runnable as the command prints it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pytest_localstore.contract._escapes import sibling_preamble
from pytest_localstore.targets import targets_for

TARGETS = ("zenml:local", "zenml:s3", "zenml:gcs", "zenml:azure")
SEED = "1"


def calls_of(program: str, opening: str) -> str:
    """The program's statements after the store is made, without the closing comment, on one line.

    The lines that make the watched sibling ``<root>_evil`` are shown as one word.
    """
    body = program[len(opening) :] if program.startswith(opening) else program
    body = body.replace(sibling_preamble(neighbour=True), "# watch <root>_evil and evil_<root>")
    body = body.replace(sibling_preamble(), "# watch <root>_evil")
    watching = [line[2:] for line in body.splitlines() if line.startswith("# watch")]
    lines = [line.strip() for line in body.splitlines() if line.strip() and not line.startswith("#")]
    shown = "; ".join(lines).replace("|", "\\|")
    return f"({watching[0]}) `{shown}`" if watching else f"`{shown}`"


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
    run = f"localstore contract {' '.join(TARGETS)} --seed {SEED}"
    print(f"Measured with ZenML {zenml.__version__}: `{run}`.\n")
    print("| target | kind | operation | rule | seen | shortest program, after the store is made |")
    print("|---|---|---|---|---:|---|")
    for target in report["targets"]:
        name = target["target"]
        opening = targets_for(name)[0].opening
        for violation in target["violations"]:
            print(
                f"| {target['target']} | {violation['kind']} | {violation['operation']} | {violation['rule']}"
                f" | {violation['count']} | {calls_of(violation['program'], opening)} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
