"""The pytest plugin (entry point ``localstore``)."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("localstore", "isolated local artifact stores")
    group.addoption("--localstore-backend", choices=("disk", "fake"), default=None)
