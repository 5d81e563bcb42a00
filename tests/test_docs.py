"""The documentation builds strictly: warnings are errors and every reference resolves."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_the_docs_build_strictly(tmp_path: Path) -> None:
    # The same command as ``tox -e docs``; external links are ``tox -e docs-linkcheck`` (network).
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-b", "html"]
    command += ["-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        last = "\n".join((done.stdout + done.stderr).splitlines()[-40:])
        raise AssertionError(f"the strict docs build failed (exit status {done.returncode}):\n{last}")
    assert (tmp_path / "html" / "index.html").is_file()


def test_the_api_page_documents_every_public_name() -> None:
    import pytest_localstore

    page = (DOCS / "api.md").read_text(encoding="utf-8")
    missing = [name for name in pytest_localstore._EXPORTS if f"pytest_localstore.{name}\n" not in page]
    assert missing == []
