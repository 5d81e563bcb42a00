"""Sphinx configuration: Markdown pages (MyST), the furo theme, autodoc of the public API.

Build strictly, as ``tox -e docs`` and ``tests/test_docs.py`` do:
``python -m sphinx -W --keep-going -n -b html docs docs/_build/html``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pytest_localstore  # noqa: E402

project = "pytest-localstore"
author = "pytest-localstore developers"
copyright = "pytest-localstore developers"
version = release = pytest_localstore.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "generated"]  # generated pages are included by the pages that show them

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "signature"

nitpicky = True
# The build is offline (no intersphinx, so the test suite needs no network):
# names from the standard library in signatures cannot be linked, and are shown
# as written.
nitpick_ignore_regex = [
    (r"py:class", r"(collections\.abc|os|re|uuid)\.\w+(\[.*\])?"),
]
# Names that exist only for type checkers, so that loading the command line
# stays cheap: the types of Flavor's callables and of a Testbed's stores.
nitpick_ignore = [
    ("py:class", "Build"),
    ("py:class", "Prepare"),
    ("py:class", "Describe"),
    ("py:class", "MakeStore"),
    ("py:class", "Stores"),
    ("py:class", "AbstractContextManager"),
]

html_theme = "furo"
html_title = f"pytest-localstore {release}"

linkcheck_timeout = 15
